package org.opensearch.relevancefeedback.cluster;

import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.search.SearchPhaseExecutionException;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.plugins.Plugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackPlugin;
import org.opensearch.relevancefeedback.TestVectors;
import org.opensearch.relevancefeedback.query.KnnSpec;
import org.opensearch.relevancefeedback.query.RelevanceFeedbackQueryBuilder;
import org.opensearch.search.SearchHit;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.hamcrest.Matchers.containsString;
import static org.opensearch.test.hamcrest.OpenSearchAssertions.assertAcked;

/** The coordinator-side rewrite on a real (in-JVM) multi-node cluster: global top k, shard invariant. */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.SUITE, numDataNodes = 2)
public class RelevanceFeedbackClusterTests extends OpenSearchIntegTestCase {

    private static final int N = 400;
    private static final int DIMS = 16;

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(RelevanceFeedbackPlugin.class);
    }

    private float[][] indexVectors(String index, int shards) {
        assertAcked(
            prepareCreate(index).setSettings(Settings.builder().put("index.number_of_shards", shards).put("index.number_of_replicas", 0))
                .setMapping("vec", "type=rf_vector,dimension=" + DIMS, "color", "type=keyword")
        );
        Random random = new Random(1234);
        float[][] vectors = new float[N][DIMS];
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        for (int i = 0; i < N; i++) {
            vectors[i] = TestVectors.gaussian(random, DIMS);
            bulk.add(client().prepareIndex(index).setId(Integer.toString(i)).setSource("vec", vectors[i], "color", i % 3 == 0 ? "red" : "blue"));
        }
        assertFalse(bulk.get().hasFailures());
        ensureGreen(index);
        return vectors;
    }

    private static String[] ids(SearchResponse response) {
        return Arrays.stream(response.getHits().getHits()).map(SearchHit::getId).toArray(String[]::new);
    }

    private SearchResponse search(String index, KnnSpec spec, int size) {
        return client().prepareSearch(index).setQuery(new RelevanceFeedbackQueryBuilder(spec)).setSize(size).get();
    }

    public void testGlobalTopKIsShardInvariantAndExact() {
        float[][] vectors = indexVectors("one", 1);
        indexVectors("three", 3);
        indexVectors("five", 5);
        Random random = new Random(99);
        for (int round = 0; round < 10; round++) {
            float[] q = vectors[random.nextInt(N)].clone();
            q[0] += 0.5f;
            int k = 1 + random.nextInt(15);
            // num_candidates = N makes each shard's HNSW search exhaustive: results are exact.
            KnnSpec spec = new KnnSpec("vec", q, k, N, null);
            SearchResponse one = search("one", spec, 100);
            assertEquals("global top k, not k per shard", k, one.getHits().getHits().length);
            assertEquals(k, one.getHits().getTotalHits().value());
            assertArrayEquals(exactTopK(vectors, q, k, i -> true), ids(one));
            assertArrayEquals(ids(one), ids(search("three", spec, 100)));
            assertArrayEquals(ids(one), ids(search("five", spec, 100)));
        }
    }

    public void testFilterAppliesDuringSearch() {
        float[][] vectors = indexVectors("filtered", 3);
        float[] q = vectors[1].clone(); // a blue document
        KnnSpec spec = new KnnSpec("vec", q, 10, N, QueryBuilders.termQuery("color", "red"));
        SearchResponse response = search("filtered", spec, 10);
        assertEquals(10, response.getHits().getHits().length);
        for (SearchHit hit : response.getHits().getHits()) {
            assertEquals(0, Integer.parseInt(hit.getId()) % 3);
        }
        assertArrayEquals(exactTopK(vectors, q, 10, i -> i % 3 == 0), ids(response));
    }

    public void testBadQueryIsAClientError() {
        indexVectors("errors", 3);
        SearchPhaseExecutionException e = expectThrows(
            SearchPhaseExecutionException.class,
            () -> search("errors", new KnnSpec("vec", new float[DIMS + 1], 5, null, null), 10)
        );
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertThat(e.getDetailedMessage(), containsString("vector has [17] dimensions but field [vec] has dimension [16]"));
    }

    private static String[] exactTopK(float[][] vectors, float[] q, int k, java.util.function.IntPredicate filter) {
        return IntStream.range(0, vectors.length)
            .filter(filter)
            .boxed()
            .sorted(Comparator.comparingDouble((Integer i) -> -TestVectors.cosine(q, vectors[i])).thenComparing(i -> Integer.toString(i)))
            .limit(k)
            .map(i -> Integer.toString(i))
            .toArray(String[]::new);
    }
}
