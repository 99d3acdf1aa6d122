package org.opensearch.relevancefeedback.rest;

import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.client.WarningsHandler;
import org.opensearch.relevancefeedback.TestImages;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.hamcrest.Matchers.lessThan;

/**
 * Throws generated bad values at every parameter of the query, its feedback object, the rescorer, the feedback
 * endpoint, the rf_vector / rf_tokens mappings, documents and rf_encode (its configuration and its documents), on the
 * real cluster. Every answer must be a 2xx or a 4xx, within seconds; both nodes must be up at the end. Seeded (the
 * seed is printed; -Dtests.fuzz.seed replays it) and bounded in count and time.
 */
public class FuzzIT extends RealClusterTestCase {

    private static final int MAX_CASES = 1500;
    private static final long MAX_NANOS = 240_000_000_000L;
    /** A slow answer counts as a hang. */
    private static final long MAX_REQUEST_MILLIS = 20_000;

    /** Hostile or malformed values, as raw JSON; "VALID" slots keep a valid value so the bad one is the only problem. */
    private static final String[] BAD = {
        "null", "true", "false", "0", "-1", "1", "2147483648", "-2147483649", "1e308", "-1e308", "5e-324", "1e-30", "3e38", "0.5",
        "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"\"", "\" \"", "\"x\"", "\"\\u0000\"", "\"\\ud83d\\udca5\"", "\"1e999\"", "[]", "[null]",
        "[1]", "[[1]]", "[{}]", "{}", "{\"a\":1}", "{\"a\":{\"b\":[null]}}", "[\"\"]", "\"AAAA\"", "\"not base64!\"" };

    private final List<String> templates = new ArrayList<>();

    @SuppressWarnings("unchecked")
    public void testBadValuesNeverGiveA5xx() throws IOException {
        long seed = Long.parseLong(System.getProperty("tests.fuzz.seed", Long.toString(random().nextLong())));
        Random random = new Random(seed);
        setUpIndex();
        buildTemplates();
        String big = "\"" + Base64.getEncoder().encodeToString(TestImages.greyPng(10000, 10000)) + "\"";
        String thin = "\"" + Base64.getEncoder().encodeToString(TestImages.greyPng(1, 20000)) + "\"";
        String longText = "\"" + "dog ".repeat(3000) + "\"";
        String bigArray = "[" + "0.1,".repeat(5000) + "0.1]";
        long start = System.nanoTime();
        int cases = 0;
        int ok = 0;
        int client = 0;
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        while (cases < MAX_CASES && System.nanoTime() - start < MAX_NANOS) {
            String template = templates.get(random.nextInt(templates.size()));
            String value = switch (random.nextInt(12)) {
                case 0 -> big;
                case 1 -> thin;
                case 2 -> longText;
                case 3 -> bigArray;
                case 4 -> randomJson(random, 3);
                default -> BAD[random.nextInt(BAD.length)];
            };
            String[] parts = template.split(" ", 3); // METHOD path body-with-%s
            String body = parts[2].replace("%s", value);
            String path = parts[1].replace("{n}", Integer.toString(cases));
            Request request = new Request(parts[0], path);
            request.setJsonEntity(body);
            RequestOptions.Builder options = RequestOptions.DEFAULT.toBuilder();
            options.setWarningsHandler(WarningsHandler.PERMISSIVE);
            request.setOptions(options);
            long t0 = System.nanoTime();
            int status;
            try {
                Response response = client().performRequest(request);
                status = response.getStatusLine().getStatusCode();
                ok++;
            } catch (ResponseException e) {
                status = e.getResponse().getStatusLine().getStatusCode();
                client++;
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            statuses.merge(status, 1, Integer::sum);
            String what = "seed " + seed + " case " + cases + ": " + parts[0] + " " + path + " " + abbreviate(body);
            assertThat(what + " -> " + status, status, lessThan(500));
            assertThat(what + " took ms", millis, lessThan(MAX_REQUEST_MILLIS));
            cases++;
            if (cases % 250 == 0) {
                assertClusterUp();
            }
        }
        assertClusterUp();
        String report = String.format(
            Locale.ROOT,
            "fuzz: %d cases over %d parameter slots in %.0f s (seed %d): %d answered 2xx, %d answered 4xx, statuses %s, none 5xx, both nodes up",
            cases,
            templates.size(),
            (System.nanoTime() - start) / 1e9,
            seed,
            ok,
            client,
            statuses
        );
        logger.info(report);
        System.out.println(report);
        assertTrue("at least one pass over the slots: " + report, cases >= templates.size());
    }

    private void setUpIndex() throws IOException {
        send("PUT", "/_ingest/pipeline/fuzz_encode",
            "{\"processors\":[{\"rf_encode\":{\"image_field\":\"img\",\"image_vector_field\":\"image\",\"text_field\":\"label\",\"text_vector_field\":\"caption\","
                + "\"image_tokens_field\":\"image_tokens\",\"text_tokens_field\":\"caption_tokens\"}}]}");
        send("PUT", "/fuzz", "{\"settings\":{\"number_of_shards\":2,\"number_of_replicas\":0},\"mappings\":{\"properties\":{"
            + "\"image\":{\"type\":\"rf_vector\",\"dimension\":256},\"caption\":{\"type\":\"rf_vector\",\"dimension\":256},"
            + "\"label\":{\"type\":\"keyword\"},\"image_tokens\":{\"type\":\"rf_tokens\"},\"caption_tokens\":{\"type\":\"rf_tokens\"}}}}");
        StringBuilder bulk = new StringBuilder();
        String[] labels = { "red", "blue", "green", "grey", "white", "black", "dog", "cat" };
        for (int i = 0; i < labels.length; i++) {
            bulk.append("{\"index\":{\"_id\":\"d").append(i).append("\"}}\n{\"img\":\"")
                .append(Base64.getEncoder().encodeToString(TestImages.greyPng(64 + i, 64)))
                .append("\",\"label\":\"").append(labels[i]).append(" circle\"}\n");
        }
        send("POST", "/fuzz/_bulk?refresh=true&pipeline=fuzz_encode", bulk.toString());
    }

    /** One template per parameter: METHOD, path and a body in which %s is the bad value. */
    private void buildTemplates() {
        String[] feedbackParams = {
            "strategy", "top_k", "rounds", "rocchio", "alpha", "beta", "gamma", "temperature", "window", "caption_field", "relevant",
            "non_relevant", "text", "mode", "image_tokens_field", "caption_tokens_field", "saliency", "regions", "region_factor" };
        List<Map<String, String>> strategies = List.of(
            Map.of("strategy", "\"prf\""),
            Map.of("strategy", "\"grf\"", "caption_field", "\"caption\""),
            Map.of("strategy", "\"explicit\"", "relevant", "[\"d1\"]"),
            Map.of(
                "strategy", "\"afs\"", "caption_field", "\"caption\"", "image_tokens_field", "\"image_tokens\"", "caption_tokens_field", "\"caption_tokens\""
            ),
            Map.of("strategy", "\"afs_prf\"", "image_tokens_field", "\"image_tokens\"", "saliency", "true")
        );
        String query = "{\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"red circle\",\"k\":5,%q}}}";
        // the query's own parameters
        for (String p : new String[] { "field", "vector", "text", "k", "num_candidates", "filter", "boost", "_name", "feedback" }) {
            String q = "{\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"red circle\",\"k\":5,\"" + p + "\":%s}}}";
            if (p.equals("field") || p.equals("text") || p.equals("vector")) {
                q = "{\"query\":{\"relevance_feedback\":{\"k\":5," + (p.equals("field") ? "\"text\":\"red\"," : "\"field\":\"image\",") + "\"" + p + "\":%s}}}";
            }
            templates.add("POST /fuzz/_search " + q);
            templates.add("POST /fuzz/_plugins/relevance_feedback/_search " + q);
        }
        // every feedback parameter under every strategy, in the query and in the endpoint
        for (Map<String, String> strategy : strategies) {
            for (String p : feedbackParams) {
                Map<String, String> fields = new java.util.TreeMap<>(strategy);
                fields.put(p, "%s"); // the bad value replaces the valid one
                String feedback = "\"feedback\":" + object(fields);
                templates.add("POST /fuzz/_search " + query.replace("%q", feedback));
                templates.add("POST /fuzz/_plugins/relevance_feedback/_search " + query.replace("%q", feedback));
            }
            for (String r : new String[] { "{\"id\":%s,\"box\":[0,0,1,1]}", "{\"id\":\"d0\",\"box\":%s}", "{\"id\":\"d0\",\"box\":[0,0,1,1],\"relevant\":%s}", "%s" }) {
                Map<String, String> fields = new java.util.TreeMap<>(strategy);
                fields.put("regions", "[" + r + "]");
                templates.add("POST /fuzz/_search " + query.replace("%q", "\"feedback\":" + object(fields)));
            }
        }
        // the rescorer
        String vector = "[" + "0.1,".repeat(255) + "0.1]";
        for (String p : new String[] { "field", "vector", "text", "feedback", "query_weight", "rescore_query_weight", "score_mode" }) {
            templates.add("POST /fuzz/_search {\"query\":{\"match_all\":{}},\"rescore\":{\"window_size\":10,\"relevance_feedback\":{\"field\":\"image\",\"vector\":" + vector
                + ",\"feedback\":{\"strategy\":\"prf\"},\"" + p + "\":%s}}}");
        }
        for (Map<String, String> strategy : strategies) {
            String text = strategy.get("strategy").startsWith("\"afs") ? ",\"text\":\"red\"" : "";
            templates.add("POST /fuzz/_search {\"query\":{\"match_all\":{}},\"rescore\":{\"window_size\":%s,\"relevance_feedback\":{\"field\":\"image\",\"vector\":" + vector
                + text + ",\"feedback\":" + object(strategy) + "}}}");
        }
        // the internal kNN queries are in the DSL too
        templates.add("POST /fuzz/_search {\"query\":{\"rf_knn\":{\"field\":\"image\",\"vector\":%s}}}");
        templates.add("POST /fuzz/_search {\"query\":{\"rf_knn\":{\"field\":\"image\",\"vector\":" + vector + ",\"k\":%s}}}");
        templates.add("POST /fuzz/_search {\"query\":{\"rf_scored_docs\":{\"docs\":%s}}}");
        templates.add("POST /fuzz/_search {\"query\":{\"rf_scored_docs\":{\"docs\":[{\"_index\":\"fuzz\",\"_shard\":0,\"_id\":\"d0\",\"score\":1,\"notes\":%s}]}}}");
        // mappings
        for (String p : new String[] { "dimension", "similarity", "hnsw", "meta" }) {
            templates.add("PUT /fuzz_map_{n} {\"mappings\":{\"properties\":{\"v\":{\"type\":\"rf_vector\",\"dimension\":4,\"" + p + "\":%s}}}}");
        }
        templates.add("PUT /fuzz_map_{n} {\"mappings\":{\"properties\":{\"v\":{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"m\":%s}}}}}");
        templates.add("PUT /fuzz_map_{n} {\"mappings\":{\"properties\":{\"v\":{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"ef_construction\":%s}}}}}");
        templates.add("PUT /fuzz_map_{n} {\"mappings\":{\"properties\":{\"t\":{\"type\":\"rf_tokens\",\"meta\":%s}}}}");
        // documents
        templates.add("PUT /fuzz/_doc/bad{n} {\"image\":%s}");
        templates.add("PUT /fuzz/_doc/bad{n} {\"image_tokens\":%s}");
        // rf_encode: its configuration and its documents
        for (String p : new String[] { "image_field", "image_vector_field", "text_field", "text_vector_field", "image_tokens_field", "text_tokens_field", "ignore_missing", "remove_image", "batch_size" }) {
            templates.add("POST /_ingest/pipeline/_simulate {\"pipeline\":{\"processors\":[{\"rf_encode\":{\"image_field\":\"img\",\"image_vector_field\":\"image\",\"" + p
                + "\":%s}}]},\"docs\":[{\"_source\":{\"img\":\"x\"}}]}");
        }
        templates.add("POST /_ingest/pipeline/fuzz_encode/_simulate {\"docs\":[{\"_source\":{\"img\":%s,\"label\":\"x\"}}]}");
        templates.add("POST /_ingest/pipeline/fuzz_encode/_simulate {\"docs\":[{\"_source\":{\"label\":%s}}]}");
        templates.add("PUT /fuzz/_doc/enc{n}?pipeline=fuzz_encode {\"img\":%s,\"label\":\"x\"}");
    }

    private static String object(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder("{");
        fields.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        return sb.append('}').toString();
    }

    /** A random JSON value of at most {@code depth} levels. */
    private static String randomJson(Random random, int depth) {
        int kind = random.nextInt(depth == 0 ? 4 : 6);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> Double.toString((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(80) - 40));
            case 2 -> Integer.toString(random.nextInt());
            case 3 -> "\"" + Long.toString(random.nextLong(), 36) + "\"";
            case 4 -> {
                StringBuilder sb = new StringBuilder("[");
                for (int i = random.nextInt(4); i > 0; i--) {
                    sb.append(randomJson(random, depth - 1)).append(i > 1 ? "," : "");
                }
                yield sb.append(']').toString();
            }
            default -> "{\"" + Long.toString(random.nextLong(), 36) + "\":" + randomJson(random, depth - 1) + "}";
        };
    }

    private void assertClusterUp() throws IOException {
        Map<String, Object> health = entityAsMap(client().performRequest(new Request("GET", "/_cluster/health?wait_for_nodes=2&timeout=30s")));
        assertEquals(2, health.get("number_of_nodes"));
    }

    private static void send(String method, String path, String body) throws IOException {
        Request request = new Request(method, path);
        request.setJsonEntity(body);
        client().performRequest(request);
    }

    private static String abbreviate(String s) {
        return s.length() <= 400 ? s : s.substring(0, 400) + "... (" + s.length() + " chars)";
    }
}
