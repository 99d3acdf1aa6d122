package org.opensearch.relevancefeedback.rest;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.lessThan;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.client.WarningsHandler;
import org.opensearch.relevancefeedback.TestImages;

/**
 * The hardening issue's cases against the real 2-node cluster: hostile images through rf_encode, vectors whose length
 * over- or underflows float, malformed requests, bad token blocks, empty first passes, the memory breaker.
 */
public class HardeningIT extends RealClusterTestCase {

    /** Tiny files that declare huge canvases: each killed a node (or overflowed an int) before the header check. */
    @SuppressWarnings("unchecked")
    public void testImageBombsAreRefusedAndTheNodeStaysUp() throws IOException {
        put(
                "/_ingest/pipeline/hard_encode",
                "{\"processors\":[{\"rf_encode\":{\"image_field\":\"img\",\"image_vector_field\":\"image\"}}]}");
        put(
                "/hard_images",
                "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0,\"default_pipeline\":\"hard_encode\"},"
                        + "\"mappings\":{\"properties\":{\"image\":{\"type\":\"rf_vector\",\"dimension\":256}}}}");
        Map<String, String> expected = Map.of(
                "thin-20000",
                        "image is 1x20000, an aspect ratio over 20:1 (setting [plugins.relevance_feedback.max_image_aspect_ratio])",
                "thin-100000", "image is 1x100000, an aspect ratio over 20:1",
                "square-10000",
                        "image is 10000x10000 = 100000000 pixels, more than 16777216 (setting [plugins.relevance_feedback.max_image_pixels])",
                "square-30000", "image is 30000x30000 = 900000000 pixels, more than 16777216",
                "null", "field [img]: must be a string, got null",
                "number", "field [img]: must be a string, got [Integer]");
        StringBuilder bulk = new StringBuilder();
        bulk.append(imageDoc("thin-20000", TestImages.greyPng(1, 20000)));
        bulk.append(imageDoc("thin-100000", TestImages.greyPng(1, 100000)));
        bulk.append(imageDoc("square-10000", TestImages.greyPng(10000, 10000)));
        bulk.append(imageDoc("square-30000", TestImages.greyPng(30000, 30000)));
        bulk.append("{\"index\":{\"_id\":\"null\"}}\n{\"img\":null}\n{\"index\":{\"_id\":\"number\"}}\n{\"img\":5}\n");
        bulk.append(imageDoc("ok", png(Color.RED, 64, 64)));
        bulk.append(imageDoc(
                "wide-ok", TestImages.greyPng(1000, 60))); // within the limits: upscaled, only the crop computed
        String body = bulk.toString();
        for (int attempt = 0; attempt < 3; attempt++) { // again and again: nothing accumulates
            Request request = new Request("POST", "/hard_images/_bulk?refresh=true");
            request.setJsonEntity(body);
            for (Object item :
                    (List<Object>) entityAsMap(client().performRequest(request)).get("items")) {
                Map<String, Object> index = (Map<String, Object>) ((Map<String, Object>) item).get("index");
                String id = (String) index.get("_id");
                if (id.endsWith("ok")) {
                    assertNull(index.toString(), index.get("error"));
                } else {
                    assertEquals(index.toString(), 400, index.get("status"));
                    assertThat(index.get("error").toString(), containsString(expected.get(id)));
                }
            }
        }
        assertEquals(
                2,
                ((Number) entityAsMap(client().performRequest(new Request("GET", "/hard_images/_count")))
                                .get("count"))
                        .intValue());
        // with the aspect limit raised (a dynamic setting) 1 x 1000 images go in: only the model's crop is ever resized
        put("/_cluster/settings", "{\"transient\":{\"plugins.relevance_feedback.max_image_aspect_ratio\":1000}}");
        try {
            Request thin = new Request("POST", "/hard_images/_bulk?refresh=true");
            thin.setJsonEntity(imageDoc("tall-1000", TestImages.greyPng(1, 1000))
                    + imageDoc("wide-1000", TestImages.greyPng(1000, 1)));
            Map<String, Object> response = entityAsMap(client().performRequest(thin));
            assertEquals(response.toString(), false, response.get("errors"));
        } finally {
            put("/_cluster/settings", "{\"transient\":{\"plugins.relevance_feedback.max_image_aspect_ratio\":null}}");
        }
        assertEquals(
                4,
                ((Number) entityAsMap(client().performRequest(new Request("GET", "/hard_images/_count")))
                                .get("count"))
                        .intValue());
        assertNodesUpWithBoundedHeap();
    }

    private static String imageDoc(String id, byte[] png) {
        return "{\"index\":{\"_id\":\"" + id + "\"}}\n{\"img\":\""
                + Base64.getEncoder().encodeToString(png) + "\"}\n";
    }

    /** Both nodes answer and neither holds more than 85% of its heap (decoding is bounded, whatever the canvas). */
    @SuppressWarnings("unchecked")
    private void assertNodesUpWithBoundedHeap() throws IOException {
        Map<String, Object> health = entityAsMap(
                client().performRequest(new Request("GET", "/_cluster/health?wait_for_nodes=2&timeout=30s")));
        assertEquals(2, health.get("number_of_nodes"));
        Map<String, Object> nodes =
                (Map<String, Object>) entityAsMap(client().performRequest(new Request("GET", "/_nodes/stats/jvm")))
                        .get("nodes");
        assertEquals(2, nodes.size());
        for (Object n : nodes.values()) {
            Map<String, Object> mem =
                    (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) n).get("jvm")).get("mem");
            long used = ((Number) mem.get("heap_used_in_bytes")).longValue();
            long max = ((Number) mem.get("heap_max_in_bytes")).longValue();
            assertThat("heap used of " + max, (double) used, lessThan(0.85 * max));
        }
    }

    /** Under cosine, lengths that over- or underflow float are scaled in double; under l2 / dot_product they are refused. */
    @SuppressWarnings("unchecked")
    public void testVectorLengthsThatOverflowFloat() throws IOException {
        put(
                "/hard_cos",
                "{\"settings\":{\"number_of_shards\":1},\"mappings\":{\"properties\":{\"v\":{\"type\":\"rf_vector\",\"dimension\":3}}}}");
        put(
                "/hard_l2",
                "{\"settings\":{\"number_of_shards\":1},\"mappings\":{\"properties\":{\"v\":{\"type\":\"rf_vector\",\"dimension\":3,\"similarity\":\"l2\"}}}}");
        bulk(
                "hard_cos",
                "{\"index\":{\"_id\":\"tiny\"}}\n{\"v\":[1e-30,0,1e-30]}\n{\"index\":{\"_id\":\"huge\"}}\n{\"v\":[3e38,0,3e38]}\n"
                        + "{\"index\":{\"_id\":\"big\"}}\n{\"v\":[1e19,0,1e19]}\n{\"index\":{\"_id\":\"unit\"}}\n{\"v\":[0.6,0,0.6]}\n"
                        + "{\"index\":{\"_id\":\"other\"}}\n{\"v\":[0,1,0]}\n");
        for (String q : new String[] {"[1e-30,0,1e-30]", "[3e38,0,3e38]", "[1e19,0,1e19]"}) {
            Map<String, Object> response = search(
                    "hard_cos",
                    "{\"size\":5,\"query\":{\"relevance_feedback\":{\"field\":\"v\",\"vector\":" + q + ",\"k\":5}}}");
            List<Map<String, Object>> hits =
                    (List<Map<String, Object>>) ((Map<String, Object>) response.get("hits")).get("hits");
            assertEquals(q, 5, hits.size());
            for (int i = 0; i < 4; i++) {
                assertEquals(q + " " + hits, 1.0, ((Number) hits.get(i).get("_score")).doubleValue(), 1e-6);
            }
            assertEquals("other", hits.get(4).get("_id"));
            assertEquals(0.5, ((Number) hits.get(4).get("_score")).doubleValue(), 1e-6);
        }
        Request doc = new Request("PUT", "/hard_l2/_doc/1");
        doc.setJsonEntity("{\"v\":[1e20,1e20,1e20]}");
        ResponseException e = expectThrows(ResponseException.class, () -> client().performRequest(doc));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertThat(e.getMessage(), containsString("similarity [l2] takes vectors of length <= [9.22e+18]"));
        assertBadRequest(
                "POST",
                "/hard_l2/_search",
                "{\"query\":{\"relevance_feedback\":{\"field\":\"v\",\"vector\":[1e20,1e20,1e20]}}}",
                "query vector for field [v] has length [1.73e+20]");
    }

    /** Feedback over a first pass that found nothing is no feedback: 200 with 0 hits, like plain kNN. */
    public void testEmptyFirstPassIsAnEmptyResult() throws IOException {
        put(
                "/hard_empty",
                "{\"mappings\":{\"properties\":{\"v\":{\"type\":\"rf_vector\",\"dimension\":2},\"c\":{\"type\":\"rf_vector\",\"dimension\":2},\"tag\":{\"type\":\"keyword\"}}}}");
        String grf = "\"feedback\":{\"strategy\":\"grf\",\"caption_field\":\"c\"}";
        assertHits(
                0, "hard_empty", "{\"query\":{\"relevance_feedback\":{\"field\":\"v\",\"vector\":[1,0]," + grf + "}}}");
        bulk("hard_empty", "{\"index\":{\"_id\":\"1\"}}\n{\"v\":[1,0],\"c\":[1,0],\"tag\":\"a\"}\n");
        assertHits(
                0,
                "hard_empty",
                "{\"query\":{\"relevance_feedback\":{\"field\":\"v\",\"vector\":[1,0],\"filter\":{\"term\":{\"tag\":\"none\"}},\"feedback\":{\"strategy\":\"prf\",\"mode\":\"rescore\"}}}}");
        assertHits(
                0,
                "hard_empty",
                "{\"query\":{\"term\":{\"tag\":\"none\"}},\"rescore\":{\"relevance_feedback\":{\"field\":\"v\",\"vector\":[1,0],\"feedback\":{\"strategy\":\"prf\"}}}}");
        assertHits(
                1, "hard_empty", "{\"query\":{\"relevance_feedback\":{\"field\":\"v\",\"vector\":[1,0]," + grf + "}}}");
    }

    /** Malformed requests: 400s that name the parameter (each was a 500, a 200 or a generic message before). */
    public void testMalformedRequestsNameTheParameter() throws IOException {
        put(
                "/hard_bad",
                "{\"mappings\":{\"properties\":{\"v\":{\"type\":\"rf_vector\",\"dimension\":2},\"name\":{\"type\":\"keyword\"}}}}");
        bulk("hard_bad", "{\"index\":{\"_id\":\"1\"}}\n{\"v\":[1,0],\"name\":\"a\"}\n");
        String rf = "{\"query\":{\"relevance_feedback\":{\"field\":\"v\",";
        assertBadRequest(
                "POST", "/hard_bad/_search", rf + "\"text\":null}}}", "[text] must be a string, got [VALUE_NULL]");
        assertBadRequest(
                "POST",
                "/hard_bad/_search",
                rf + "\"text\":[\"dog\"]}}}",
                "[text] must be a string, got [START_ARRAY]");
        assertBadRequest("POST", "/hard_bad/_search", rf + "\"text\":\"\"}}}", "[text] must not be empty");
        String vector = rf + "\"vector\":[1,0],\"feedback\":";
        assertBadRequest(
                "POST",
                "/hard_bad/_search",
                vector + "{\"strategy\":\"explicit\",\"relevant\":[null]}}}}",
                "[feedback.relevant[0]] must be a string");
        assertBadRequest(
                "POST",
                "/hard_bad/_search",
                vector + "{\"strategy\":\"explicit\",\"relevant\":[{}]}}}}",
                "[feedback.relevant[0]] must be a string");
        assertBadRequest(
                "POST",
                "/hard_bad/_search",
                vector + "{\"strategy\":\"explicit\",\"text\":\"\"}}}}",
                "[feedback.text] must not be empty");
        assertBadRequest(
                "POST",
                "/hard_bad/_search",
                vector + "{\"strategy\":\"prf\",\"alpha\":1e308}}}}",
                "[feedback.alpha] must be a number in [0, 1000000.0]");
        assertBadRequest(
                "POST",
                "/hard_bad/_search",
                vector + "{\"strategy\":\"prf\",\"temperature\":5e-324}}}}",
                "[feedback.temperature] must be a number in [1.0E-9, 1.0E9]");
        assertBadRequest(
                "POST",
                "/hard_bad/_search",
                vector + "{\"strategy\":\"grf\",\"caption_field\":\"missing\"}}}}",
                "none of the top [5] hits has a vector in [feedback.caption_field] = [missing]");
        assertBadRequest(
                "POST",
                "/hard_bad/_search",
                vector + "{\"strategy\":\"grf\",\"caption_field\":\"name\"}}}}",
                "none of the top [5] hits has a vector in [feedback.caption_field] = [name]");
        assertBadRequest(
                "POST",
                "/hard_bad/_search",
                "{\"rescore\":{\"relevance_feedback\":{\"field\":\"v\",\"vector\":[1,0],\"feedback\":{\"strategy\":\"prf\",\"mode\":\"rescore\"}}}}",
                "[feedback.mode] does not apply to the rescorer");
    }

    /**
     * Token blocks: rf_tokens refuses anything but a block at index time; a bad block in another field type is left
     * out of the feedback with a warning instead of failing every query whose top K holds it; the breaker answers 429.
     */
    @SuppressWarnings("unchecked")
    public void testTokenBlocksAndTheBreaker() throws IOException {
        put(
                "/_ingest/pipeline/hard_afs",
                "{\"processors\":[{\"rf_encode\":{\"image_field\":\"img\",\"image_vector_field\":\"image\",\"text_field\":\"label\",\"text_vector_field\":\"caption\","
                        + "\"image_tokens_field\":\"image_tokens\",\"text_tokens_field\":\"caption_tokens\"}}]}");
        String mapping =
                "\"image\":{\"type\":\"rf_vector\",\"dimension\":256},\"caption\":{\"type\":\"rf_vector\",\"dimension\":256},\"label\":{\"type\":\"keyword\"}";
        put(
                "/hard_afs",
                "{\"settings\":{\"default_pipeline\":\"hard_afs\"},\"mappings\":{\"properties\":{" + mapping
                        + ",\"image_tokens\":{\"type\":\"rf_tokens\"},\"caption_tokens\":{\"type\":\"rf_tokens\"}}}}");
        put(
                "/hard_afs_binary",
                "{\"settings\":{\"default_pipeline\":\"hard_afs\"},\"mappings\":{\"properties\":{" + mapping
                        + ",\"image_tokens\":{\"type\":\"binary\"},\"caption_tokens\":{\"type\":\"binary\"}}}}");
        Color[] colours = {Color.RED, Color.BLUE, Color.GREEN, Color.YELLOW, Color.ORANGE, Color.MAGENTA};
        String[] names = {"red circle", "blue circle", "green circle", "yellow circle", "orange circle", "purple circle"
        };
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < colours.length; i++) {
            bulk.append("{\"index\":{\"_id\":\"")
                    .append(i)
                    .append("\"}}\n{\"img\":\"")
                    .append(Base64.getEncoder().encodeToString(png(colours[i], 64, 64)))
                    .append("\",\"label\":\"")
                    .append(names[i])
                    .append("\"}\n");
        }
        bulk("hard_afs", bulk.toString());
        bulk("hard_afs_binary", bulk.toString());

        Request bad = new Request("PUT", "/hard_afs/_doc/bad?pipeline=_none");
        bad.setJsonEntity("{\"image\":" + json(new float[256]).replace("[0.0", "[1.0") + ",\"image_tokens\":\"AAAA\"}");
        ResponseException e = expectThrows(ResponseException.class, () -> client().performRequest(bad));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertThat(
                e.getMessage(),
                containsString(
                        "[image_tokens] must be a base64 token block as rf_encode writes it: not a token block: 3 bytes"));

        // a binary field takes anything: a short block and one that declares 0 tokens sit among the hits
        String vector = json(new float[256]).replace("[0.0", "[1.0");
        Request shortBlock = new Request("PUT", "/hard_afs_binary/_doc/short?pipeline=_none&refresh=true");
        shortBlock.setJsonEntity("{\"image\":" + vector + ",\"caption\":" + vector
                + ",\"label\":\"red\",\"image_tokens\":\"AAAA\",\"caption_tokens\":\"AAAA\"}");
        client().performRequest(shortBlock);
        Request zeroTokens = new Request("PUT", "/hard_afs_binary/_doc/zero?pipeline=_none&refresh=true");
        String zero = Base64.getEncoder().encodeToString(new byte[8]);
        zeroTokens.setJsonEntity("{\"image\":" + vector + ",\"caption\":" + vector
                + ",\"label\":\"red\",\"image_tokens\":\"" + zero + "\",\"caption_tokens\":\"" + zero + "\"}");
        client().performRequest(zeroTokens);
        String afs =
                "{\"size\":8,\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"red circle\",\"k\":8,\"feedback\":{\"strategy\":\"afs\","
                        + "\"top_k\":8,\"caption_field\":\"caption\",\"image_tokens_field\":\"image_tokens\",\"caption_tokens_field\":\"caption_tokens\"}}}}";
        Request query = new Request("POST", "/hard_afs_binary/_search");
        query.setJsonEntity(afs);
        RequestOptions.Builder options = RequestOptions.DEFAULT.toBuilder();
        options.setWarningsHandler(WarningsHandler.PERMISSIVE);
        query.setOptions(options);
        Response response = client().performRequest(query);
        assertEquals(200, response.getStatusLine().getStatusCode());
        String warnings = String.join("\n", response.getWarnings());
        assertThat(
                warnings,
                containsString(
                        "hit [hard_afs_binary][short] has no usable token block in [image_tokens] (not a token block: 3 bytes"));
        assertThat(
                warnings,
                containsString(
                        "hit [hard_afs_binary][zero] has no usable token block in [image_tokens] (not a token block: it declares 0 tokens"));
        assertEquals(
                8, ((List<Object>) ((Map<String, Object>) entityAsMap(response).get("hits")).get("hits")).size());

        // tokens from a keyword field: no usable block anywhere, a 400 naming the parameters
        assertBadRequest(
                "POST",
                "/hard_afs/_search",
                afs.replace("\"image_tokens_field\":\"image_tokens\"", "\"image_tokens_field\":\"label\""),
                "[feedback.image_tokens_field]");
        assertBadRequest(
                "POST",
                "/hard_afs/_search",
                afs.replace("\"top_k\":8", "\"top_k\":101").replace("\"k\":8", "\"k\":200"),
                "[feedback.top_k] must be <= 100 for strategy [afs] (setting [plugins.relevance_feedback.max_afs_top_k])");

        // what a round holds is accounted to the breaker: over its limit, 429 and nothing left held
        put("/_cluster/settings", "{\"transient\":{\"breaker.relevance_feedback.limit\":\"1kb\"}}");
        try {
            Request tripped = new Request("POST", "/hard_afs/_search");
            tripped.setJsonEntity(afs);
            ResponseException breaking = expectThrows(ResponseException.class, () -> client().performRequest(tripped));
            assertEquals(429, breaking.getResponse().getStatusLine().getStatusCode());
            assertThat(breaking.getMessage(), containsString("relevance_feedback: token blocks of the top 8 hits"));
        } finally {
            put("/_cluster/settings", "{\"transient\":{\"breaker.relevance_feedback.limit\":null}}");
        }
        Request ok = new Request("POST", "/hard_afs/_search");
        ok.setJsonEntity(afs);
        assertEquals(200, client().performRequest(ok).getStatusLine().getStatusCode());
        Map<String, Object> breakers =
                entityAsMap(client().performRequest(new Request("GET", "/_nodes/stats/breaker")));
        for (Object n : ((Map<String, Object>) breakers.get("nodes")).values()) {
            Map<String, Object> rf = (Map<String, Object>)
                    ((Map<String, Object>) ((Map<String, Object>) n).get("breakers")).get("relevance_feedback");
            assertEquals("all released: " + rf, 0, ((Number) rf.get("estimated_size_in_bytes")).longValue());
        }
    }

    private static byte[] png(Color colour, int w, int h) throws IOException {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillOval(4, 4, w - 8, h - 8);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static void put(String path, String body) throws IOException {
        Request request = new Request("PUT", path);
        request.setJsonEntity(body);
        client().performRequest(request);
    }

    private static void bulk(String index, String body) throws IOException {
        Request request = new Request("POST", "/" + index + "/_bulk?refresh=true");
        request.setJsonEntity(body);
        Map<String, Object> response = entityAsMap(client().performRequest(request));
        assertEquals(response.toString(), false, response.get("errors"));
    }

    private static Map<String, Object> search(String index, String body) throws IOException {
        Request request = new Request("POST", "/" + index + "/_search");
        request.setJsonEntity(body);
        return entityAsMap(client().performRequest(request));
    }

    @SuppressWarnings("unchecked")
    private static void assertHits(int expected, String index, String body) throws IOException {
        List<Object> hits =
                (List<Object>) ((Map<String, Object>) search(index, body).get("hits")).get("hits");
        assertEquals(body, expected, hits.size());
    }
}
