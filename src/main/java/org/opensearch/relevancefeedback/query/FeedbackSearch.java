package org.opensearch.relevancefeedback.query;

import org.opensearch.action.search.SearchPhaseExecutionException;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.common.document.DocumentField;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.relevancefeedback.feedback.AttentiveFeedback;
import org.opensearch.relevancefeedback.feedback.PseudoFeedback;
import org.opensearch.relevancefeedback.feedback.Rocchio;
import org.opensearch.relevancefeedback.inference.Inference;
import org.opensearch.relevancefeedback.inference.TokenCodec;
import org.opensearch.search.SearchHit;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.transport.client.Client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Relevance feedback on the coordinating node. Every pass is an ordinary search over the request's targets
 * (same indices, routing, preference), so the feedback always sees the GLOBAL ranking: results do not depend on
 * the number of shards or nodes. Vectors and token blocks of the feedback hits are read from the index (the search's
 * {@code fields} option: vector values, doc values), so they may be left out of {@code _source}.
 *
 * <p>Flow: first pass -> round 1 refines q from its top hits -> a pass with q' -> round 2 ... -> after the last
 * round, retrieve mode runs a final pass of size k with q'; rescore mode leaves scoring the first-pass hits by q'
 * to the caller.
 */
public final class FeedbackSearch {

    /**
     * The weights one hit received in one round; with the summarizer and {@code saliency}, also its patch grid
     * (row-major, min-max normalized) and its caption tokens' scores, else null.
     */
    public record HitWeight(String index, String id, double positive, double negative, float[] patches, float[] caption) {
        public HitWeight(String index, String id, double positive, double negative) {
            this(index, id, positive, negative, null, null);
        }

        /** The saliency as one line for explain output. */
        public String saliencyText() {
            return "patches " + Arrays.toString(patches) + (caption == null ? "" : ", caption tokens " + Arrays.toString(caption));
        }
    }

    /**
     * The models, the one that runs (null: the node's default) and the query text's word tokens (none for a query by
     * image or by example documents): what strategies afs / afs_prf need besides the hits.
     */
    public record SummarizerInput(Inference inference, String model, float[][] queryTokens) {}

    /**
     * What a run produced: q', the final hits (retrieve) or the first-pass candidates (rescore), and the why. Hits are
     * null when the caller's own search runs the final kNN pass with q'.
     */
    public record Result(
        float[] vector,
        List<FinalHitsQueryBuilder.FinalHit> hits,
        List<List<HitWeight>> rounds,
        Map<String, Float> firstPassScores,
        List<String> warnings,
        List<Long> passNanos,
        long feedbackNanos,
        long encodeNanos
    ) {
        /** q alone, nothing searched yet: the caller's search is the only pass. */
        static Result unranked(float[] vector) {
            return new Result(vector, null, List.of(), Map.of(), List.of(), List.of(), 0, 0);
        }

        /** The same result, with the time the query's text encoding took (the caller encodes before the search). */
        Result withEncodeNanos(long nanos) {
            return new Result(vector, hits, rounds, firstPassScores, warnings, passNanos, feedbackNanos, nanos);
        }
    }

    /**
     * Heap an AFS round holds per byte of its hits' token blocks: the block (1), then 4-byte floats three times over
     * (decoded tokens, the flat model input, the runtime's tensor: 12).
     */
    static final int HEAP_PER_TOKEN_BYTE = 13;

    private final Client client;
    private final SearchRequest original;
    private final FeedbackSpec spec;
    private final String field;
    private final String feedbackField;
    private final QueryBuilder firstPass;
    private final int firstPassSize;
    private final KnnSpec retrieve;
    /** Retrieve mode: the caller's search is the final pass, so a run ends at q'. */
    private final boolean outerFinalPass;
    private final SummarizerInput summarizer;
    /** What the feedback passes read from the hits (the search's {@code fields} option). */
    private final String[] feedbackFields;
    private final List<List<HitWeight>> rounds = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    /** Wall time of every search pass as the coordinator saw it, first pass first. */
    private final List<Long> passNanos = new ArrayList<>();
    /** Time spent reading feedback vectors and computing q', all rounds. */
    private long feedbackNanos;
    private final Map<String, Float> firstPassScores = new LinkedHashMap<>();
    private List<FinalHitsQueryBuilder.FinalHit> candidates;
    /**
     * The token width every stored caption / image block must have (AFS; the towers' widths may differ), set by the
     * query's words (captions) or else by the first block of its kind read.
     */
    private int captionWidth;
    private int imageWidth;

    /**
     * @param spec the feedback; null for {@link #firstPassOnly}
     * @param field the vector field q lives in: rescore mode scores it, PRF and explicit (without caption field) read
     *        their feedback vectors from it, GRF from the caption field
     * @param firstPass the query of the first pass, run with {@code firstPassSize}; its hits are the rescore candidates
     * @param retrieve retrieve mode: field, k (the final size), num_candidates and filter of the kNN passes with q';
     *        null: rescore mode
     * @param outerFinalPass retrieve mode: end at q' without the final pass, the caller's search runs it
     * @param summarizer for strategies afs / afs_prf, else null
     */
    public FeedbackSearch(
        Client client,
        SearchRequest original,
        FeedbackSpec spec,
        String field,
        QueryBuilder firstPass,
        int firstPassSize,
        KnnSpec retrieve,
        boolean outerFinalPass,
        SummarizerInput summarizer
    ) {
        this.client = client;
        this.original = original;
        this.spec = spec;
        this.field = field;
        this.feedbackField = spec != null && spec.captionField() != null && spec.strategy() != FeedbackSpec.Strategy.PRF ? spec.captionField() : field;
        this.firstPass = firstPass;
        this.firstPassSize = firstPassSize;
        this.retrieve = retrieve;
        this.outerFinalPass = outerFinalPass;
        this.summarizer = summarizer;
        if (spec != null && spec.strategy().attentive()) {
            FeedbackSpec.Afs afs = spec.afs();
            this.feedbackFields = spec.strategy() == FeedbackSpec.Strategy.AFS
                ? new String[] { field, afs.imageTokensField(), spec.captionField(), afs.captionTokensField() }
                : new String[] { field, afs.imageTokensField() };
        } else {
            this.feedbackFields = new String[] { feedbackField };
        }
    }

    /**
     * Checks the node-level limits, once, before anything is encoded or searched (the callers: the query builder, the
     * rescorer); a violation is the user's to fix (400).
     */
    public static void checkLimits(FeedbackSpec spec, RelevanceFeedbackSettings.FeedbackLimits limits) {
        if (spec.rounds() > limits.maxRounds()) {
            throw new IllegalArgumentException(
                "[feedback.rounds] must be <= " + limits.maxRounds() + " (setting [" + RelevanceFeedbackSettings.MAX_ROUNDS.getKey() + "]), got [" + spec.rounds() + "]"
            );
        }
        if (spec.feedbackDepth() > limits.maxWindow()) {
            String name = spec.rocchio() == Rocchio.Variant.ORIGINAL ? "window" : "top_k";
            throw new IllegalArgumentException(
                "[feedback." + name + "] must be <= " + limits.maxWindow() + " (setting [" + RelevanceFeedbackSettings.MAX_FEEDBACK_WINDOW.getKey() + "]), got [" + spec.feedbackDepth() + "]"
            );
        }
        if (spec.strategy().attentive() && spec.topK() > limits.maxAfsTopK()) {
            throw new IllegalArgumentException(
                "[feedback.top_k] must be <= " + limits.maxAfsTopK() + " for strategy [" + spec.strategy().label() + "] (setting ["
                    + RelevanceFeedbackSettings.MAX_AFS_TOP_K.getKey() + "]), got [" + spec.topK() + "]"
            );
        }
        if (spec.relevant().size() + spec.nonRelevant().size() + spec.texts().size() > limits.maxWindow()) {
            throw new IllegalArgumentException(
                "[feedback.relevant] + [feedback.non_relevant] + [feedback.text] must list <= " + limits.maxWindow() + " items (setting ["
                    + RelevanceFeedbackSettings.MAX_FEEDBACK_WINDOW.getKey() + "])"
            );
        }
    }

    /** No feedback: the first pass is the result. */
    void firstPassOnly(float[] query, ActionListener<Result> listener) {
        search(firstPass, firstPassSize, false, listener, hits -> listener.onResponse(result(query, finalHits(hits))));
    }

    /** Runs the rounds; the caller has checked the limits ({@link #checkLimits}). */
    public void run(float[] query, ActionListener<Result> listener) {
        boolean pseudo = spec.strategy() != FeedbackSpec.Strategy.EXPLICIT;
        search(firstPass, firstPassSize, pseudo, listener, hits -> {
            candidates = finalHits(hits);
            for (SearchHit hit : hits) {
                firstPassScores.put(key(hit.getIndex(), hit.getId()), hit.getScore());
            }
            if (pseudo && hits.length == 0) {
                // Nothing matched (empty index, a filter that matches nothing): no feedback, an empty result, like kNN.
                finish(query, listener);
            } else if (pseudo) {
                round(1, query, hits, listener);
            } else {
                explicit(query, listener);
            }
        });
    }

    private void round(int round, float[] query, SearchHit[] hits, ActionListener<Result> listener) {
        if (spec.strategy().attentive()) {
            attentiveRound(round, query, hits, listener);
        } else {
            pseudoRound(round, query, hits, listener);
        }
    }

    /** Ends a round: records its weights, then the next round's pass or the final one. */
    private void next(int round, float[] vector, List<HitWeight> weights, ActionListener<Result> listener) {
        rounds.add(weights);
        if (round == spec.rounds()) {
            finish(vector, listener);
        } else {
            pass(vector, spec.feedbackDepth(), true, listener, hits -> round(round + 1, vector, hits, listener));
        }
    }

    private void pseudoRound(int round, float[] query, SearchHit[] hits, ActionListener<Result> listener) {
        long start = System.nanoTime();
        List<float[]> ranking = new ArrayList<>();
        for (SearchHit hit : hits) {
            ranking.add(vectorOf(hit, feedbackField));
        }
        if (ranking.stream().limit(spec.topK()).allMatch(v -> v == null)) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "strategy [%s]: none of the top [%d] hits has a vector in [%s] = [%s]: it must name an rf_vector field",
                    spec.strategy().label(),
                    spec.topK(),
                    feedbackField.equals(field) ? "field" : "feedback.caption_field",
                    feedbackField
                )
            );
        }
        PseudoFeedback.Round r = PseudoFeedback.refine(spec.rocchio(), query, ranking, spec.topK(), spec.window(), spec.params());
        List<HitWeight> weights = new ArrayList<>();
        for (int i = 0; i < hits.length; i++) {
            if (r.positiveWeights()[i] > 0 || r.negativeWeights()[i] > 0) {
                weights.add(new HitWeight(hits[i].getIndex(), hits[i].getId(), r.positiveWeights()[i], r.negativeWeights()[i]));
            }
        }
        for (int i : r.skipped()) {
            warnings.add(
                String.format(Locale.ROOT, "round %d: hit [%s][%s] has no [%s] vector; left out of the feedback", round, hits[i].getIndex(), hits[i].getId(), feedbackField)
            );
        }
        feedbackNanos += System.nanoTime() - start;
        next(round, r.vector(), weights, listener);
    }

    /**
     * A round of the Attentive Feedback Summarizer (paper Sec. 3.3): the top-K hits' stored image tokens (and caption
     * tokens for afs) go through the model on the inference pool with the query's word tokens; q' follows Eq. 6-8.
     * Region boxes bias the attention to the patches they cover.
     */
    private void attentiveRound(int round, float[] query, SearchHit[] hits, ActionListener<Result> listener) {
        long bytes = 0;
        for (int i = 0; i < Math.min(spec.topK(), hits.length); i++) {
            for (String field : feedbackFields) {
                DocumentField values = hits[i].field(field);
                if (values != null && values.getValue() instanceof byte[] block) {
                    bytes += (long) HEAP_PER_TOKEN_BYTE * block.length;
                } else if (values != null && values.getValue() instanceof String base64) { // e.g. a binary field
                    bytes += (long) HEAP_PER_TOKEN_BYTE * base64.length();
                }
            }
        }
        CircuitBreaker breaker = summarizer.inference().breaker();
        breaker.addEstimateBytesAndMaybeBreak(bytes, "relevance_feedback: token blocks of the top " + spec.topK() + " hits");
        long held = bytes;
        Runnable release = () -> breaker.addWithoutBreaking(-held);
        try {
            summarizeRound(round, query, hits, listener, release);
        } catch (RuntimeException e) {
            release.run(); // failed before the summarizer took the round
            throw e;
        }
    }

    private void summarizeRound(int round, float[] query, SearchHit[] hits, ActionListener<Result> listener, Runnable release) {
        long start = System.nanoTime();
        FeedbackSpec.Afs afs = spec.afs();
        boolean captions = spec.strategy() == FeedbackSpec.Strategy.AFS;
        List<SearchHit> used = new ArrayList<>();
        List<float[][]> imageTokens = new ArrayList<>();
        List<float[][]> captionTokens = new ArrayList<>();
        List<float[]> images = new ArrayList<>();
        List<float[]> captionVectors = new ArrayList<>();
        List<float[]> bias = afs.regions().isEmpty() ? null : new ArrayList<>(); // region feedback only
        for (int i = 0; i < Math.min(spec.topK(), hits.length); i++) {
            SearchHit hit = hits[i];
            float[][] it = tokensOf(hit, afs.imageTokensField(), true, round);
            float[] iv = vectorOf(hit, field);
            float[][] ct = captions ? tokensOf(hit, afs.captionTokensField(), false, round) : null;
            float[] cv = captions ? vectorOf(hit, spec.captionField()) : null;
            if (it == null || iv == null || (captions && (ct == null || cv == null))) {
                warnings.add(
                    String.format(
                        Locale.ROOT,
                        "round %d: hit [%s][%s] lacks one of %s; left out of the feedback",
                        round,
                        hit.getIndex(),
                        hit.getId(),
                        Arrays.toString(feedbackFields)
                    )
                );
                continue;
            }
            used.add(hit);
            imageTokens.add(it);
            images.add(iv);
            captionTokens.add(ct);
            captionVectors.add(cv);
            if (bias != null) {
                bias.add(AttentiveFeedback.regionBias(it.length, afs.boxes(hit.getId()), afs.regionFactor()));
            }
        }
        if (used.isEmpty()) {
            throw new IllegalArgumentException(
                "strategy ["
                    + spec.strategy().label()
                    + "]: none of the top "
                    + spec.topK()
                    + " hits has all of "
                    + Arrays.toString(feedbackFields)
                    + " ([field], [feedback.image_tokens_field]"
                    + (captions ? ", [feedback.caption_field], [feedback.caption_tokens_field]" : "")
                    + "); index the image and caption tokens with rf_encode's [image_tokens_field] / [text_tokens_field] into rf_tokens fields"
            );
        }
        if (round == 1) {
            Set<String> ids = new HashSet<>();
            used.forEach(h -> ids.add(h.getId()));
            for (FeedbackSpec.Region region : afs.regions()) {
                if (ids.contains(region.id()) == false) {
                    throw new IllegalArgumentException(
                        "[feedback.regions] id [" + region.id() + "] is not one of the top " + spec.topK() + " feedback hits " + ids
                    );
                }
            }
        }
        summarizer.inference()
            .summarize(
                summarizer.model(),
                summarizer.queryTokens(),
                captions ? captionTokens : null,
                imageTokens,
                bias,
                ActionListener.runBefore(ActionListener.wrap(out -> {
                    AttentiveFeedback.Round r = AttentiveFeedback.refine(
                        query,
                        out.positive(),
                        out.imageAttention(),
                        images.toArray(float[][]::new),
                        out.captionAttention(),
                        captions ? captionVectors.toArray(float[][]::new) : null,
                        spec.params()
                    );
                    List<HitWeight> weights = new ArrayList<>();
                    for (int i = 0; i < used.size(); i++) {
                        weights.add(
                            new HitWeight(
                                used.get(i).getIndex(),
                                used.get(i).getId(),
                                r.positiveShares()[i],
                                r.negativeWeights()[i],
                                afs.saliency() ? r.patchSaliency()[i] : null,
                                afs.saliency() && captions ? r.captionSaliency()[i] : null
                            )
                        );
                    }
                    feedbackNanos += System.nanoTime() - start; // includes the model and its queue on the inference pool
                    next(round, r.vector(), weights, listener);
                }, listener::onFailure), release::run)
            );
    }

    /** Explicit feedback: the marked documents' vectors, the same in every round. */
    private void explicit(float[] query, ActionListener<Result> listener) {
        if (spec.relevant().isEmpty() && spec.nonRelevant().isEmpty()) {
            finish(query, listener); // feedback by words only: the caller averaged them into q
            return;
        }
        List<String> ids = new ArrayList<>(spec.relevant());
        ids.addAll(spec.nonRelevant());
        QueryBuilder byId = QueryBuilders.idsQuery().addIds(ids.toArray(String[]::new));
        // An _id may exist in more than one target index: every copy counts.
        search(byId, 10 * ids.size(), true, listener, hits -> {
            long start = System.nanoTime();
            List<SearchHit> rel = new ArrayList<>();
            List<SearchHit> nonRel = new ArrayList<>();
            Set<String> found = new HashSet<>();
            for (SearchHit hit : hits) {
                found.add(hit.getId());
                (spec.relevant().contains(hit.getId()) ? rel : nonRel).add(hit);
                if (spec.relevant().contains(hit.getId()) && spec.nonRelevant().contains(hit.getId())) {
                    throw new IllegalArgumentException("document [" + hit.getId() + "] is in both [feedback.relevant] and [feedback.non_relevant]");
                }
            }
            List<String> missing = ids.stream().filter(id -> found.contains(id) == false).toList();
            if (missing.isEmpty() == false) {
                throw new IllegalArgumentException("[feedback.relevant] / [feedback.non_relevant]: no documents with ids " + missing);
            }
            float[][] positives = explicitVectors(rel);
            float[][] negatives = explicitVectors(nonRel);
            float[] q = query;
            for (int round = 1; round <= spec.rounds(); round++) {
                Rocchio.Refinement r = Rocchio.refine(spec.rocchio(), q, positives, negatives, spec.params());
                List<HitWeight> weights = new ArrayList<>();
                for (int i = 0; i < rel.size(); i++) {
                    weights.add(new HitWeight(rel.get(i).getIndex(), rel.get(i).getId(), r.positiveWeights()[i], 0));
                }
                for (int i = 0; i < nonRel.size(); i++) {
                    weights.add(new HitWeight(nonRel.get(i).getIndex(), nonRel.get(i).getId(), 0, r.negativeWeights()[i]));
                }
                rounds.add(weights);
                q = r.vector();
            }
            feedbackNanos += System.nanoTime() - start;
            finish(q, listener);
        });
    }

    private float[][] explicitVectors(List<SearchHit> hits) {
        float[][] out = new float[hits.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = vectorOf(hits.get(i), feedbackField);
            if (out[i] == null) {
                throw new IllegalArgumentException(
                    "document [" + hits.get(i).getId() + "] has no [" + feedbackField + "] vector, so it cannot be used as feedback"
                );
            }
        }
        return out;
    }

    private void finish(float[] refined, ActionListener<Result> listener) {
        if (retrieve == null) {
            listener.onResponse(result(refined, candidates));
        } else if (outerFinalPass) {
            listener.onResponse(result(refined, null));
        } else {
            pass(refined, retrieve.k(), false, listener, hits -> listener.onResponse(result(refined, finalHits(hits))));
        }
    }

    private Result result(float[] refined, List<FinalHitsQueryBuilder.FinalHit> hits) {
        return new Result(refined, hits, rounds, firstPassScores, warnings, passNanos, feedbackNanos, 0);
    }

    /** A ranking pass with a refined vector: a new kNN (retrieve) or the candidates re-scored by it (rescore). */
    private void pass(float[] vector, int size, boolean withVectors, ActionListener<Result> listener, Step then) {
        QueryBuilder query;
        if (retrieve != null) {
            Integer nc = retrieve.numCandidates() == null ? null : Math.max(retrieve.numCandidates(), size);
            query = new KnnQueryBuilder(new KnnSpec(retrieve.field(), vector, size, nc, retrieve.filter()));
        } else {
            query = new FinalHitsQueryBuilder(candidates, "rescore", new FinalHitsQueryBuilder.VectorScoring(field, vector));
            size = Math.min(size, Math.max(1, candidates.size()));
        }
        search(query, size, withVectors, listener, then);
    }

    private interface Step {
        void accept(SearchHit[] hits) throws Exception;
    }

    private void search(QueryBuilder query, int size, boolean withVectors, ActionListener<Result> listener, Step then) {
        SearchSourceBuilder source = new SearchSourceBuilder().query(query).size(size).trackTotalHits(false);
        source.fetchSource(false);
        if (withVectors) {
            for (String field : feedbackFields) {
                source.fetchField(field);
            }
        }
        SearchRequest request = new SearchRequest(original.indices()).source(source)
            .indicesOptions(original.indicesOptions())
            .routing(original.routing())
            .preference(original.preference());
        long start = System.nanoTime();
        client.search(request, ActionListener.wrap(response -> {
            passNanos.add(System.nanoTime() - start);
            failOnShardFailures(response);
            SearchHit[] hits = response.getHits().getHits().clone();
            Arrays.sort(hits, RANKING);
            then.accept(hits);
        }, listener::onFailure));
    }

    /**
     * Hits with exactly equal scores (identical vectors) come back in shard order, which depends on the shard layout;
     * ranked by index and id instead, the top K that feedback reads is the same for 1, 3 or 5 shards. Ids that are both
     * numbers compare as numbers, so documents with sequential ids keep their indexing order.
     */
    static final Comparator<SearchHit> RANKING = Comparator.comparingDouble((SearchHit h) -> -h.getScore())
        .thenComparing(SearchHit::getIndex)
        .thenComparing(SearchHit::getId, FeedbackSearch::compareIds);

    static int compareIds(String a, String b) {
        boolean numbers = a.length() < 19 && b.length() < 19 && a.chars().allMatch(Character::isDigit) && b.chars().allMatch(Character::isDigit);
        return numbers && a.isEmpty() == false && b.isEmpty() == false ? Long.compare(Long.parseLong(a), Long.parseLong(b)) : a.compareTo(b);
    }

    /** A partial pass would be a silently wrong ranking, so any shard failure fails the query. */
    static void failOnShardFailures(SearchResponse response) {
        if (response.getShardFailures().length > 0) {
            throw new SearchPhaseExecutionException(
                "query",
                "[" + RelevanceFeedbackQueryBuilder.NAME + "] a search pass failed on " + response.getShardFailures().length + " shard(s)",
                response.getShardFailures()
            );
        }
    }

    static List<FinalHitsQueryBuilder.FinalHit> finalHits(SearchHit[] hits) {
        List<FinalHitsQueryBuilder.FinalHit> out = new ArrayList<>();
        for (SearchHit hit : hits) {
            out.add(new FinalHitsQueryBuilder.FinalHit(hit.getIndex(), hit.getShard().getShardId().id(), hit.getId(), hit.getScore()));
        }
        return out;
    }

    static String key(String index, String id) {
        return index + "/" + id;
    }

    /**
     * The token block (TokenCodec: the bytes an rf_tokens field returns, or base64 from another field's source) at {@code path}, or null when absent
     * or unusable: a value that is not a block of the model's width (an image block also needs CLS + a square patch
     * grid) is left out with a warning, so one bad document does not fail every query whose top K holds it.
     */
    private float[][] tokensOf(SearchHit hit, String path, boolean image, int round) {
        DocumentField field = hit.field(path);
        if (field == null || field.getValues().isEmpty()) {
            return null;
        }
        Object value = field.getValue();
        String problem;
        try {
            float[][] tokens = TokenCodec.decode(switch (value) {
                case byte[] block -> block; // an rf_tokens field
                case String base64 -> Base64.getDecoder().decode(base64); // a field that returns its source, e.g. binary
                default -> throw new IllegalArgumentException("not a token block");
            });
            if (image && imageWidth == 0) {
                imageWidth = tokens[0].length;
            } else if (image == false && captionWidth == 0) {
                captionWidth = summarizer.queryTokens().length > 0 ? summarizer.queryTokens()[0].length : tokens[0].length;
            }
            int dims = image ? imageWidth : captionWidth;
            int grid = (int) Math.round(Math.sqrt(tokens.length - 1));
            if (tokens[0].length != dims) {
                problem = "its tokens have " + tokens[0].length + " dimensions, the model's have " + dims;
            } else if (image && (tokens.length < 2 || grid * grid != tokens.length - 1)) {
                problem = "its " + tokens.length + " tokens are not CLS + a square patch grid";
            } else {
                return tokens;
            }
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
        }
        warnings.add(
            String.format(Locale.ROOT, "round %d: hit [%s][%s] has no usable token block in [%s] (%s); left out of the feedback", round, hit.getIndex(), hit.getId(), path, problem)
        );
        return null;
    }

    /**
     * The vector in {@code path} as the search's {@code fields} option returned it (read from the index), or null when
     * the hit has none.
     */
    static float[] vectorOf(SearchHit hit, String path) {
        DocumentField field = hit.field(path);
        if (field == null || field.getValues().isEmpty()) {
            return null;
        }
        List<Object> values = field.getValues();
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            if (values.get(i) instanceof Number n) {
                out[i] = n.floatValue();
            } else {
                return null;
            }
        }
        return out;
    }
}
