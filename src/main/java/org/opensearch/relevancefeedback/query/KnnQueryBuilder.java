package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.util.Objects;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.SetOnce;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.relevancefeedback.feedback.PseudoStrategy;
import org.opensearch.relevancefeedback.inference.Inference;

/**
 * {@code rf_knn}: approximate kNN on one shard at a time; each shard contributes its own top k (like the
 * k-NN plugin's {@code knn} query). {@code relevance_feedback} uses it for its passes and keeps the
 * global top k of the merged result.
 *
 * <p>With {@code feedback} (strategy {@code prf} or {@code grf}), each shard also runs the feedback rounds over its own
 * top hits ({@link ShardFeedbackQuery}), in either mode: on an index of one shard that is the global ranking, and
 * {@code relevance_feedback} rewrites to it there, saving a search per round.
 */
public final class KnnQueryBuilder extends AbstractQueryBuilder<KnnQueryBuilder> {

    public static final String NAME = "rf_knn";

    private static final ParseField FEEDBACK = new ParseField("feedback");

    private final KnnSpec spec;
    /** PRF or GRF rounds run by each shard over its own hits; null: none. */
    private final FeedbackSpec feedback;
    /** The node's request limits for the feedback (null in unit tests: the defaults); never serialized. */
    private final Inference inference;

    public KnnQueryBuilder(KnnSpec spec) {
        this(spec, null, null);
    }

    public KnnQueryBuilder(KnnSpec spec, FeedbackSpec feedback, Inference inference) {
        if (feedback != null
                && feedback.strategy() != FeedbackSpec.Strategy.PRF
                && feedback.strategy() != FeedbackSpec.Strategy.GRF) {
            throw new IllegalArgumentException("[" + NAME + "] [feedback.strategy] must be [prf] or [grf], got ["
                    + feedback.strategy().label() + "]");
        }
        if (feedback != null && feedback.mode() == FeedbackSpec.Mode.RESCORE && spec.k() < feedback.topK()) {
            throw new IllegalArgumentException(rescoreTopKMessage(NAME, feedback.topK(), spec.k()));
        }
        this.spec = spec;
        this.feedback = feedback;
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
        this.inference = inference;
    }

    public KnnSpec spec() {
        return spec;
    }

    FeedbackSpec feedback() {
        return feedback;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        spec.writeTo(out);
        out.writeOptionalWriteable(feedback);
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        spec.toXContentFields(builder, params);
        if (feedback != null) {
            builder.field(FEEDBACK.getPreferredName(), feedback, params);
        }
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static KnnQueryBuilder fromXContent(XContentParser parser, Inference inference) throws IOException {
        SetOnce<FeedbackSpec> feedback = new SetOnce<>();
        KnnSpec.Parsed parsed = KnnSpec.Parser.parseQuery(parser, NAME, (name, p) -> {
            if (FEEDBACK.match(name, p.getDeprecationHandler())) {
                feedback.set(FeedbackSpec.fromXContent(p));
                return true;
            }
            return false;
        });
        if (parsed.spec().vector() == null) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [vector] is required");
        }
        try {
            return new KnnQueryBuilder(parsed.spec(), feedback.get(), inference)
                    .boost(parsed.boost())
                    .queryName(parsed.queryName());
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage());
        }
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        KnnSpec rewritten = spec.rewrite(context);
        return rewritten == spec
                ? this
                : new KnnQueryBuilder(rewritten, feedback, inference)
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
        PseudoStrategy strategy = FeedbackSearch.pseudo(feedback, spec.field());
        // The rounds' passes read depth hits, the last one k: the larger of the two is checked against the index's
        // limits (its candidate list is the larger too), and every pass shares its field type and filter.
        KnnSpec.ShardPasses passes =
                spec.sized(spec.vector(), Math.max(spec.k(), strategy.depth())).onShard(context, NAME);
        return new ShardFeedbackQuery(
                spec,
                passes,
                strategy,
                feedback.rounds(),
                feedback.mode() == FeedbackSpec.Mode.RESCORE,
                context.index().getName());
    }

    @Override
    protected boolean doEquals(KnnQueryBuilder other) {
        return spec.equals(other.spec) && Objects.equals(feedback, other.feedback);
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(spec, feedback);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
