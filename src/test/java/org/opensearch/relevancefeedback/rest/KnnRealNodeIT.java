package org.opensearch.relevancefeedback.rest;

import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.relevancefeedback.TestVectors;

/**
 * Against the real node: 10,000 random 512-d vectors through _bulk, self-retrieval, filtered kNN, HNSW recall@10
 * against exact brute force over 1,000 random queries, and bad input that must be a 400 while the node stays up.
 */
public class KnnRealNodeIT extends RealClusterTestCase {

    private static final int N = 10_000;
    private static final int DIMS = 512;
    private static final int QUERIES = 1_000;
    private static final int K = 10;
    private static final String INDEX = "vectors512";

    public void testTenThousandVectors() throws IOException {
        Random random = new Random(20261124L);
        float[][] vectors = new float[N][];
        for (int i = 0; i < N; i++) {
            vectors[i] = gaussian(random);
        }
        createIndex();
        bulkIndex(vectors);

        // 1. a stored vector finds its own document first
        for (int doc : new int[] {0, 4321, N - 1}) {
            List<String> ids = search(vectors[doc], K, null, null);
            assertEquals(Integer.toString(doc), ids.get(0));
        }

        // 2. the filter is honoured: only even documents, and they are the exact top k among even documents
        float[] q = gaussian(random);
        List<String> filtered = search(q, K, N, "{\"term\":{\"parity\":\"even\"}}");
        assertEquals(K, filtered.size());
        for (String id : filtered) {
            assertEquals(0, Integer.parseInt(id) % 2);
        }
        assertEquals(exactTopK(vectors, q, true), filtered);

        // 3. recall@10 of HNSW against exact brute force, at the default num_candidates (100) and at 200
        float[][] queries = new float[QUERIES][];
        List<List<String>> exact = new ArrayList<>();
        for (int i = 0; i < QUERIES; i++) {
            queries[i] = gaussian(random);
            exact.add(exactTopK(vectors, queries[i], false));
        }
        StringBuilder report = new StringBuilder();
        double recallAt200 = 0;
        for (int candidates : new int[] {100, 200}) {
            double recall = 0;
            for (int i = 0; i < QUERIES; i++) {
                List<String> approx = search(queries[i], K, candidates, null);
                recall += exact.get(i).stream().filter(approx::contains).count() / (double) K;
            }
            recall /= QUERIES;
            recallAt200 = recall;
            report.append(String.format(
                    Locale.ROOT,
                    "recall@%d  %d random queries  %d x %d  1 shard  m=16 ef_construction=100  num_candidates=%d  %.4f%n",
                    K,
                    QUERIES,
                    N,
                    DIMS,
                    candidates,
                    recall));
        }
        logger.info("\n{}", report);
        Files.writeString(Path.of(System.getProperty("java.io.tmpdir"), "..", "recall.txt"), report);
        // Random Gaussian 512-d vectors are HNSW's hardest case; 200 candidates must reach 0.95.
        assertThat(recallAt200, greaterThanOrEqualTo(0.95));
    }

    public void testBadInputIsA400AndTheNodeStaysUp() throws IOException {
        createIndex();
        String good = json(gaussian(new Random(1)));
        assertBadRequest(
                "PUT",
                "/" + INDEX + "/_doc/x",
                "{\"embedding\":[1,2,3]}",
                "vector has [3] dimensions but field [embedding] has dimension [512]");
        assertBadRequest(
                "PUT",
                "/" + INDEX + "/_doc/x",
                "{\"embedding\":" + good.replaceFirst("\\[[^,]+,", "[\"NaN\",") + "}",
                "must contain only numbers");
        assertBadRequest(
                "PUT",
                "/" + INDEX + "/_doc/x",
                "{\"embedding\":" + good.replaceFirst("\\[[^,]+,", "[1e39,") + "}",
                "non-finite value [Infinity]");
        assertBadRequest(
                "POST",
                "/" + INDEX + "/_search",
                query("[1,2,3]", 10, "embedding"),
                "vector has [3] dimensions but field [embedding] has dimension [512]");
        assertBadRequest("POST", "/" + INDEX + "/_search", query(good, 1001, "embedding"), "[k] must be <= 1000");
        assertBadRequest(
                "POST",
                "/" + INDEX + "/_search",
                query(good, 10, "nope"),
                "field [nope] does not exist in the mapping");
        assertBadRequest(
                "POST",
                "/" + INDEX + "/_search",
                query(good, 10, "parity"),
                "field [parity] is of type [keyword], expected [rf_vector]");
        // nothing was indexed by the rejected documents, and the node is still answering
        client().performRequest(new Request("POST", "/" + INDEX + "/_refresh"));
        assertEquals(
                0,
                ((Number) entityAsMap(client().performRequest(new Request("GET", "/" + INDEX + "/_count")))
                                .get("count"))
                        .intValue());
        Response health = client().performRequest(new Request("GET", "/_cluster/health"));
        assertEquals(200, health.getStatusLine().getStatusCode());
    }

    private static String query(String vector, int k, String field) {
        return "{\"query\":{\"relevance_feedback\":{\"field\":\"" + field + "\",\"vector\":" + vector + ",\"k\":" + k
                + ",\"num_candidates\":" + Math.max(k, 100) + "}}}";
    }

    private void createIndex() throws IOException {
        Request create = new Request("PUT", "/" + INDEX);
        create.setJsonEntity("{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0},"
                + "\"mappings\":{\"_source\":{\"enabled\":false},\"properties\":{"
                + "\"embedding\":{\"type\":\"rf_vector\",\"dimension\":" + DIMS + ",\"similarity\":\"cosine\"},"
                + "\"parity\":{\"type\":\"keyword\"}}}}");
        client().performRequest(create);
    }

    private void bulkIndex(float[][] vectors) throws IOException {
        for (int start = 0; start < vectors.length; start += 500) {
            StringBuilder body = new StringBuilder();
            for (int i = start; i < Math.min(start + 500, vectors.length); i++) {
                body.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
                body.append("{\"embedding\":")
                        .append(json(vectors[i]))
                        .append(",\"parity\":\"")
                        .append(i % 2 == 0 ? "even" : "odd")
                        .append("\"}\n");
            }
            Request bulk = new Request("POST", "/" + INDEX + "/_bulk");
            bulk.setJsonEntity(body.toString());
            Map<String, Object> result = entityAsMap(client().performRequest(bulk));
            assertEquals(Boolean.FALSE, result.get("errors"));
        }
        client().performRequest(new Request("POST", "/" + INDEX + "/_refresh"));
    }

    @SuppressWarnings("unchecked")
    private List<String> search(float[] vector, int k, Integer numCandidates, String filter) throws IOException {
        Request request = new Request("POST", "/" + INDEX + "/_search");
        request.setJsonEntity("{\"size\":" + k
                + ",\"_source\":false,\"query\":{\"relevance_feedback\":{\"field\":\"embedding\",\"vector\":"
                + json(vector)
                + ",\"k\":" + k + (numCandidates == null ? "" : ",\"num_candidates\":" + numCandidates)
                + (filter == null ? "" : ",\"filter\":" + filter) + "}}}");
        Map<String, Object> hits = (Map<String, Object>)
                entityAsMap(client().performRequest(request)).get("hits");
        List<String> ids = new ArrayList<>();
        for (Object hit : (List<Object>) hits.get("hits")) {
            ids.add((String) ((Map<String, Object>) hit).get("_id"));
        }
        return ids;
    }

    private static List<String> exactTopK(float[][] vectors, float[] q, boolean evenOnly) {
        double[] scores = new double[vectors.length];
        Integer[] order = new Integer[vectors.length];
        for (int i = 0; i < vectors.length; i++) {
            scores[i] = TestVectors.cosine(q, vectors[i]);
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        List<String> top = new ArrayList<>();
        for (int i = 0; i < order.length && top.size() < K; i++) {
            if (evenOnly == false || order[i] % 2 == 0) {
                top.add(Integer.toString(order[i]));
            }
        }
        return top;
    }

    private static float[] gaussian(Random random) {
        return TestVectors.gaussian(random, DIMS);
    }
}
