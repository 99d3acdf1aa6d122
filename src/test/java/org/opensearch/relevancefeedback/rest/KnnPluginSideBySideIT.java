package org.opensearch.relevancefeedback.rest;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.relevancefeedback.TestVectors;

/**
 * This plugin beside the official k-NN plugin (3.5.0.0, lucene engine) on a real OpenSearch 3.5.0 node: both field
 * types in one index with {@code index.knn: true}, each queried by its own query, mixed queries a clear 400, our
 * {@code hnsw} parameters refused there (the k-NN codec would build m 16 silently), and a 2,048-d {@code rf_vector}
 * under that codec. Runs in {@code mvn -Pos-3.5 verify} (scripts/test.sh), where the node has the k-NN plugin
 * ({@code rf.knn.side.by.side}); the 3.6.0 cluster has no k-NN plugin to stand beside.
 */
public class KnnPluginSideBySideIT extends RealClusterTestCase {

    public void testBothPluginsInOneCluster() throws IOException {
        assumeTrue("needs the k-NN plugin on the node: mvn -Pos-3.5 verify", Boolean.getBoolean("rf.knn.side.by.side"));
        Response plugins = client().performRequest(new Request("GET", "/_cat/plugins?h=component"));
        String installed = new String(plugins.getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(installed, containsString("opensearch-knn"));
        assertThat(installed, containsString("relevance-feedback"));

        Request create = new Request("PUT", "/both");
        create.setJsonEntity(
                "{\"settings\":{\"index.knn\":true,\"number_of_shards\":2,\"number_of_replicas\":0},\"mappings\":{\"properties\":{"
                        + "\"rf\":{\"type\":\"rf_vector\",\"dimension\":4},"
                        + "\"kv\":{\"type\":\"knn_vector\",\"dimension\":4,\"method\":{\"name\":\"hnsw\",\"engine\":\"lucene\",\"space_type\":\"cosinesimil\"}}}}}");
        client().performRequest(create);
        StringBuilder bulk = new StringBuilder();
        float[][] vectors = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0.9f, 0.1f, 0, 0}};
        for (int i = 0; i < vectors.length; i++) {
            String v = Arrays.toString(vectors[i]);
            bulk.append("{\"index\":{\"_id\":\"")
                    .append(i)
                    .append("\"}}\n{\"rf\":")
                    .append(v)
                    .append(",\"kv\":")
                    .append(v)
                    .append("}\n");
        }
        Request load = new Request("POST", "/both/_bulk?refresh=true");
        load.setJsonEntity(bulk.toString());
        assertEquals(Boolean.FALSE, entityAsMap(client().performRequest(load)).get("errors"));

        // each plugin's query on its own field: the same two nearest documents (k-NN's k is per shard, ours global, so
        // the k-NN query returns up to 2 per shard: its top 2 by score are compared)
        assertEquals(
                List.of("0", "3"),
                ids(search("both", "{\"relevance_feedback\":{\"field\":\"rf\",\"vector\":[1,0,0,0],\"k\":2}}")));
        assertEquals(
                List.of("0", "3"),
                ids(search("both", "{\"knn\":{\"kv\":{\"vector\":[1,0,0,0],\"k\":2}}}"))
                        .subList(0, 2));
        // and with feedback on ours
        assertEquals(
                2,
                ids(search(
                                "both",
                                "{\"relevance_feedback\":{\"field\":\"rf\",\"vector\":[1,0,0,0],\"k\":2,\"feedback\":{\"strategy\":\"prf\",\"top_k\":2}}}"))
                        .size());

        // mixed: each query on the other plugin's field is a 400 that names the field and its type
        assertBadRequest(
                "POST",
                "/both/_search",
                "{\"query\":{\"relevance_feedback\":{\"field\":\"kv\",\"vector\":[1,0,0,0]}}}",
                "field [kv] is of type [knn_vector], expected [rf_vector]");
        assertBadRequest(
                "POST",
                "/both/_search",
                "{\"query\":{\"knn\":{\"rf\":{\"vector\":[1,0,0,0],\"k\":2}}}}",
                "Field 'rf' is not knn_vector type");

        // our graph parameters cannot take effect under the k-NN codec: refused, not silently built with m 16
        assertBadRequest(
                "PUT",
                "/knn_hnsw",
                "{\"settings\":{\"index.knn\":true},\"mappings\":{\"properties\":{\"rf\":{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"m\":32}}}}}",
                "[hnsw] of [rf_vector] field [rf] cannot take effect in an index with [index.knn: true]");

        // 2,048 dimensions (over stock Lucene's 1,024) under the k-NN codec: indexed and found
        Request wide = new Request("PUT", "/knn_wide");
        wide.setJsonEntity(
                "{\"settings\":{\"index.knn\":true},\"mappings\":{\"properties\":{\"rf\":{\"type\":\"rf_vector\",\"dimension\":2048}}}}");
        client().performRequest(wide);
        Random random = new Random(20261202L);
        StringBuilder wideBulk = new StringBuilder();
        float[][] wideVectors = new float[20][];
        for (int i = 0; i < wideVectors.length; i++) {
            wideVectors[i] = TestVectors.gaussian(random, 2048);
            wideBulk.append("{\"index\":{\"_id\":\"")
                    .append(i)
                    .append("\"}}\n{\"rf\":")
                    .append(Arrays.toString(wideVectors[i]))
                    .append("}\n");
        }
        Request wideLoad = new Request("POST", "/knn_wide/_bulk?refresh=true");
        wideLoad.setJsonEntity(wideBulk.toString());
        assertEquals(
                Boolean.FALSE, entityAsMap(client().performRequest(wideLoad)).get("errors"));
        String query = "{\"relevance_feedback\":{\"field\":\"rf\",\"vector\":" + Arrays.toString(wideVectors[7])
                + ",\"k\":1}}";
        assertEquals(List.of("7"), ids(search("knn_wide", query)));
    }

    private static Map<String, Object> search(String index, String query) throws IOException {
        Request request = new Request("POST", "/" + index + "/_search");
        request.setJsonEntity("{\"_source\":false,\"query\":" + query + "}");
        return entityAsMap(client().performRequest(request));
    }

    @SuppressWarnings("unchecked")
    private static List<String> ids(Map<String, Object> response) {
        return ((List<Map<String, Object>>) ((Map<String, Object>) response.get("hits")).get("hits"))
                .stream().map(h -> (String) h.get("_id")).toList();
    }
}
