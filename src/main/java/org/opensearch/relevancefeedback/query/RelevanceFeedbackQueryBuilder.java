package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.SetOnce;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.common.logging.HeaderWarning;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryCoordinatorContext;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.relevancefeedback.feedback.ExplicitFeedback;
import org.opensearch.relevancefeedback.feedback.HitWeight;
import org.opensearch.relevancefeedback.feedback.Rocchio;
import org.opensearch.relevancefeedback.inference.Inference;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.transport.client.Client;

/**
 * {@code relevance_feedback}: kNN search whose result is the GLOBAL top k over all target shards, optionally
 * refined by relevance feedback over one or more rounds.
 *
 * <p>On the coordinating node the query rewrites (asynchronously): it runs the first-pass {@code rf_knn} search
 * over the same indices and, with a {@code feedback} object, the feedback rounds ({@link FeedbackSearch}), then
 * becomes an {@code rf_scored_docs} query that matches exactly the final hits with their scores (and, in rescore
 * mode, scores the first-pass hits by the refined vector on the shards). Where no coordinator rewrite happens
 * (a query used outside a search request), it degrades to per-shard top k without feedback, like {@code rf_knn}.
 */
public final class RelevanceFeedbackQueryBuilder extends AbstractQueryBuilder<RelevanceFeedbackQueryBuilder> {

    public static final String NAME = "relevance_feedback";

    private final KnnSpec knn;
    /** Text, image, example documents or a composed pair, resolved to a vector on the coordinating node; NONE with a vector. */
    private final QueryInput input;

    private final FeedbackSpec feedback;
    /** The node's model (text encoder, feedback summarizer; null in unit tests: then [text] cannot be used); never serialized. */
    private final Inference encoder;
    /** Set only on the transient copy that waits for the first pass; never serialized. */
    private final Supplier<QueryBuilder> resolved;

    public RelevanceFeedbackQueryBuilder(KnnSpec knn) {
        this(knn, null);
    }

    public RelevanceFeedbackQueryBuilder(KnnSpec knn, FeedbackSpec feedback) {
        this(knn, QueryInput.NONE, feedback, null, null);
    }

    /**
     * A query by text, image, example documents or a composed pair: {@code knn} has no vector; {@code encoder} turns the
     * input into one (and runs AFS).
     */
    public RelevanceFeedbackQueryBuilder(KnnSpec knn, QueryInput input, FeedbackSpec feedback, Inference encoder) {
        this(knn, input, feedback, encoder, null);
    }

    private RelevanceFeedbackQueryBuilder(
            KnnSpec knn, QueryInput input, FeedbackSpec feedback, Inference encoder, Supplier<QueryBuilder> resolved) {
        input.validate(knn.vector() != null);
        this.knn = knn;
        this.input = input;
        this.feedback = feedback;
        this.encoder = encoder;
        this.resolved = resolved;
    }

    public RelevanceFeedbackQueryBuilder(StreamInput in, Inference encoder) throws IOException {
        super(in);
        this.knn = new KnnSpec(in);
        this.input = new QueryInput(in);
        this.feedback = in.readOptionalWriteable(FeedbackSpec::new);
        this.encoder = encoder;
        this.resolved = null;
    }

    public KnnSpec knn() {
        return knn;
    }

    public FeedbackSpec feedback() {
        return feedback;
    }

    public QueryInput input() {
        return input;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        if (resolved != null) {
            throw new IllegalStateException("[" + NAME + "] must be rewritten before it is sent to shards");
        }
        knn.writeTo(out);
        input.writeTo(out);
        out.writeOptionalWriteable(feedback);
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        knn.toXContentFields(builder, params);
        input.toXContentFields(builder);
        if (feedback != null) {
            builder.field("feedback", feedback, params);
        }
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static RelevanceFeedbackQueryBuilder fromXContent(XContentParser parser, Inference encoder)
            throws IOException {
        SetOnce<FeedbackSpec> feedback = new SetOnce<>();
        QueryInput.Parser input = new QueryInput.Parser();
        KnnSpec.Parsed parsed = KnnSpec.Parser.parseQuery(parser, NAME, (name, p) -> {
            if ("feedback".equals(name)) {
                feedback.set(FeedbackSpec.fromXContent(p));
                return true;
            }
            return input.parse(name, p);
        });
        QueryInput query = input.build();
        try {
            query.validate(parsed.spec().vector() != null);
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] " + e.getMessage());
        }
        if (feedback.get() != null
                && feedback.get().mode() == FeedbackSpec.Mode.RESCORE
                && parsed.spec().k() < feedback.get().topK()) {
            throw new ParsingException(
                    parser.getTokenLocation(),
                    KnnQueryBuilder.rescoreTopKMessage(
                            NAME, feedback.get().topK(), parsed.spec().k()));
        }
        return new RelevanceFeedbackQueryBuilder(parsed.spec(), query, feedback.get(), encoder)
                .boost(parsed.boost())
                .queryName(parsed.queryName());
    }

    private boolean hasFeedback() {
        return feedback != null && feedback.strategy() != FeedbackSpec.Strategy.NONE;
    }

    /** The query is a vector: no text, image or example documents to turn into one. */
    private boolean hasVectorInput() {
        return input.text() == null && input.image() == null && input.like() == null;
    }

    /** A query vector and nothing else: no feedback either. */
    private boolean isPlainVectorQuery() {
        return hasVectorInput()
                && (feedback == null
                        || (hasFeedback() == false && feedback.texts().isEmpty()));
    }

    /**
     * Pseudo feedback (PRF, GRF, AFS, AFS-PRF) over a search of one shard, whose top hits are the global ones: that
     * shard can run the rounds itself ({@link ShardFeedbackQuery}), one search in all instead of one per pass.
     */
    private boolean roundsFitOneShard(SearchRequest request) {
        return hasFeedback()
                && feedback.strategy() != FeedbackSpec.Strategy.EXPLICIT
                && encoder != null
                && encoder.targetShards(request) == 1;
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        if (resolved != null) {
            QueryBuilder result = resolved.get();
            return result == null ? this : result;
        }
        KnnSpec rewritten = knn.rewrite(context);
        if (rewritten != knn) {
            return new RelevanceFeedbackQueryBuilder(rewritten, input, feedback, encoder, null)
                    .boost(boost)
                    .queryName(queryName);
        }
        QueryCoordinatorContext coordinator = context.convertToCoordinatorContext();
        if (coordinator == null || coordinator.getSearchRequest() instanceof SearchRequest == false) {
            return this;
        }
        SearchRequest request = (SearchRequest) coordinator.getSearchRequest();
        boolean explain =
                request.source() != null && Boolean.TRUE.equals(request.source().explain());
        boolean outerFinalPass = explain == false && outerSearchIsGlobalTopK(request, knn.k());
        FeedbackSpec inShard = outerFinalPass && roundsFitOneShard(request) ? feedback : null;
        // nothing to encode, nothing to feed back here (the summarizer's model is picked on the coordinator): no
        // async round
        if (outerFinalPass
                && (isPlainVectorQuery()
                        || (hasVectorInput()
                                && inShard != null
                                && inShard.strategy().attentive() == false))) {
            return finalKnn(knn.vector(), inShard, null);
        }
        SetOnce<QueryBuilder> result = new SetOnce<>();
        if (inShard != null) {
            context.registerAsyncAction((client, listener) -> new FeedbackCoordinator(encoder, client, request)
                    .resolve(
                            knn.field(),
                            knn.vector(),
                            input,
                            feedback,
                            ActionListener.wrap(
                                    q -> {
                                        result.set(finalKnn(
                                                q.vector(),
                                                inShard,
                                                inShard.strategy().attentive()
                                                        ? new KnnQueryBuilder.Summarizer(q.model(), q.queryTokens())
                                                        : null));
                                        listener.onResponse(null);
                                    },
                                    listener::onFailure)));
        } else {
            context.registerAsyncAction((client, listener) -> search(
                    client,
                    request,
                    outerFinalPass,
                    ActionListener.wrap(
                            r -> {
                                r.warnings().forEach(HeaderWarning::addWarning);
                                result.set(r.hits() == null ? finalKnn(r.vector(), null, null) : finalHits(r, explain));
                                listener.onResponse(null);
                            },
                            listener::onFailure)));
        }
        return new RelevanceFeedbackQueryBuilder(knn, input, feedback, encoder, result::get)
                .boost(boost)
                .queryName(queryName);
    }

    /**
     * Whether the search this query is the whole of returns exactly the global top hits when each shard runs the final
     * kNN itself: the shards' top k together hold the global top k, so the merged top from + size (<= k) is the same.
     * Anything that looks past the returned hits (aggregations, post filter, collapse, rescore, sort, scroll, search
     * after) would see the shards' extra hits, so it keeps the two-phase path. hits.total then counts the shards' hits,
     * as the k-NN plugin's does.
     */
    static boolean outerSearchIsGlobalTopK(SearchRequest request, int k) {
        SearchSourceBuilder source = request.source();
        if (source == null
                || source.query() instanceof RelevanceFeedbackQueryBuilder == false
                || request.scroll() != null) {
            return false;
        }
        int from = Math.max(0, source.from());
        int size = source.size() < 0 ? 10 : source.size();
        return from + size <= k
                && source.aggregations() == null
                && source.postFilter() == null
                && source.collapse() == null
                && (source.rescores() == null || source.rescores().isEmpty())
                && (source.sorts() == null || source.sorts().isEmpty())
                && source.searchAfter() == null
                && source.pointInTimeBuilder() == null;
    }

    /**
     * The last kNN pass, run by the caller's search itself: q' (or q without feedback) over the shards; with
     * {@code inShard}, q and the rounds the shard runs before it (with what the summarizer reads, for afs / afs_prf).
     */
    private QueryBuilder finalKnn(float[] vector, FeedbackSpec inShard, KnnQueryBuilder.Summarizer summarizer) {
        return new KnnQueryBuilder(withVector(vector), inShard, summarizer, encoder)
                .boost(boost)
                .queryName(queryName);
    }

    /** This query's kNN with a resolved vector; a query by example documents leaves them out of the hits. */
    private KnnSpec withVector(float[] vector) {
        return new KnnSpec(
                knn.field(), vector, knn.k(), knn.numCandidates(), LikeDocuments.excluding(knn.filter(), input));
    }

    /**
     * Turns the query input into a vector (the text and the explicit feedback texts in one batch, then the image or the
     * example documents, then the composition), then runs the first pass and the feedback rounds over the targets of
     * {@code request}.
     */
    public void search(Client client, SearchRequest request, ActionListener<FeedbackSearch.Result> listener) {
        search(client, request, false, listener);
    }

    /**
     * @param outerFinalPass the caller's own search will be the last kNN pass: a retrieve-mode run stops at q' (see
     *        {@link FeedbackSearch.Result#hits()})
     */
    private void search(
            Client client,
            SearchRequest request,
            boolean outerFinalPass,
            ActionListener<FeedbackSearch.Result> listener) {
        FeedbackCoordinator coordinator = new FeedbackCoordinator(encoder, client, request);
        coordinator.resolve(
                knn.field(),
                knn.vector(),
                input,
                feedback,
                ActionListener.wrap(
                        q -> {
                            ActionListener<FeedbackSearch.Result> timed =
                                    ActionListener.map(listener, r -> r.withEncodeNanos(q.encodeNanos()));
                            KnnSpec resolvedKnn = withVector(q.vector());
                            if (hasFeedback() == false && outerFinalPass) {
                                timed.onResponse(FeedbackSearch.Result.unranked(q.vector()));
                            } else if (hasFeedback() == false) {
                                new FeedbackSearch(
                                                client,
                                                request,
                                                null,
                                                knn.field(),
                                                new KnnQueryBuilder(resolvedKnn),
                                                knn.k(),
                                                null,
                                                false,
                                                null)
                                        .firstPassOnly(q.vector(), timed);
                            } else {
                                feedbackSearch(
                                        resolvedKnn,
                                        q.feedbackTexts(),
                                        coordinator.summarizer(q, feedback),
                                        client,
                                        request,
                                        outerFinalPass,
                                        timed);
                            }
                        },
                        listener::onFailure));
    }

    private void feedbackSearch(
            KnnSpec knn,
            float[][] feedbackTexts,
            FeedbackSearch.SummarizerInput summarizer,
            Client client,
            SearchRequest request,
            boolean outerFinalPass,
            ActionListener<FeedbackSearch.Result> listener) {
        boolean pseudo = feedback.strategy() != FeedbackSpec.Strategy.EXPLICIT;
        boolean retrieve = feedback.mode() == FeedbackSpec.Mode.RETRIEVE;
        // Retrieve mode: the first pass only feeds round 1, so it fetches what the feedback looks at. Rescore mode:
        // the first pass is the candidate set, k hits.
        int size = retrieve && pseudo ? feedback.feedbackDepth() : knn.k();
        KnnQueryBuilder firstPass = new KnnQueryBuilder(knn.sized(knn.vector(), size));
        KnnSpec last = retrieve ? knn : null;
        new FeedbackSearch(client, request, feedback, knn.field(), firstPass, size, last, outerFinalPass, summarizer)
                .run(ExplicitFeedback.withTexts(knn.vector(), feedbackTexts), listener);
    }

    /** The shard-level form of a finished search: the final hits (or the rescored candidates), explained when asked. */
    public QueryBuilder finalHits(FeedbackSearch.Result result, boolean explain) {
        List<FinalHitsQueryBuilder.FinalHit> hits = result.hits();
        if (explain) {
            hits = hits.stream().map(h -> h.withNotes(notes(result, h))).toList();
        }
        FinalHitsQueryBuilder.VectorScoring scoring = hasFeedback() && feedback.mode() == FeedbackSpec.Mode.RESCORE
                ? new FinalHitsQueryBuilder.VectorScoring(knn.field(), result.vector())
                : null;
        return new FinalHitsQueryBuilder(hits, description(), scoring)
                .boost(boost)
                .queryName(queryName);
    }

    private String description() {
        String base = NAME + " top " + knn.k() + " on [" + knn.field() + "]";
        if (hasFeedback() == false) {
            return base;
        }
        return String.format(
                Locale.ROOT,
                "%s after %d round(s) of %s feedback (%s Rocchio, %s)",
                base,
                feedback.rounds(),
                feedback.strategy().label(),
                feedback.rocchio() == Rocchio.Variant.EXTENDED ? "extended" : "original",
                feedback.mode().name().toLowerCase(Locale.ROOT));
    }

    private static List<FinalHitsQueryBuilder.Note> notes(
            FeedbackSearch.Result result, FinalHitsQueryBuilder.FinalHit hit) {
        List<FinalHitsQueryBuilder.Note> notes = new ArrayList<>();
        String key = FeedbackSearch.key(hit.index(), hit.id());
        Float first = result.firstPassScores().get(key);
        notes.add(
                first == null
                        ? new FinalHitsQueryBuilder.Note(0, "not in the first pass")
                        : new FinalHitsQueryBuilder.Note(first, "first-pass score"));
        for (int r = 0; r < result.rounds().size(); r++) {
            for (HitWeight w : result.rounds().get(r)) {
                if (FeedbackSearch.key(w.index(), w.id()).equals(key)) {
                    notes.add(new FinalHitsQueryBuilder.Note(
                            (float) w.positive(), "positive feedback weight in round " + (r + 1)));
                    notes.add(new FinalHitsQueryBuilder.Note(
                            (float) w.negative(), "negative feedback weight in round " + (r + 1)));
                    if (w.patches() != null) {
                        notes.add(new FinalHitsQueryBuilder.Note(
                                (float) w.positive(),
                                "summarizer saliency in round " + (r + 1) + ": " + w.saliencyText()));
                    }
                }
            }
        }
        return notes;
    }

    @Override
    protected Query doToQuery(QueryShardContext context) throws IOException {
        return knn.toLuceneQuery(context, NAME);
    }

    @Override
    protected boolean doEquals(RelevanceFeedbackQueryBuilder other) {
        return knn.equals(other.knn)
                && input.equals(other.input)
                && Objects.equals(feedback, other.feedback)
                && resolved == other.resolved;
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(knn, input, feedback);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
