package org.opensearch.relevancefeedback.rest;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.opensearch.client.Request;
import org.opensearch.relevancefeedback.EmojiEmbeddings;
import org.opensearch.relevancefeedback.TestVectors;
import org.opensearch.relevancefeedback.inference.TokenCodec;

/**
 * The emoji test split's PNGs (data/cache, from scripts/fetch_corpus.sh) through the {@code rf_encode} ingest
 * pipeline on the real cluster: the plugin's image and caption embeddings equal the Python ones (within 1e-4), and
 * text queries over the ingested index give the Python reference's Hits@1/Hits@5/MRR@5, without feedback, with GRF
 * and with the Attentive Feedback Summarizer (afs, afs_prf; its stored token blocks feed it), whose saliency maps
 * and region boxes are checked through the feedback endpoint.
 */
public class EmojiIngestIT extends RealClusterTestCase {

    private static final String INDEX = "emoji_ingested";
    private static final int K = 10;
    /** Scores closer than this are a tie: ~25x what ONNX Runtime and PyTorch embeddings differ by (4e-7 at worst). */
    private static final double TIE = 1e-5;

    @SuppressWarnings("unchecked")
    public void testIngestedEmbeddingsAndTextQueriesMatchPython() throws IOException {
        List<Map<String, Object>> records = records("test");
        assertEquals(3445, records.size());

        createEmojiIndex(INDEX, "");
        long start = System.nanoTime();
        for (int from = 0; from < records.size(); from += 200) {
            StringBuilder bulk = new StringBuilder();
            for (int i = from; i < Math.min(from + 200, records.size()); i++) {
                Map<String, Object> r = records.get(i);
                String png = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of((String) r.get("path"))));
                bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
                bulk.append("{\"image_b64\":\"")
                        .append(png)
                        .append("\",\"caption_text\":\"")
                        .append(escape(grfCaption(r)))
                        .append("\"}\n");
            }
            if (from == 0) {
                // bad documents fail alone; the rest of the bulk goes in
                bulk.append(
                        "{\"index\":{\"_id\":\"bad-base64\"}}\n{\"image_b64\":\"not base64 !\",\"caption_text\":\"x\"}\n");
                bulk.append(
                        "{\"index\":{\"_id\":\"bad-image\"}}\n{\"image_b64\":\"aGVsbG8=\",\"caption_text\":\"x\"}\n");
                bulk.append("{\"index\":{\"_id\":\"bad-missing\"}}\n{\"caption_text\":\"x\"}\n");
            }
            Request request = new Request("POST", "/" + INDEX + "/_bulk");
            request.setJsonEntity(bulk.toString());
            Map<String, Object> response = entityAsMap(client().performRequest(request));
            for (Object item : (List<Object>) response.get("items")) {
                Map<String, Object> index = (Map<String, Object>) ((Map<String, Object>) item).get("index");
                String id = (String) index.get("_id");
                if (id.startsWith("bad-")) {
                    assertEquals(id, 400, index.get("status"));
                    String expected = switch (id) {
                        case "bad-base64" -> "field [image_b64]: not valid base64";
                        case "bad-image" -> "field [image_b64]: not a decodable PNG or JPEG image";
                        default -> "field [image_b64] is missing";
                    };
                    assertThat(index.get("error").toString(), containsString(expected));
                } else {
                    assertNull(index.toString(), index.get("error"));
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        client().performRequest(new Request("POST", "/" + INDEX + "/_refresh"));
        assertEquals(
                records.size(),
                ((Number) entityAsMap(client().performRequest(new Request("GET", "/" + INDEX + "/_count")))
                                .get("count"))
                        .intValue());
        logger.info(
                "ingested {} images through rf_encode in {} s ({} images/s, 2 nodes, 3 shards)",
                records.size(),
                String.format(Locale.ROOT, "%.1f", seconds),
                String.format(Locale.ROOT, "%.0f", records.size() / seconds));

        // every stored embedding is the Python one (RGBA, gray + alpha and palette PNGs alike)
        float[][] images = EmojiEmbeddings.load("images", records.size());
        float[][] captions = EmojiEmbeddings.load("captions", records.size());
        float[][] queries = EmojiEmbeddings.load("queries", records.size());
        for (int from = 0; from < records.size(); from += 500) {
            StringBuilder ids = new StringBuilder("{\"ids\":[");
            for (int i = from; i < Math.min(from + 500, records.size()); i++) {
                ids.append(i == from ? "" : ",").append('"').append(i).append('"');
            }
            Request mget = new Request("POST", "/" + INDEX + "/_mget");
            mget.setJsonEntity(ids.append("]}").toString());
            for (Object d :
                    (List<Object>) entityAsMap(client().performRequest(mget)).get("docs")) {
                Map<String, Object> doc = (Map<String, Object>) d;
                int i = Integer.parseInt((String) doc.get("_id"));
                Map<String, Object> source = (Map<String, Object>) doc.get("_source");
                assertNull("the base64 image is dropped after encoding", source.get("image_b64"));
                assertClose(
                        "image " + i + " " + records.get(i).get("path"), images[i], (List<Number>) source.get("image"));
                assertClose("caption " + i, captions[i], (List<Number>) source.get("caption"));
                if (i % 500 == 0) {
                    // the AFS token blocks: CLS + 64 patches of 192, and one state per caption token
                    float[][] patches =
                            TokenCodec.decode(Base64.getDecoder().decode((String) source.get("image_tokens")));
                    assertEquals(65, patches.length);
                    assertEquals(192, patches[0].length);
                    assertTrue(
                            TokenCodec.decode(Base64.getDecoder().decode((String) source.get("caption_tokens"))).length
                                    >= 3);
                }
            }
        }

        Map<String, Object> reference = new java.util.HashMap<>(
                (Map<String, Object>) resource("/emoji/ranks.json").get("ranks"));
        reference.putAll((Map<String, Object>) parse(Files.readString(Path.of("models/emoji-clip/afs_eval.json")))
                .get("ranks"));
        // none: every query of the split; GRF / AFS round 1: every 20th; AFS round 3: every 40th
        String[][] runs = {
            {"none", "0", null, "1"},
            {"grf", "1", "{\"strategy\":\"grf\",\"caption_field\":\"caption\"}", "20"},
            {"afs", "1", afs("afs", 1), "20"},
            {"afs_prf", "1", afs("afs_prf", 1), "20"},
            {"afs", "3", afs("afs", 3), "40"}
        };
        for (String[] run : runs) {
            List<Number> expected = (List<Number>) ((Map<String, Object>) reference.get(run[0])).get(run[1]);
            int differing = 0;
            List<Integer> untied = new ArrayList<>();
            int n = 0;
            double[] mine = new double[3];
            double[] theirs = new double[3];
            for (int qi = 0; qi < records.size(); qi += Integer.parseInt(run[3])) {
                int rank = rankOf(qi, textSearch(INDEX, label(records.get(qi)), K, run[2]), K);
                int python = expected.get(qi).intValue();
                if (Math.min(python, K + 1) != rank) {
                    differing++;
                    if (run[2] == null && tiesAnother(queries[qi], images, qi) == false) {
                        untied.add(qi);
                    }
                }
                add(mine, rank);
                add(theirs, python);
                n++;
            }
            String m = String.format(Locale.ROOT, "%.3f/%.3f/%.3f", mine[0] / n, mine[1] / n, mine[2] / n);
            String t = String.format(Locale.ROOT, "%.3f/%.3f/%.3f", theirs[0] / n, theirs[1] / n, theirs[2] / n);
            logger.info(
                    "{} round {} by text over rf_encode vectors: plugin {} python {} ({} of {} top-10 ranks differ)",
                    run[0],
                    run[1],
                    m,
                    t,
                    differing,
                    n);
            // A rank may flip where two images score within float noise of each other (ONNX Runtime vs PyTorch
            // embeddings agree to ~1e-7): without feedback, only at such a tie in PyTorch's own scores (12 flips of
            // 3,445 with the shipped model, 15 with the 5,610-step one, whose top-10 targets tie another image 18
            // times); after feedback the refined query is the plugin's, so a count bounds it (8 of 3,445 with the
            // 1,584-step model).
            assertEquals(run[0] + ": queries whose rank differs without a tie", List.of(), untied);
            assertTrue(
                    run[0] + ": " + differing + " ranks differ", run[2] == null || differing <= Math.max(1, n / 250));
            assertEquals(run[0] + " MRR@5", theirs[2] / n, mine[2] / n, 0.002);
            if (differing == 0) {
                assertEquals(run[0], t, m);
            }
        }
        checkSaliencyAndRegions(label(records.get(7)));
        checkSummarizerInsideOneShard(records);
    }

    /** Whether, for PyTorch's query vector q, another image scores within float noise of image {@code target}. */
    private static boolean tiesAnother(float[] q, float[][] images, int target) {
        double score = TestVectors.cosine(q, images[target]);
        for (int i = 0; i < images.length; i++) {
            if (i != target && Math.abs(TestVectors.cosine(q, images[i]) - score) < TIE) {
                return true;
            }
        }
        return false;
    }

    /**
     * AFS over a search of one shard (here: preference {@code _shards:0}) runs its rounds inside that shard, one search
     * in all: the same hits and scores as the coordinator's rounds over the same shard (size > k takes that route).
     */
    @SuppressWarnings("unchecked")
    private void checkSummarizerInsideOneShard(List<Map<String, Object>> records) throws IOException {
        String rescore = afs("afs", 2);
        rescore = rescore.substring(0, rescore.length() - 1) + ",\"mode\":\"rescore\"}";
        for (String feedback : new String[] {afs("afs", 2), afs("afs_prf", 1), rescore}) {
            for (int qi = 0; qi < records.size(); qi += 700) {
                String what = feedback + " query " + qi;
                String text = escape(label(records.get(qi)));
                Map<String, Object> inShard = shardZeroSearch(text, feedback, K, true);
                List<Object> hits = (List<Object>) ((Map<String, Object>) inShard.get("hits")).get("hits");
                List<Object> coordinated = (List<Object>) ((Map<String, Object>)
                                shardZeroSearch(text, feedback, 2 * K, false).get("hits"))
                        .get("hits");
                assertEquals(what, K, hits.size());
                assertEquals(what, K, coordinated.size());
                for (int i = 0; i < K; i++) {
                    Map<String, Object> a = (Map<String, Object>) hits.get(i);
                    Map<String, Object> b = (Map<String, Object>) coordinated.get(i);
                    assertEquals(what + " hit " + i, b.get("_id"), a.get("_id"));
                    assertEquals(
                            what + " hit " + i,
                            ((Number) b.get("_score")).doubleValue(),
                            ((Number) a.get("_score")).doubleValue(),
                            1e-5);
                }
                String profile = String.valueOf(inShard.get("profile"));
                assertThat(what, profile, containsString("feedback in the shard"));
            }
        }
    }

    private Map<String, Object> shardZeroSearch(String text, String feedback, int size, boolean profile)
            throws IOException {
        Request request = new Request("POST", "/" + INDEX + "/_search?preference=_shards:0");
        request.setJsonEntity("{\"size\":" + size + ",\"profile\":" + profile
                + ",\"_source\":false,\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"" + text
                + "\",\"k\":" + K + ",\"num_candidates\":2000,\"feedback\":" + feedback + "}}}");
        return entityAsMap(client().performRequest(request));
    }

    private static String afs(String strategy, int rounds) {
        return "{\"strategy\":\"" + strategy + "\",\"rounds\":" + rounds + ",\"image_tokens_field\":\"image_tokens\""
                + ("afs".equals(strategy)
                        ? ",\"caption_field\":\"caption\",\"caption_tokens_field\":\"caption_tokens\""
                        : "")
                + "}";
    }

    /**
     * The endpoint's saliency: per feedback hit an 8 x 8 patch grid and per-token caption scores, min-max normalized;
     * a relevant box on a feedback hit lowers its weight in the negative vector, a not-relevant one raises it.
     */
    @SuppressWarnings("unchecked")
    private void checkSaliencyAndRegions(String text) throws IOException {
        List<Map<String, Object>> plain = feedbackHits(text, "");
        assertEquals(5, plain.size());
        for (Map<String, Object> hit : plain) {
            Map<String, Object> saliency = (Map<String, Object>) hit.get("saliency");
            List<List<Number>> patches = (List<List<Number>>) saliency.get("patches");
            assertEquals(8, patches.size());
            double min = 1;
            double max = 0;
            for (List<Number> row : patches) {
                assertEquals(8, row.size());
                for (Number v : row) {
                    min = Math.min(min, v.doubleValue());
                    max = Math.max(max, v.doubleValue());
                }
            }
            assertEquals(0, min, 1e-6);
            assertEquals(1, max, 1e-6);
            List<Number> words = (List<Number>) saliency.get("caption_tokens");
            assertTrue(words.size() >= 3);
            assertEquals(
                    1, words.stream().mapToDouble(Number::doubleValue).max().getAsDouble(), 1e-6);
        }
        String first = (String) plain.get(0).get("_id");
        String second = (String) plain.get(1).get("_id");
        List<Map<String, Object>> boxed = feedbackHits(
                text,
                ",\"regions\":[{\"id\":\"" + first + "\",\"box\":[0.25,0.25,0.5,0.5]},{\"id\":\"" + second
                        + "\",\"box\":[0,0,1,1],\"relevant\":false}]");
        assertTrue("relevant box: less negative", weight(boxed, first) < weight(plain, first));
        assertTrue("not-relevant box: more negative", weight(boxed, second) > weight(plain, second));
        // the rescorer after BM25: the summarizer reads the words in its [text], refines its [vector]
        Request plainQuery = new Request("POST", "/" + INDEX + "/_plugins/relevance_feedback/_search");
        plainQuery.setJsonEntity("{\"size\":1,\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\""
                + escape(text) + "\"}}}");
        List<Number> q = (List<Number>) ((Map<String, Object>)
                        entityAsMap(client().performRequest(plainQuery)).get("relevance_feedback"))
                .get("vector");
        Request rescore = new Request("POST", "/" + INDEX + "/_search");
        rescore.setJsonEntity(
                "{\"size\":5,\"_source\":false,\"query\":{\"match\":{\"caption_text\":\"heart\"}},\"rescore\":{\"window_size\":20,\"relevance_feedback\":"
                        + "{\"field\":\"image\",\"vector\":" + q + ",\"text\":\"" + escape(text) + "\",\"feedback\":"
                        + afs("afs", 1) + "}}}");
        Map<String, Object> rescored = entityAsMap(client().performRequest(rescore));
        assertEquals(5, ((List<?>) ((Map<String, Object>) rescored.get("hits")).get("hits")).size());
        assertBadRequest(
                "POST",
                "/" + INDEX + "/_plugins/relevance_feedback/_search",
                feedbackBody(text, ",\"regions\":[{\"id\":\"not-a-hit\",\"box\":[0,0,1,1]}]"),
                "[feedback.regions] id [not-a-hit] is not one of the top 5 feedback hits");
    }

    private static double weight(List<Map<String, Object>> hits, String id) {
        return hits.stream()
                .filter(h -> id.equals(h.get("_id")))
                .mapToDouble(h -> ((Number) h.get("negative_weight")).doubleValue())
                .findFirst()
                .orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> feedbackHits(String text, String extra) throws IOException {
        Request request = new Request("POST", "/" + INDEX + "/_plugins/relevance_feedback/_search");
        request.setJsonEntity(feedbackBody(text, extra));
        Map<String, Object> feedback = (Map<String, Object>)
                entityAsMap(client().performRequest(request)).get("relevance_feedback");
        return (List<Map<String, Object>>)
                ((List<Map<String, Object>>) feedback.get("rounds")).get(0).get("feedback");
    }

    private static String feedbackBody(String text, String extra) {
        String afs = afs("afs", 1);
        return "{\"size\":" + K
                + ",\"_source\":false,\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"" + escape(text)
                + "\",\"k\":" + K + ",\"num_candidates\":2000,\"feedback\":" + afs.substring(0, afs.length() - 1)
                + ",\"saliency\":true" + extra + "}}}}";
    }

    public void testBadRequests() throws IOException {
        Request create = new Request("PUT", "/no_tokens");
        create.setJsonEntity("{\"mappings\":{\"properties\":{\"image\":{\"type\":\"rf_vector\",\"dimension\":256}}}}");
        client().performRequest(create);
        Request doc = new Request("PUT", "/no_tokens/_doc/1?refresh=true");
        doc.setJsonEntity("{\"image\":" + json(EmojiEmbeddings.load("images", 1)[0]) + "}");
        client().performRequest(doc);
        assertBadRequest(
                "POST",
                "/no_tokens/_search",
                "{\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"red heart\",\"feedback\":"
                        + afs("afs_prf", 1) + "}}}",
                "strategy [afs_prf]: none of the top 5 hits has all of [image, image_tokens] ([field]");
        assertBadRequest(
                "POST",
                "/no_tokens/_search",
                "{\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"vector\":"
                        + json(EmojiEmbeddings.load("images", 1)[0]) + ",\"feedback\":" + afs("afs_prf", 1) + "}}}",
                "strategy [afs_prf]: none of the top 5 hits has all of [image, image_tokens]");
        assertBadRequest(
                "POST",
                "/no_tokens/_search",
                "{\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"a\",\"feedback\":{\"strategy\":\"afs_prf\",\"image_tokens_field\":\"t\","
                        + "\"regions\":[{\"id\":\"1\",\"box\":[0.5,0.5,0.6,0.1]}]}}}}",
                "[feedback.regions][0].box: a box needs 0 <= x, y and 0 < width, height with x + width <= 1 and y + height <= 1, got [0.5, 0.5, 0.6, 0.1]");
        assertBadRequest(
                "POST",
                "/_search",
                "{\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"" + "a".repeat(2001) + "\"}}}",
                "[text] has 2001 characters, more than 2000 (setting [plugins.relevance_feedback.max_text_chars])");
        assertBadRequest(
                "PUT",
                "/_ingest/pipeline/bad",
                "{\"processors\":[{\"rf_encode\":{}}]}",
                "one of [image_field] or [text_field] is required");
        assertBadRequest(
                "PUT",
                "/_ingest/pipeline/bad",
                "{\"processors\":[{\"rf_encode\":{\"image_field\":\"b64\"}}]}",
                "[image_field] and [image_vector_field] go together");
    }

    private static void add(double[] metrics, int rank) {
        metrics[0] += rank == 1 ? 1 : 0;
        metrics[1] += rank <= 5 ? 1 : 0;
        metrics[2] += rank <= 5 ? 1.0 / rank : 0;
    }

    private static void assertClose(String what, float[] expected, List<Number> actual) {
        assertEquals(what, expected.length, actual.size());
        for (int d = 0; d < expected.length; d++) {
            assertEquals(what + " dim " + d, expected[d], actual.get(d).floatValue(), 1e-4f);
        }
    }
}
