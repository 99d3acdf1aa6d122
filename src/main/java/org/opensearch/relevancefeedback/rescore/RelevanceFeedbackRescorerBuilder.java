package org.opensearch.relevancefeedback.rescore;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.lucene.queries.function.FunctionScoreQuery;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.util.SetOnce;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.common.logging.HeaderWarning;
import org.opensearch.core.ParseField;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.ParsedQuery;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.index.query.QueryCoordinatorContext;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.relevancefeedback.inference.Inference;
import org.opensearch.relevancefeedback.mapper.RfVectorFieldMapper;
import org.opensearch.relevancefeedback.query.FeedbackCoordinator;
import org.opensearch.relevancefeedback.query.FeedbackSearch;
import org.opensearch.relevancefeedback.query.FeedbackSpec;
import org.opensearch.relevancefeedback.query.QueryInput;
import org.opensearch.relevancefeedback.query.RequestValues;
import org.opensearch.relevancefeedback.query.VectorSimilaritySource;
import org.opensearch.search.rescore.QueryRescoreMode;
import org.opensearch.search.rescore.QueryRescorer;
import org.opensearch.search.rescore.RescoreContext;
import org.opensearch.search.rescore.RescorerBuilder;

/**
 * The {@code relevance_feedback} rescorer: follows any first-pass query. On the coordinating node the GLOBAL top
 * hits of that query (same targets) supply the feedback that refines q (this rescorer's {@code vector}) to q';
 * then every shard re-ranks its rescore window by the similarity of the hits' {@code field} vectors to q', combined
 * with the first-pass score like the stock query rescorer ({@code query_weight}, {@code rescore_query_weight},
 * {@code score_mode}). With several rounds, later rounds re-rank the first pass's feedback window by the current q.
 */
public final class RelevanceFeedbackRescorerBuilder extends RescorerBuilder<RelevanceFeedbackRescorerBuilder> {

    public static final String NAME = "relevance_feedback";
    private static final ParseField FIELD = new ParseField("field");
    private static final ParseField VECTOR = new ParseField("vector");
    private static final ParseField TEXT = new ParseField("text");
    private static final ParseField FEEDBACK = new ParseField("feedback");
    private static final ParseField QUERY_WEIGHT = new ParseField("query_weight");
    private static final ParseField RESCORE_QUERY_WEIGHT = new ParseField("rescore_query_weight");
    private static final ParseField SCORE_MODE = new ParseField("score_mode");
    private static final ParseField REFINED_VECTOR = new ParseField("refined_vector");
    private static final ParseField MODEL = new ParseField("model");

    private final String field;
    private final float[] vector;
    private final FeedbackSpec feedback;
    /** The query's words, which strategies afs / afs_prf read as tokens (the vector stays q); null otherwise. */
    private final String text;
    /** The node's models (never serialized; null in unit tests). */
    private final Inference inference;
    /** The model whose summarizer reads [text] (null: the field's bound model, else the node's default). */
    private String model;

    private float queryWeight = 1f;
    private float rescoreQueryWeight = 1f;
    private QueryRescoreMode scoreMode = QueryRescoreMode.Total;
    /** q' once the coordinator has run the feedback; what the shards score by. */
    private float[] refined;
    /** Set only on the transient copy that waits for the feedback; never serialized. */
    private Supplier<float[]> pending;

    public RelevanceFeedbackRescorerBuilder(String field, float[] vector, FeedbackSpec feedback) {
        this(field, vector, feedback, null, null);
    }

    public RelevanceFeedbackRescorerBuilder(
            String field, float[] vector, FeedbackSpec feedback, String text, Inference inference) {
        if (field == null || vector == null || feedback == null) {
            throw new IllegalArgumentException("[" + NAME + "] rescorer needs [field], [vector] and [feedback]");
        }
        if (feedback.strategy() == FeedbackSpec.Strategy.NONE) {
            throw new IllegalArgumentException("[" + NAME + "] rescorer needs a feedback strategy other than [none]");
        }
        if (feedback.mode() != FeedbackSpec.Mode.RETRIEVE) {
            throw new IllegalArgumentException(
                    "[feedback.mode] does not apply to the rescorer, which always re-ranks the first pass");
        }
        if (feedback.texts().isEmpty() == false) {
            throw new IllegalArgumentException("[" + NAME
                    + "] rescorer takes explicit feedback by document ids; [feedback.text] is for the query");
        }
        if (feedback.strategy().attentive() != (text != null)) {
            throw new IllegalArgumentException(
                    "[" + NAME
                            + "] rescorer: [text] (the query's words, read by the summarizer) is required for strategies [afs] and [afs_prf], and only for them");
        }
        this.field = field;
        this.vector = vector;
        this.feedback = feedback;
        this.text = text;
        this.inference = inference;
    }

    public RelevanceFeedbackRescorerBuilder(StreamInput in, Inference inference) throws IOException {
        super(in);
        this.field = in.readString();
        this.vector = in.readFloatArray();
        this.feedback = new FeedbackSpec(in);
        this.text = in.readOptionalString();
        this.inference = inference;
        this.queryWeight = in.readFloat();
        this.rescoreQueryWeight = in.readFloat();
        this.scoreMode = QueryRescoreMode.readFromStream(in);
        this.refined = in.readBoolean() ? in.readFloatArray() : null;
        this.model = in.readOptionalString();
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        if (pending != null) {
            throw new IllegalStateException("[" + NAME + "] rescorer must be rewritten before it is sent to shards");
        }
        out.writeString(field);
        out.writeFloatArray(vector);
        feedback.writeTo(out);
        out.writeOptionalString(text);
        out.writeFloat(queryWeight);
        out.writeFloat(rescoreQueryWeight);
        scoreMode.writeTo(out);
        out.writeBoolean(refined != null);
        if (refined != null) {
            out.writeFloatArray(refined);
        }
        out.writeOptionalString(model);
    }

    /** A negative window would reach the shards and fail there with a 500 (as it does for the stock query rescorer). */
    @Override
    public RelevanceFeedbackRescorerBuilder windowSize(int windowSize) {
        if (windowSize < 0) {
            throw new IllegalArgumentException(
                    "[" + NAME + "] rescorer: [window_size] must be >= 0, got [" + windowSize + "]");
        }
        return super.windowSize(windowSize);
    }

    public RelevanceFeedbackRescorerBuilder queryWeight(float w) {
        this.queryWeight = w;
        return this;
    }

    public RelevanceFeedbackRescorerBuilder rescoreQueryWeight(float w) {
        this.rescoreQueryWeight = w;
        return this;
    }

    public RelevanceFeedbackRescorerBuilder scoreMode(QueryRescoreMode mode) {
        this.scoreMode = mode;
        return this;
    }

    /** The model whose summarizer runs; only with [text] (strategies afs and afs_prf), the one place a model runs here. */
    public RelevanceFeedbackRescorerBuilder model(String model) {
        if (model != null && text == null) {
            throw new IllegalArgumentException(
                    "[" + NAME
                            + "] rescorer: [model] applies to strategies [afs] and [afs_prf], which run the model's summarizer");
        }
        this.model = model;
        return this;
    }

    public float[] refined() {
        return refined;
    }

    private RelevanceFeedbackRescorerBuilder copy() {
        RelevanceFeedbackRescorerBuilder c = new RelevanceFeedbackRescorerBuilder(
                        field, vector, feedback, text, inference)
                .queryWeight(queryWeight)
                .rescoreQueryWeight(rescoreQueryWeight)
                .scoreMode(scoreMode)
                .model(model);
        if (windowSize != null) {
            c.windowSize(windowSize);
        }
        return c;
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field(FIELD.getPreferredName(), field);
        builder.array(VECTOR.getPreferredName(), vector);
        if (text != null) {
            builder.field(TEXT.getPreferredName(), text);
        }
        if (model != null) {
            builder.field(MODEL.getPreferredName(), model);
        }
        builder.field(FEEDBACK.getPreferredName(), feedback, params);
        builder.field(QUERY_WEIGHT.getPreferredName(), queryWeight);
        builder.field(RESCORE_QUERY_WEIGHT.getPreferredName(), rescoreQueryWeight);
        builder.field(SCORE_MODE.getPreferredName(), scoreMode.name().toLowerCase(Locale.ROOT));
        if (refined != null) {
            builder.array(REFINED_VECTOR.getPreferredName(), refined);
        }
        builder.endObject();
    }

    public static RelevanceFeedbackRescorerBuilder fromXContent(XContentParser parser, Inference inference)
            throws IOException {
        String field = null;
        String text = null;
        String model = null;
        float[] vector = null;
        float[] refined = null;
        FeedbackSpec feedback = null;
        Float queryWeight = null;
        Float rescoreQueryWeight = null;
        QueryRescoreMode scoreMode = null;
        String current = null;
        for (XContentParser.Token t = parser.nextToken();
                t != XContentParser.Token.END_OBJECT;
                t = parser.nextToken()) {
            if (t == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
            } else if (FIELD.match(current, parser.getDeprecationHandler())) {
                field = RequestValues.string(parser, FIELD.getPreferredName());
            } else if (VECTOR.match(current, parser.getDeprecationHandler())) {
                vector = readVector(parser, VECTOR);
            } else if (TEXT.match(current, parser.getDeprecationHandler())) {
                text = RequestValues.text(parser, TEXT.getPreferredName());
            } else if (MODEL.match(current, parser.getDeprecationHandler())) {
                model = RequestValues.text(parser, MODEL.getPreferredName());
            } else if (REFINED_VECTOR.match(current, parser.getDeprecationHandler())) {
                refined = readVector(parser, REFINED_VECTOR);
            } else if (FEEDBACK.match(current, parser.getDeprecationHandler())) {
                feedback = FeedbackSpec.fromXContent(parser, false);
            } else if (QUERY_WEIGHT.match(current, parser.getDeprecationHandler())) {
                queryWeight = (float) RequestValues.number(parser, QUERY_WEIGHT.getPreferredName());
            } else if (RESCORE_QUERY_WEIGHT.match(current, parser.getDeprecationHandler())) {
                rescoreQueryWeight = (float) RequestValues.number(parser, RESCORE_QUERY_WEIGHT.getPreferredName());
            } else if (SCORE_MODE.match(current, parser.getDeprecationHandler())) {
                try {
                    scoreMode =
                            QueryRescoreMode.fromString(RequestValues.string(parser, SCORE_MODE.getPreferredName()));
                } catch (IllegalArgumentException e) {
                    throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] " + e.getMessage());
                }
            } else {
                throw new ParsingException(
                        parser.getTokenLocation(), "[" + NAME + "] rescorer: unknown field [" + current + "]");
            }
        }
        RelevanceFeedbackRescorerBuilder builder;
        try {
            builder = new RelevanceFeedbackRescorerBuilder(field, vector, feedback, text, inference).model(model);
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage());
        }
        if (queryWeight != null) builder.queryWeight(queryWeight);
        if (rescoreQueryWeight != null) builder.rescoreQueryWeight(rescoreQueryWeight);
        if (scoreMode != null) builder.scoreMode(scoreMode);
        builder.refined = refined;
        return builder;
    }

    private static float[] readVector(XContentParser parser, ParseField name) throws IOException {
        try {
            return RfVectorFieldMapper.readVector(parser, name.getPreferredName());
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] rescorer: " + e.getMessage());
        }
    }

    @Override
    public RelevanceFeedbackRescorerBuilder rewrite(QueryRewriteContext context) {
        if (refined != null) {
            return this;
        }
        if (pending != null) {
            float[] result = pending.get();
            if (result == null) {
                return this;
            }
            RelevanceFeedbackRescorerBuilder done = copy();
            done.refined = result;
            return done;
        }
        QueryCoordinatorContext coordinator = context.convertToCoordinatorContext();
        if (coordinator == null || coordinator.getSearchRequest() instanceof SearchRequest == false) {
            return this;
        }
        SearchRequest request = (SearchRequest) coordinator.getSearchRequest();
        QueryBuilder firstPass = request.source() == null || request.source().query() == null
                ? QueryBuilders.matchAllQuery()
                : request.source().query();
        SetOnce<float[]> result = new SetOnce<>();
        context.registerAsyncAction((client, listener) -> {
            FeedbackCoordinator feedbackCoordinator = new FeedbackCoordinator(inference, client, request);
            // q stays this rescorer's vector; [text] only gives the words the summarizer reads
            feedbackCoordinator.resolve(
                    field,
                    vector,
                    new QueryInput(text, null, null, null, null, model),
                    feedback,
                    ActionListener.wrap(
                            q -> new FeedbackSearch(
                                            client,
                                            request,
                                            feedback,
                                            field,
                                            firstPass,
                                            feedback.feedbackDepth(),
                                            null,
                                            false,
                                            feedbackCoordinator.summarizer(q, feedback))
                                    .run(
                                            q.vector(),
                                            ActionListener.wrap(
                                                    r -> {
                                                        r.warnings().forEach(HeaderWarning::addWarning);
                                                        result.set(r.vector());
                                                        listener.onResponse(null);
                                                    },
                                                    listener::onFailure)),
                            listener::onFailure));
        });
        RelevanceFeedbackRescorerBuilder waiting = copy();
        waiting.pending = result::get;
        return waiting;
    }

    @Override
    protected RescoreContext innerBuildContext(int windowSize, QueryShardContext context) throws IOException {
        if (refined == null) {
            throw new IllegalStateException("[" + NAME + "] rescorer reached a shard without its coordinator rewrite");
        }
        RfVectorFieldMapper.RfVectorFieldType type = VectorSimilaritySource.vectorField(context, field, refined, NAME);
        QueryRescorer.QueryRescoreContext rescore = new QueryRescorer.QueryRescoreContext(windowSize);
        rescore.setParsedQuery(new ParsedQuery(new FunctionScoreQuery(
                new FieldExistsQuery(type.name()),
                new VectorSimilaritySource(
                        type.name(), type.asIndexed(refined), "similarity to the feedback-refined query"))));
        rescore.setQueryWeight(queryWeight);
        rescore.setRescoreQueryWeight(rescoreQueryWeight);
        rescore.setScoreMode(scoreMode);
        return rescore;
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public boolean equals(Object o) {
        if (super.equals(o) == false) return false;
        RelevanceFeedbackRescorerBuilder other = (RelevanceFeedbackRescorerBuilder) o;
        return field.equals(other.field)
                && Arrays.equals(vector, other.vector)
                && Objects.equals(text, other.text)
                && Objects.equals(model, other.model)
                && feedback.equals(other.feedback)
                && queryWeight == other.queryWeight
                && rescoreQueryWeight == other.rescoreQueryWeight
                && scoreMode == other.scoreMode
                && Arrays.equals(refined, other.refined)
                && pending == other.pending;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                super.hashCode(),
                field,
                Arrays.hashCode(vector),
                text,
                model,
                feedback,
                queryWeight,
                rescoreQueryWeight,
                scoreMode,
                Arrays.hashCode(refined));
    }
}
