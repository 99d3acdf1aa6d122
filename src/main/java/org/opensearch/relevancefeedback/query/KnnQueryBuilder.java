package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.SetOnce;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.core.xcontent.XContentParser.Token;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.relevancefeedback.feedback.AttentiveStrategy;
import org.opensearch.relevancefeedback.feedback.FeedbackLoop;
import org.opensearch.relevancefeedback.inference.ClipEncoder;
import org.opensearch.relevancefeedback.inference.FeedbackSummarizer;
import org.opensearch.relevancefeedback.inference.Inference;
import org.opensearch.relevancefeedback.inference.TokenCodec;
import org.opensearch.relevancefeedback.mapper.RfTokensFieldMapper;
import org.opensearch.relevancefeedback.mapper.RfVectorFieldMapper;

/**
 * {@code rf_knn}: approximate kNN on one shard at a time; each shard contributes its own top k (like the
 * k-NN plugin's {@code knn} query). {@code relevance_feedback} uses it for its passes and keeps the
 * global top k of the merged result.
 *
 * <p>With {@code feedback} (any strategy but {@code explicit}), each shard also runs the feedback rounds over its own
 * top hits ({@link ShardFeedbackQuery}), in either mode: on an index of one shard that is the global ranking, and
 * {@code relevance_feedback} rewrites to it there, saving a search per round. Strategies {@code afs} / {@code afs_prf}
 * run the named {@code model}'s summarizer (the node's default without one) on the query text's word tokens
 * ({@code query_tokens}, as the text tower returns them; none for a query by vector alone).
 */
public final class KnnQueryBuilder extends AbstractQueryBuilder<KnnQueryBuilder> {

    public static final String NAME = "rf_knn";

    private static final ParseField FEEDBACK = new ParseField("feedback");
    private static final ParseField MODEL = new ParseField("model");
    private static final ParseField QUERY_TOKENS = new ParseField("query_tokens");

    private final KnnSpec spec;
    /** Pseudo-feedback rounds run by each shard over its own hits; null: none. */
    private final FeedbackSpec feedback;
    /** What the summarizer of afs / afs_prf reads besides the hits; null for the other strategies. */
    private final Summarizer summarizer;
    /**
     * The node's request limits for the feedback and its models for the summarizer (null in unit tests: the default
     * limits, no models); never serialized.
     */
    private final Inference inference;

    /**
     * The summarizer's model (null: the node's default) and the query text's word tokens, [tokens][width] (none: a
     * query without words).
     */
    public record Summarizer(String model, float[][] queryTokens) {
        public Summarizer {
            // the text tower never returns more (the summarizer's self-attention grows with their square)
            if (queryTokens.length > ClipEncoder.MAX_TOKENS) {
                throw new IllegalArgumentException("[" + QUERY_TOKENS.getPreferredName() + "] must hold at most "
                        + ClipEncoder.MAX_TOKENS + " tokens (the text tower's context), got [" + queryTokens.length
                        + "]");
            }
            if (queryTokens.length > 0 && queryTokens[0].length > TokenCodec.MAX_DIMS) {
                throw new IllegalArgumentException("[" + QUERY_TOKENS.getPreferredName() + "] tokens must have at most "
                        + TokenCodec.MAX_DIMS + " dimensions, got [" + queryTokens[0].length + "]");
            }
            for (float[] token : queryTokens) {
                if (token.length != queryTokens[0].length) {
                    throw new IllegalArgumentException("[" + QUERY_TOKENS.getPreferredName()
                            + "] must be tokens of one width, got " + queryTokens[0].length + " and " + token.length);
                }
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Summarizer other
                    && Objects.equals(model, other.model)
                    && Arrays.deepEquals(queryTokens, other.queryTokens);
        }

        @Override
        public int hashCode() {
            return Objects.hash(model, Arrays.deepHashCode(queryTokens));
        }
    }

    public KnnQueryBuilder(KnnSpec spec) {
        this(spec, null, null, null);
    }

    /**
     * @param summarizer for strategies afs / afs_prf (null: the default model, no words); must be null for the others
     */
    public KnnQueryBuilder(KnnSpec spec, FeedbackSpec feedback, Summarizer summarizer, Inference inference) {
        if (feedback != null
                && (feedback.strategy() == FeedbackSpec.Strategy.EXPLICIT
                        || feedback.strategy() == FeedbackSpec.Strategy.NONE)) {
            throw new IllegalArgumentException("[" + NAME + "] [feedback.strategy] must be one of [prf, grf, afs, "
                    + "afs_prf], got [" + feedback.strategy().label() + "]");
        }
        if (feedback != null && feedback.mode() == FeedbackSpec.Mode.RESCORE && spec.k() < feedback.topK()) {
            throw new IllegalArgumentException(rescoreTopKMessage(NAME, feedback.topK(), spec.k()));
        }
        boolean attentive = feedback != null && feedback.strategy().attentive();
        if (summarizer != null && attentive == false) {
            throw new IllegalArgumentException("[" + NAME + "] [" + MODEL.getPreferredName() + "] and ["
                    + QUERY_TOKENS.getPreferredName() + "] need [feedback.strategy] [afs] or [afs_prf]");
        }
        this.spec = spec;
        this.feedback = feedback;
        this.summarizer = attentive && summarizer == null ? new Summarizer(null, new float[0][]) : summarizer;
        this.inference = inference;
    }

    /** Rescore mode re-ranks the k first-pass hits, so its feedback must come from among them. */
    static String rescoreTopKMessage(String queryName, int topK, int k) {
        return "[" + queryName + "] rescore mode takes its feedback from the k first-pass hits: [feedback.top_k] ("
                + topK + ") must be <= [k] (" + k + ")";
    }

    public KnnQueryBuilder(StreamInput in, Inference inference) throws IOException {
        super(in);
        this.spec = new KnnSpec(in);
        this.feedback = in.readOptionalWriteable(FeedbackSpec::new);
        if (in.readBoolean()) {
            String model = in.readOptionalString();
            float[][] tokens = new float[in.readVInt()][];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = in.readFloatArray();
            }
            this.summarizer = new Summarizer(model, tokens);
        } else {
            this.summarizer = null;
        }
        this.inference = inference;
    }

    public KnnSpec spec() {
        return spec;
    }

    FeedbackSpec feedback() {
        return feedback;
    }

    Summarizer summarizer() {
        return summarizer;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        spec.writeTo(out);
        out.writeOptionalWriteable(feedback);
        out.writeBoolean(summarizer != null);
        if (summarizer != null) {
            out.writeOptionalString(summarizer.model());
            out.writeVInt(summarizer.queryTokens().length);
            for (float[] token : summarizer.queryTokens()) {
                out.writeFloatArray(token);
            }
        }
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        spec.toXContentFields(builder, params);
        if (feedback != null) {
            builder.field(FEEDBACK.getPreferredName(), feedback, params);
        }
        if (summarizer != null) {
            if (summarizer.model() != null) {
                builder.field(MODEL.getPreferredName(), summarizer.model());
            }
            builder.startArray(QUERY_TOKENS.getPreferredName());
            for (float[] token : summarizer.queryTokens()) {
                builder.value(token);
            }
            builder.endArray();
        }
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static KnnQueryBuilder fromXContent(XContentParser parser, Inference inference) throws IOException {
        SetOnce<FeedbackSpec> feedback = new SetOnce<>();
        SetOnce<String> model = new SetOnce<>();
        SetOnce<float[][]> tokens = new SetOnce<>();
        KnnSpec.Parsed parsed = KnnSpec.Parser.parseQuery(parser, NAME, (name, p) -> {
            if (FEEDBACK.match(name, p.getDeprecationHandler())) {
                feedback.set(FeedbackSpec.fromXContent(p));
                return true;
            } else if (MODEL.match(name, p.getDeprecationHandler())) {
                model.set(RequestValues.string(p, MODEL.getPreferredName()));
                return true;
            } else if (QUERY_TOKENS.match(name, p.getDeprecationHandler())) {
                tokens.set(readTokens(p));
                return true;
            }
            return false;
        });
        if (parsed.spec().vector() == null) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [vector] is required");
        }
        try {
            Summarizer summarizer = model.get() == null && tokens.get() == null
                    ? null
                    : new Summarizer(model.get(), tokens.get() == null ? new float[0][] : tokens.get());
            return new KnnQueryBuilder(parsed.spec(), feedback.get(), summarizer, inference)
                    .boost(parsed.boost())
                    .queryName(parsed.queryName());
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage());
        }
    }

    private static float[][] readTokens(XContentParser parser) throws IOException {
        String what = QUERY_TOKENS.getPreferredName();
        if (parser.currentToken() != Token.START_ARRAY) {
            throw new ParsingException(
                    parser.getTokenLocation(),
                    "[" + NAME + "] [" + what + "] must be an array of arrays of numbers, got [" + parser.currentToken()
                            + "]");
        }
        List<float[]> tokens = new ArrayList<>();
        while (parser.nextToken() != Token.END_ARRAY) {
            try {
                tokens.add(RfVectorFieldMapper.readVector(parser, what + "[" + tokens.size() + "]"));
            } catch (IllegalArgumentException e) {
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] " + e.getMessage());
            }
        }
        return tokens.toArray(float[][]::new);
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        KnnSpec rewritten = spec.rewrite(context);
        return rewritten == spec
                ? this
                : new KnnQueryBuilder(rewritten, feedback, summarizer, inference)
                        .boost(boost)
                        .queryName(queryName);
    }

    @Override
    protected Query doToQuery(QueryShardContext context) throws IOException {
        if (feedback == null) {
            return spec.toLuceneQuery(context, NAME);
        }
        try {
            feedback.checkLimits(Inference.limits(inference));
        } catch (IllegalArgumentException e) {
            throw new QueryShardException(context, e.getMessage());
        }
        FeedbackLoop.Strategy strategy = FeedbackSearch.strategy(
                feedback,
                spec.field(),
                summarizer == null ? null : inShard(inference, summarizer.model()),
                summarizer == null ? null : summarizer.queryTokens());
        // The rounds' passes read depth hits, the last one k: the larger of the two is checked against the index's
        // limits (its candidate list is the larger too), and every pass shares its field type and filter.
        KnnSpec.ShardPasses passes =
                spec.sized(spec.vector(), Math.max(spec.k(), strategy.depth())).onShard(context, NAME);
        return new ShardFeedbackQuery(
                spec,
                passes,
                feedback,
                summarizer,
                strategy,
                tokenFields(context, feedback.afs()),
                context.index().getName());
    }

    /**
     * Where the shard reads the summarizer's token fields (none for PRF / GRF): rf_tokens fields from doc values, other
     * mapped fields (e.g. {@code binary}) from {@code _source}, as the fetch phase does for the coordinator's rounds;
     * unmapped ones not.
     */
    private static ShardFeedbackQuery.TokenFields tokenFields(QueryShardContext context, FeedbackSpec.Afs afs) {
        List<String> docValues = new ArrayList<>();
        List<String> source = new ArrayList<>();
        for (String field : Arrays.asList(afs.imageTokensField(), afs.captionTokensField())) {
            MappedFieldType type = field == null ? null : context.fieldMapper(field);
            if (type instanceof RfTokensFieldMapper.RfTokensFieldType) {
                docValues.add(field);
            } else if (type != null) {
                source.add(field);
            }
        }
        return new ShardFeedbackQuery.TokenFields(docValues, source);
    }

    /**
     * The summarizer for rounds inside a shard's query, which runs on a search thread and needs each round's answer
     * before its next pass: it runs the model on that thread (handing it to the inference pool would only add two
     * thread switches while this one waits), the model's memory still accounted to the breaker.
     */
    private static AttentiveStrategy.Model inShard(Inference inference, String model) {
        // null in unit tests, where nothing is summarized; a round asks for the tokens per image first
        AttentiveStrategy.Model node = inference == null ? null : FeedbackSearch.model(inference, model);
        return new AttentiveStrategy.Model() {
            @Override
            public int imageTokens() {
                if (node == null) {
                    throw new IllegalStateException(
                            "[" + NAME + "] strategies [afs] / [afs_prf] need the node's models");
                }
                return node.imageTokens();
            }

            @Override
            public Runnable reserve(long bytes, String what) {
                return node.reserve(bytes, what);
            }

            @Override
            public void summarize(
                    float[][] query,
                    List<float[][]> captions,
                    List<float[][]> images,
                    List<float[]> imageBias,
                    FeedbackLoop.Callback<FeedbackSummarizer.Output> then) {
                FeedbackSummarizer.Output output;
                try {
                    output = inference.summarizeHere(model, query, captions, images, imageBias);
                } catch (RuntimeException e) {
                    then.onFailure(e);
                    return;
                }
                then.onResponse(output);
            }
        };
    }

    @Override
    protected boolean doEquals(KnnQueryBuilder other) {
        return spec.equals(other.spec)
                && Objects.equals(feedback, other.feedback)
                && Objects.equals(summarizer, other.summarizer);
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(spec, feedback, summarizer);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
