package org.opensearch.relevancefeedback.query;

import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.support.IndicesOptions;
import org.opensearch.index.query.TermQueryBuilder;

/**
 * Builder tests; outside a search request (no coordinator context) the query runs as per-shard top k, which
 * is what {@link KnnQueryTestCase#doAssertLuceneQuery} checks. The coordinator path is tested on real clusters.
 */
public class RelevanceFeedbackQueryBuilderTests extends KnnQueryTestCase<RelevanceFeedbackQueryBuilder> {

    @Override
    protected RelevanceFeedbackQueryBuilder wrap(KnnSpec spec) {
        return new RelevanceFeedbackQueryBuilder(spec);
    }

    @Override
    protected KnnSpec specOf(RelevanceFeedbackQueryBuilder builder) {
        return builder.knn();
    }

    @Override
    protected String queryName() {
        return RelevanceFeedbackQueryBuilder.NAME;
    }

    public void testFirstPassRequestTargetsTheSameShards() {
        KnnSpec spec = new KnnSpec(VECTOR_FIELD, randomVector(DIMS), 7, 70, new TermQueryBuilder(KEYWORD_FIELD_NAME, "x"));
        SearchRequest original = new SearchRequest("a", "b*").routing("r1").preference("_local").indicesOptions(IndicesOptions.strictExpand());
        SearchRequest firstPass = new RelevanceFeedbackQueryBuilder(spec).boost(3f).queryName("named").firstPassRequest(original);
        assertArrayEquals(original.indices(), firstPass.indices());
        assertEquals("r1", firstPass.routing());
        assertEquals("_local", firstPass.preference());
        assertEquals(original.indicesOptions(), firstPass.indicesOptions());
        assertEquals(7, firstPass.source().size());
        // the first pass is unboosted and unnamed: boost and _name apply to the final query
        assertEquals(new KnnQueryBuilder(spec), firstPass.source().query());
    }
}
