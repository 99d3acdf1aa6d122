package org.opensearch.relevancefeedback.query;

import org.apache.lucene.search.Query;
import org.apache.lucene.util.SetOnce;
import org.opensearch.action.search.SearchPhaseExecutionException;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryCoordinatorContext;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.search.builder.SearchSourceBuilder;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * {@code relevance_feedback}: kNN search whose result is the GLOBAL top k over all target shards.
 *
 * <p>On the coordinating node the query rewrites (asynchronously) by running a first-pass {@code rf_knn}
 * search over the same indices with {@code size: k}, then becomes an {@code rf_scored_docs} query that
 * matches exactly those k hits with their scores. Feedback rounds (a later {@code feedback} object) hook in
 * at that point, on the global top-K. Where no coordinator rewrite happens (a query used outside a search
 * request), it degrades to per-shard top k, like {@code rf_knn}.
 */
public final class RelevanceFeedbackQueryBuilder extends AbstractQueryBuilder<RelevanceFeedbackQueryBuilder> {

    public static final String NAME = "relevance_feedback";

    private final KnnSpec knn;
    /** Set only on the transient copy that waits for the first pass; never serialized. */
    private final Supplier<QueryBuilder> resolved;

    public RelevanceFeedbackQueryBuilder(KnnSpec knn) {
        this(knn, null);
    }

    private RelevanceFeedbackQueryBuilder(KnnSpec knn, Supplier<QueryBuilder> resolved) {
        this.knn = knn;
        this.resolved = resolved;
    }

    public RelevanceFeedbackQueryBuilder(StreamInput in) throws IOException {
        super(in);
        this.knn = new KnnSpec(in);
        this.resolved = null;
    }

    public KnnSpec knn() {
        return knn;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        if (resolved != null) {
            throw new IllegalStateException("[" + NAME + "] must be rewritten before it is sent to shards");
        }
        knn.writeTo(out);
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        knn.toXContentFields(builder, params);
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static RelevanceFeedbackQueryBuilder fromXContent(XContentParser parser) throws IOException {
        KnnSpec.Parsed parsed = KnnSpec.Parser.parseQuery(parser, NAME);
        return new RelevanceFeedbackQueryBuilder(parsed.spec()).boost(parsed.boost()).queryName(parsed.queryName());
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        if (resolved != null) {
            QueryBuilder result = resolved.get();
            return result == null ? this : result;
        }
        KnnSpec rewritten = knn.rewrite(context);
        if (rewritten != knn) {
            return new RelevanceFeedbackQueryBuilder(rewritten).boost(boost).queryName(queryName);
        }
        QueryCoordinatorContext coordinator = context.convertToCoordinatorContext();
        if (coordinator == null || coordinator.getSearchRequest() instanceof SearchRequest == false) {
            return this;
        }
        SearchRequest request = (SearchRequest) coordinator.getSearchRequest();
        SetOnce<QueryBuilder> result = new SetOnce<>();
        context.registerAsyncAction(
            (client, listener) -> client.search(firstPassRequest(request), ActionListener.wrap(response -> {
                failOnShardFailures(response);
                String description = NAME + " top " + knn.k() + " on [" + knn.field() + "]";
                result.set(
                    new ScoredDocsQueryBuilder(ScoredDocsQueryBuilder.hitsOf(response), description).boost(boost).queryName(queryName)
                );
                listener.onResponse(null);
            }, listener::onFailure))
        );
        return new RelevanceFeedbackQueryBuilder(knn, result::get).boost(boost).queryName(queryName);
    }

    /** The per-shard kNN search over the same targets; the coordinator's merge of it is the global top k. */
    SearchRequest firstPassRequest(SearchRequest original) {
        SearchSourceBuilder source = new SearchSourceBuilder().query(new KnnQueryBuilder(knn))
            .size(knn.k())
            .fetchSource(false)
            .trackTotalHits(false);
        return new SearchRequest(original.indices()).source(source)
            .indicesOptions(original.indicesOptions())
            .routing(original.routing())
            .preference(original.preference());
    }

    /** A partial first pass would be a silently wrong top k, so any shard failure fails the query. */
    private static void failOnShardFailures(SearchResponse response) {
        if (response.getShardFailures().length > 0) {
            throw new SearchPhaseExecutionException(
                "query",
                "[" + NAME + "] first-pass kNN failed on " + response.getShardFailures().length + " shard(s)",
                response.getShardFailures()
            );
        }
    }

    @Override
    protected Query doToQuery(QueryShardContext context) throws IOException {
        return knn.toLuceneQuery(context, NAME);
    }

    @Override
    protected boolean doEquals(RelevanceFeedbackQueryBuilder other) {
        return knn.equals(other.knn) && resolved == other.resolved;
    }

    @Override
    protected int doHashCode() {
        return knn.hashCode();
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
