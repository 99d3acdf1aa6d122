package org.opensearch.relevancefeedback.rest;

import static org.hamcrest.Matchers.lessThan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.ResponseException;
import org.opensearch.client.WarningsHandler;
import org.opensearch.relevancefeedback.TestImages;
import org.opensearch.relevancefeedback.inference.TokenCodec;

/**
 * Throws generated bad values at every parameter of the query, its feedback object, the rescorer, the feedback
 * endpoint, the rf_vector / rf_tokens mappings, documents and rf_encode (its configuration and its documents), on the
 * real cluster. Every answer must be a 2xx or a 4xx, within seconds; both nodes must be up at the end. Seeded (fixed
 * seed 20261125, so every run tries the same cases; -Dtests.fuzz.seed=N tries others) and bounded in count and time.
 */
public class FuzzIT extends RealClusterTestCase {

    private static final int MAX_CASES = 3000;
    private static final long MAX_NANOS = 240_000_000_000L;
    /** A slow answer counts as a hang. */
    private static final long MAX_REQUEST_MILLIS = 20_000;

    /** Hostile or malformed values, as raw JSON; "VALID" slots keep a valid value so the bad one is the only problem. */
    private static final String[] BAD = {
        "null",
        "true",
        "false",
        "0",
        "-1",
        "1",
        "2147483648",
        "-2147483649",
        "1e308",
        "-1e308",
        "5e-324",
        "1e-30",
        "3e38",
        "0.5",
        "\"NaN\"",
        "\"Infinity\"",
        "\"-Infinity\"",
        "\"\"",
        "\" \"",
        "\"x\"",
        "\"\\u0000\"",
        "\"\\ud83d\\udca5\"",
        "\"1e999\"",
        "[]",
        "[null]",
        "[1]",
        "[[1]]",
        "[{}]",
        "{}",
        "{\"a\":1}",
        "{\"a\":{\"b\":[null]}}",
        "[\"\"]",
        "\"AAAA\"",
        "\"not base64!\""
    };

    private final List<Slot> slots = new ArrayList<>();

    public void testBadValuesNeverGiveA5xx() throws IOException {
        long seed =
                Long.parseLong(System.getProperty("tests.fuzz.seed", "20261125")); // fixed: the same cases every run
        Random random = new Random(seed);
        setUpIndex();
        buildSlots();
        String big = "\"" + Base64.getEncoder().encodeToString(TestImages.greyPng(10000, 10000)) + "\"";
        String thin = "\"" + Base64.getEncoder().encodeToString(TestImages.greyPng(1, 20000)) + "\"";
        String longText = "\"" + "dog ".repeat(3000) + "\"";
        String bigArray = "[" + "0.1,".repeat(5000) + "0.1]";
        long start = System.nanoTime();
        int cases = 0;
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        int checked = 0;
        for (Slot slot : slots) { // every slot answers its valid value with a 2xx: the bad ones reach that parameter
            if (slot.valid() != null) {
                int status = send(slot, slot.valid(), cases++);
                assertThat(
                        "valid value of " + slot.method() + " " + slot.path() + " "
                                + abbreviate(slot.body().replace("%s", slot.valid())) + " -> " + status,
                        status,
                        lessThan(300));
                checked++;
            }
        }
        while (cases < MAX_CASES && System.nanoTime() - start < MAX_NANOS) {
            Slot slot = slots.get(random.nextInt(slots.size()));
            String value = switch (random.nextInt(12)) {
                case 0 -> big;
                case 1 -> thin;
                case 2 -> longText;
                case 3 -> bigArray;
                case 4 -> randomJson(random, 3);
                default -> BAD[random.nextInt(BAD.length)];
            };
            long t0 = System.nanoTime();
            int status = send(slot, value, cases);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            statuses.merge(status, 1, Integer::sum);
            String what = "seed " + seed + " case " + cases + ": " + slot.method() + " " + slot.path() + " "
                    + abbreviate(slot.body().replace("%s", value));
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
                "fuzz: %d cases over %d parameter slots (%d of them first with a valid value, all 2xx) in %.0f s (seed %d): statuses %s, none 5xx, both nodes up",
                cases,
                slots.size(),
                checked,
                (System.nanoTime() - start) / 1e9,
                seed,
                statuses);
        logger.info(report);
        System.out.println(report);
        assertTrue("at least one pass over the slots: " + report, cases >= 2 * slots.size());
    }

    private void setUpIndex() throws IOException {
        send(
                "PUT",
                "/_ingest/pipeline/fuzz_encode",
                "{\"processors\":[{\"rf_encode\":{\"image_field\":\"img\",\"image_vector_field\":\"image\",\"text_field\":\"label\",\"text_vector_field\":\"caption\","
                        + "\"image_tokens_field\":\"image_tokens\",\"text_tokens_field\":\"caption_tokens\"}}]}");
        send(
                "PUT",
                "/fuzz",
                "{\"settings\":{\"number_of_shards\":2,\"number_of_replicas\":0},\"mappings\":{\"properties\":{"
                        + "\"image\":{\"type\":\"rf_vector\",\"dimension\":256},\"caption\":{\"type\":\"rf_vector\",\"dimension\":256},"
                        + "\"label\":{\"type\":\"keyword\"},\"image_tokens\":{\"type\":\"rf_tokens\"},\"caption_tokens\":{\"type\":\"rf_tokens\"}}}}");
        StringBuilder bulk = new StringBuilder();
        String[] labels = {"red", "blue", "green", "grey", "white", "black", "dog", "cat"};
        for (int i = 0; i < labels.length; i++) {
            bulk.append("{\"index\":{\"_id\":\"d")
                    .append(i)
                    .append("\"}}\n{\"img\":\"")
                    .append(Base64.getEncoder().encodeToString(TestImages.greyPng(64 + i, 64)))
                    .append("\",\"label\":\"")
                    .append(labels[i])
                    .append(" circle\"}\n");
        }
        send("POST", "/fuzz/_bulk?refresh=true&pipeline=fuzz_encode", bulk.toString());
    }

    /**
     * One slot per parameter: METHOD, path, a body in which %s is the value, and a valid value for it (null where the
     * parameter has none in that context, e.g. a token field under strategy prf): with it the request must succeed,
     * which proves that the bad values reach that parameter.
     */
    private record Slot(String method, String path, String body, String valid) {}

    private void buildSlots() throws IOException {
        String vector = "[" + "0.1,".repeat(255) + "0.1]";
        String png = "\"" + Base64.getEncoder().encodeToString(TestImages.greyPng(64, 64)) + "\"";
        String block = "\"" + Base64.getEncoder().encodeToString(TokenCodec.encode(new float[][] {{1f, 2f}})) + "\"";
        List<Map<String, String>> strategies = List.of(
                Map.of("strategy", "\"prf\""),
                Map.of("strategy", "\"grf\"", "caption_field", "\"caption\""),
                Map.of("strategy", "\"explicit\"", "relevant", "[\"d1\"]"),
                Map.of(
                        "strategy",
                        "\"afs\"",
                        "caption_field",
                        "\"caption\"",
                        "image_tokens_field",
                        "\"image_tokens\"",
                        "caption_tokens_field",
                        "\"caption_tokens\""),
                Map.of("strategy", "\"afs_prf\"", "image_tokens_field", "\"image_tokens\"", "saliency", "true"));
        // the query's own parameters, in _search and in the feedback endpoint
        Map<String, String> queryParams = new java.util.LinkedHashMap<>();
        queryParams.put("field", "\"image\"");
        queryParams.put("vector", vector);
        queryParams.put("text", "\"red circle\"");
        queryParams.put("k", "5");
        queryParams.put("num_candidates", "50");
        queryParams.put("filter", "{\"match_all\":{}}");
        queryParams.put("boost", "2");
        queryParams.put("_name", "\"q\"");
        queryParams.put("feedback", "{\"strategy\":\"prf\"}");
        for (Map.Entry<String, String> p : queryParams.entrySet()) {
            String base = switch (p.getKey()) {
                case "field" -> "\"text\":\"red\",";
                case "text", "vector" -> "\"field\":\"image\",";
                default -> "\"field\":\"image\",\"text\":\"red circle\",";
            };
            String q = "{\"query\":{\"relevance_feedback\":{\"k\":5," + base + "\"" + p.getKey() + "\":%s}}}";
            if (p.getKey().equals("k")) {
                q = q.replace("\"k\":5,", "");
            }
            slots.add(new Slot("POST", "/fuzz/_search", q, p.getValue()));
            slots.add(new Slot("POST", "/fuzz/_plugins/relevance_feedback/_search", q, p.getValue()));
        }
        // every feedback parameter under every strategy, in the query and in the endpoint
        String query =
                "{\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"red circle\",\"k\":5,\"feedback\":%f}}}";
        for (Map<String, String> strategy : strategies) {
            boolean afs = strategy.get("strategy").startsWith("\"afs");
            boolean explicit = strategy.get("strategy").equals("\"explicit\"");
            Map<String, String> valid = new java.util.LinkedHashMap<>();
            valid.put("strategy", strategy.get("strategy"));
            valid.put("top_k", "3");
            valid.put("rounds", "2");
            valid.put("rocchio", "\"extended\"");
            valid.put("alpha", "0.7");
            valid.put("beta", "0.2");
            valid.put("gamma", "0.1");
            valid.put("temperature", "0.1");
            valid.put("window", "100");
            valid.put("caption_field", "\"caption\"");
            valid.put("relevant", explicit ? "[\"d1\"]" : "[]");
            valid.put("non_relevant", explicit ? "[\"d2\"]" : "[]");
            valid.put("text", explicit ? "\"red\"" : "[]");
            valid.put("mode", "\"retrieve\"");
            valid.put("image_tokens_field", afs ? "\"image_tokens\"" : null);
            valid.put("caption_tokens_field", afs ? "\"caption_tokens\"" : null);
            valid.put("saliency", afs ? "true" : "false");
            valid.put("regions", "[]");
            valid.put("region_factor", "2.0");
            for (Map.Entry<String, String> p : valid.entrySet()) {
                Map<String, String> fields = new java.util.TreeMap<>(strategy);
                fields.put(p.getKey(), "%s"); // the value under test replaces the strategy's own
                String body = query.replace("%f", object(fields));
                slots.add(new Slot("POST", "/fuzz/_search", body, p.getValue()));
                slots.add(new Slot("POST", "/fuzz/_plugins/relevance_feedback/_search", body, p.getValue()));
            }
            for (String r : new String[] {
                "{\"id\":%s,\"box\":[0,0,1,1]}",
                "{\"id\":\"d0\",\"box\":%s}",
                "{\"id\":\"d0\",\"box\":[0,0,1,1],\"relevant\":%s}"
            }) {
                Map<String, String> fields = new java.util.TreeMap<>(strategy);
                fields.put("regions", "[" + r + "]");
                slots.add(new Slot(
                        "POST",
                        "/fuzz/_search",
                        query.replace("%f", object(fields)),
                        null)); // valid only with a top-K id
            }
            String text = afs ? ",\"text\":\"red\"" : "";
            slots.add(new Slot(
                    "POST",
                    "/fuzz/_search",
                    "{\"query\":{\"match_all\":{}},\"rescore\":{\"window_size\":%s,\"relevance_feedback\":{\"field\":\"image\",\"vector\":"
                            + vector + text + ",\"feedback\":" + object(strategy) + "}}}",
                    "10"));
        }
        // the rescorer
        Map<String, String> rescorer = new java.util.LinkedHashMap<>();
        rescorer.put("field", "\"image\"");
        rescorer.put("vector", vector);
        rescorer.put("text", null); // only for afs
        rescorer.put("feedback", "{\"strategy\":\"prf\"}");
        rescorer.put("query_weight", "0.5");
        rescorer.put("rescore_query_weight", "1.5");
        rescorer.put("score_mode", "\"max\"");
        for (Map.Entry<String, String> p : rescorer.entrySet()) {
            Map<String, String> fields = new java.util.LinkedHashMap<>(
                    Map.of("field", "\"image\"", "vector", vector, "feedback", "{\"strategy\":\"prf\"}"));
            fields.put(p.getKey(), "%s");
            slots.add(new Slot(
                    "POST",
                    "/fuzz/_search",
                    "{\"query\":{\"match_all\":{}},\"rescore\":{\"window_size\":10,\"relevance_feedback\":"
                            + object(fields) + "}}",
                    p.getValue()));
        }
        // the internal kNN queries are in the DSL too
        slots.add(new Slot(
                "POST", "/fuzz/_search", "{\"query\":{\"rf_knn\":{\"field\":\"image\",\"vector\":%s}}}", vector));
        slots.add(new Slot(
                "POST",
                "/fuzz/_search",
                "{\"query\":{\"rf_knn\":{\"field\":\"image\",\"vector\":" + vector + ",\"k\":%s}}}",
                "3"));
        slots.add(new Slot("POST", "/fuzz/_search", "{\"query\":{\"rf_scored_docs\":{\"docs\":%s}}}", "[]"));
        slots.add(new Slot(
                "POST",
                "/fuzz/_search",
                "{\"query\":{\"rf_scored_docs\":{\"docs\":[{\"_index\":\"fuzz\",\"_shard\":0,\"_id\":\"d0\",\"score\":1,\"notes\":%s}]}}}",
                "[]"));
        // mappings
        Map<String, String> mapping =
                Map.of("dimension", "8", "similarity", "\"l2\"", "hnsw", "{\"m\":8}", "meta", "{\"a\":\"b\"}");
        mapping.forEach((p, v) -> {
            Map<String, String> fields = new java.util.TreeMap<>(Map.of("type", "\"rf_vector\"", "dimension", "4"));
            fields.put(p, "%s");
            slots.add(new Slot(
                    "PUT", "/fuzz_map_{n}", "{\"mappings\":{\"properties\":{\"v\":" + object(fields) + "}}}", v));
        });
        slots.add(new Slot(
                "PUT",
                "/fuzz_map_{n}",
                "{\"mappings\":{\"properties\":{\"v\":{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"m\":%s}}}}}",
                "8"));
        slots.add(new Slot(
                "PUT",
                "/fuzz_map_{n}",
                "{\"mappings\":{\"properties\":{\"v\":{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"ef_construction\":%s}}}}}",
                "50"));
        slots.add(new Slot(
                "PUT",
                "/fuzz_map_{n}",
                "{\"mappings\":{\"properties\":{\"t\":{\"type\":\"rf_tokens\",\"meta\":%s}}}}",
                "{\"a\":\"b\"}"));
        // documents
        slots.add(new Slot("PUT", "/fuzz/_doc/doc{n}", "{\"image\":%s}", vector));
        slots.add(new Slot("PUT", "/fuzz/_doc/doc{n}", "{\"image_tokens\":%s}", block));
        // rf_encode: its configuration and its documents
        Map<String, String> encode = new java.util.LinkedHashMap<>();
        encode.put("image_field", "\"img\"");
        encode.put("image_vector_field", "\"image\"");
        encode.put("text_field", null); // only with text_vector_field
        encode.put("text_vector_field", null); // only with text_field
        encode.put("image_tokens_field", "\"tokens\"");
        encode.put("text_tokens_field", null); // only with text_field
        encode.put("ignore_missing", "true");
        encode.put("remove_image", "false");
        encode.put("batch_size", "5");
        for (Map.Entry<String, String> p : encode.entrySet()) {
            Map<String, String> fields =
                    new java.util.LinkedHashMap<>(Map.of("image_field", "\"img\"", "image_vector_field", "\"image\""));
            fields.put(p.getKey(), "%s");
            slots.add(new Slot(
                    "POST",
                    "/_ingest/pipeline/_simulate",
                    "{\"pipeline\":{\"processors\":[{\"rf_encode\":" + object(fields)
                            + "}]},\"docs\":[{\"_source\":{\"img\":" + png + "}}]}",
                    p.getValue()));
        }
        slots.add(new Slot(
                "POST",
                "/_ingest/pipeline/fuzz_encode/_simulate",
                "{\"docs\":[{\"_source\":{\"img\":%s,\"label\":\"x\"}}]}",
                png));
        slots.add(new Slot(
                "POST",
                "/_ingest/pipeline/fuzz_encode/_simulate",
                "{\"docs\":[{\"_source\":{\"img\":" + png + ",\"label\":%s}}]}",
                "\"x\""));
        slots.add(new Slot("PUT", "/fuzz/_doc/enc{n}?pipeline=fuzz_encode", "{\"img\":%s,\"label\":\"x\"}", png));
    }

    private static String object(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder("{");
        fields.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "")
                .append('"')
                .append(k)
                .append("\":")
                .append(v));
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

    /** The status of one request with {@code value} in the slot (warnings allowed: skipped hits are reported so). */
    private static int send(Slot slot, String value, int n) throws IOException {
        Request request = new Request(slot.method(), slot.path().replace("{n}", Integer.toString(n)));
        request.setJsonEntity(slot.body().replace("%s", value));
        RequestOptions.Builder options = RequestOptions.DEFAULT.toBuilder();
        options.setWarningsHandler(WarningsHandler.PERMISSIVE);
        request.setOptions(options);
        try {
            return client().performRequest(request).getStatusLine().getStatusCode();
        } catch (ResponseException e) {
            return e.getResponse().getStatusLine().getStatusCode();
        }
    }

    private void assertClusterUp() throws IOException {
        Map<String, Object> health = entityAsMap(
                client().performRequest(new Request("GET", "/_cluster/health?wait_for_nodes=2&timeout=30s")));
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
