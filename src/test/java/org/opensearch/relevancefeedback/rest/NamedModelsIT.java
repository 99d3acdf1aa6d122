package org.opensearch.relevancefeedback.rest;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.opensearch.client.Request;

/**
 * Named models on the real cluster: every node loads the shipped model and the folders scripts/it_models.sh writes
 * (scripts/node.sh --models): "tiny-random" and "clip-b32" (random-weight Hugging Face CLIP checkpoints, tiny and
 * ViT-B/32 shape, converted by scripts/convert_clip.sh) and "broken" (no ONNX files).
 */
public class NamedModelsIT extends RealClusterTestCase {

    private static final int DOCS = 12;

    @SuppressWarnings("unchecked")
    public void testEveryModelFolderIsListedAndABadOneStopsNoOther() throws IOException {
        List<Map<String, Object>> models = (List<Map<String, Object>>)
                entityAsMap(client().performRequest(new Request("GET", "/_plugins/relevance_feedback/models")))
                        .get("models");
        assertEquals(
                List.of("emoji-clip", "broken", "clip-b32", "tiny-random"),
                models.stream().map(m -> m.get("name")).toList());
        assertEquals(true, models.get(0).get("default"));
        assertEquals(true, models.get(0).get("feedback_summarizer"));
        assertEquals(false, models.get(1).get("loaded"));
        assertThat((String) models.get(1).get("error"), containsString("lacks [text_model.onnx]"));
        Map<String, Object> b32 = models.get(2);
        assertEquals(true, b32.get("loaded"));
        assertEquals(false, b32.get("default"));
        assertEquals(512, b32.get("dimension"));
        assertEquals(224, b32.get("image_size"));
        assertEquals(true, b32.get("feedback_summarizer"));
        assertEquals(32, models.get(3).get("dimension"));
    }

    /** Two indices, each bound to its own model: a query by text or image on either finds the right document. */
    public void testTwoModelsEachUsedByItsOwnIndex() throws IOException {
        List<Map<String, Object>> records = records("test").subList(0, DOCS);
        createBoundIndex("tiny_idx", "tiny-random", 32, records);
        createBoundIndex("emoji_idx", null, 256, records);
        for (String index : List.of("tiny_idx", "emoji_idx")) {
            for (int i : new int[] {0, 5, 11}) {
                // no [model] in the query: tiny_idx's fields are bound to tiny-random, emoji_idx's to none (the
                // default)
                assertEquals(
                        index + " text " + i,
                        1,
                        rankOf(
                                i,
                                search(index, "caption", "\"text\":\"" + escape(label(records.get(i))) + "\""),
                                DOCS));
                assertEquals(
                        index + " image " + i,
                        1,
                        rankOf(i, search(index, "image", "\"image\":\"" + png(records.get(i)) + "\""), DOCS));
            }
        }
        String text = "\"text\":\"red heart\"";
        assertBadRequest(
                "POST",
                "/tiny_idx/_search",
                query("caption", text + ",\"model\":\"emoji-clip\""),
                "[model] [emoji-clip] is not the model field [caption] is bound to: {tiny_idx=tiny-random}");
        assertBadRequest(
                "POST",
                "/emoji_idx/_search",
                query("caption", text + ",\"model\":\"nope\""),
                "[model] [nope] is not a model on this node; models: [emoji-clip, broken, clip-b32, tiny-random]");
        assertBadRequest(
                "POST",
                "/emoji_idx/_search",
                query("caption", text + ",\"model\":\"broken\""),
                "model [broken] did not load on this node");
        assertBadRequest(
                "POST",
                "/emoji_idx/_search",
                query("caption", text + ",\"model\":\"tiny-random\""),
                "vector has [32] dimensions but field [caption] has dimension [256]");

        // a field bound to a model must have its dimension and name a model of the node; so must a pipeline
        assertBadRequest(
                "PUT",
                "/wrong_dim",
                mapping("emoji-clip", 32),
                "field [image] has [dimension] [32] but its [model] [emoji-clip] encodes to [256] dimensions");
        assertBadRequest("PUT", "/unknown_model", mapping("nope", 32), "[model] [nope] is not a model on this node");
        assertBadRequest(
                "PUT",
                "/_ingest/pipeline/unknown_model",
                "{\"processors\":[{\"rf_encode\":{\"model\":\"nope\",\"text_field\":\"t\",\"text_vector_field\":\"v\"}}]}",
                "[model] [nope] is not a model on this node");
    }

    /** Two indices whose fields are bound to different models of the same dimension cannot be searched by one vector. */
    public void testOneQueryOverIndicesBoundToDifferentModelsIsRefused() throws IOException {
        for (String[] index : new String[][] {{"bound_a", "emoji-clip"}, {"bound_b", "clip-b32"}}) {
            Request create = new Request("PUT", "/" + index[0]);
            create.setJsonEntity(mapping(index[1], index[1].equals("emoji-clip") ? 256 : 512));
            client().performRequest(create);
        }
        assertBadRequest(
                "POST",
                "/bound_a,bound_b/_search",
                query("image", "\"text\":\"red heart\""),
                "field [image] is bound to different models in the searched indices: {bound_a=emoji-clip, bound_b=clip-b32}");
    }

    /**
     * The converted ViT-B/32-shape model (224 px, 512-d) answers text and image queries on an index bound to it, and
     * its summarizer (random weights at B/32 widths: text tokens 512, image tokens 768) runs AFS over the stored blocks.
     */
    @SuppressWarnings("unchecked")
    public void testConvertedB32ShapeModelAnswersTextAndImageQueries() throws IOException {
        List<Map<String, Object>> records = records("test").subList(0, DOCS);
        createBoundIndex("b32_idx", "clip-b32", 512, records);
        for (int i : new int[] {2, 7}) {
            assertEquals(
                    "text " + i,
                    1,
                    rankOf(
                            i,
                            search("b32_idx", "caption", "\"text\":\"" + escape(label(records.get(i))) + "\""),
                            DOCS));
            assertEquals(
                    "image " + i,
                    1,
                    rankOf(i, search("b32_idx", "image", "\"image\":\"" + png(records.get(i)) + "\""), DOCS));
        }
        Request afs = new Request("POST", "/b32_idx/_plugins/relevance_feedback/_search");
        afs.setJsonEntity(
                "{\"size\":5,\"_source\":false,\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"red heart\",\"k\":5,"
                        + "\"feedback\":{\"strategy\":\"afs\",\"top_k\":5,\"caption_field\":\"caption\",\"image_tokens_field\":\"image_tokens\","
                        + "\"caption_tokens_field\":\"caption_tokens\",\"saliency\":true}}}}");
        Map<String, Object> feedback =
                (Map<String, Object>) entityAsMap(client().performRequest(afs)).get("relevance_feedback");
        assertEquals(List.of(), feedback.get("warnings"));
        List<Object> round =
                (List<Object>) ((Map<String, Object>) ((List<Object>) feedback.get("rounds")).get(0)).get("feedback");
        List<Map<String, Object>> saliency = round.stream()
                .map(w -> (Map<String, Object>) ((Map<String, Object>) w).get("saliency"))
                .filter(java.util.Objects::nonNull)
                .toList();
        assertEquals(round.toString(), 5, saliency.size()); // one per feedback hit
        for (Map<String, Object> map : saliency) {
            assertEquals("7 x 7 patches of 32 px", 7, ((List<Object>) map.get("patches")).size());
            assertTrue("start, words, end", ((List<Object>) map.get("caption_tokens")).size() >= 3);
        }
        assertEquals(512, ((List<Object>) feedback.get("vector")).size());
        Request tokenize = new Request("POST", "/_plugins/relevance_feedback/_tokenize");
        tokenize.setJsonEntity("{\"text\":\"red heart\",\"model\":\"clip-b32\"}");
        assertEquals(
                List.of(List.of("<|startoftext|>", "red</w>", "heart</w>", "<|endoftext|>")),
                entityAsMap(client().performRequest(tokenize)).get("tokens"));
    }

    /**
     * An index whose image and caption vectors come from {@code model} (null: the default) through its own rf_encode
     * pipeline, with the first records of the test split as documents 0..n-1.
     */
    private static void createBoundIndex(String index, String model, int dimension, List<Map<String, Object>> records)
            throws IOException {
        String modelParam = model == null ? "" : "\"model\":\"" + model + "\",";
        Request pipeline = new Request("PUT", "/_ingest/pipeline/" + index + "_encode");
        pipeline.setJsonEntity("{\"processors\":[{\"rf_encode\":{" + modelParam
                + "\"image_field\":\"image_b64\",\"image_vector_field\":\"image\","
                + "\"text_field\":\"caption_text\",\"text_vector_field\":\"caption\",\"image_tokens_field\":\"image_tokens\","
                + "\"text_tokens_field\":\"caption_tokens\"}}]}");
        client().performRequest(pipeline);
        String field = "{\"type\":\"rf_vector\",\"dimension\":" + dimension
                + (model == null ? "" : ",\"model\":\"" + model + "\"") + "}";
        Request create = new Request("PUT", "/" + index);
        create.setJsonEntity("{\"settings\":{\"number_of_shards\":2,\"number_of_replicas\":0,\"default_pipeline\":\""
                + index + "_encode\"},"
                + "\"mappings\":{\"properties\":{\"image\":" + field + ",\"caption\":" + field
                + ",\"image_tokens\":{\"type\":\"rf_tokens\"},\"caption_tokens\":{\"type\":\"rf_tokens\"}}}}");
        client().performRequest(create);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < records.size(); i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
            bulk.append("{\"image_b64\":\"")
                    .append(png(records.get(i)))
                    .append("\",\"caption_text\":\"")
                    .append(escape(label(records.get(i))))
                    .append("\"}\n");
        }
        Request request = new Request("POST", "/" + index + "/_bulk?refresh=true");
        request.setJsonEntity(bulk.toString());
        Map<String, Object> response = entityAsMap(client().performRequest(request));
        assertEquals(response.toString(), false, response.get("errors"));
    }

    private static Map<String, Object> search(String index, String field, String input) throws IOException {
        Request request = new Request("POST", "/" + index + "/_search");
        request.setJsonEntity(query(field, input));
        return entityAsMap(client().performRequest(request));
    }

    private static String query(String field, String input) {
        return "{\"size\":" + DOCS + ",\"_source\":false,\"query\":{\"relevance_feedback\":{\"field\":\"" + field
                + "\"," + input + ",\"k\":" + DOCS + "}}}";
    }

    private static String mapping(String model, int dimension) {
        return "{\"mappings\":{\"properties\":{\"image\":{\"type\":\"rf_vector\",\"dimension\":" + dimension
                + ",\"model\":\"" + model + "\"}}}}";
    }

    private static String png(Map<String, Object> record) throws IOException {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of((String) record.get("path"))));
    }
}
