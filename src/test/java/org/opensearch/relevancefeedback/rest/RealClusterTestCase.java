package org.opensearch.relevancefeedback.rest;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.opensearch.client.Request;
import org.opensearch.client.ResponseException;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.test.rest.OpenSearchRestTestCase;

/** Shared helpers of the tests against the real cluster that scripts/node.sh starts for the IT phase. */
public abstract class RealClusterTestCase extends OpenSearchRestTestCase {

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return false;
    }

    /** The request fails with HTTP 400 and a message containing {@code expected}. */
    protected void assertBadRequest(String method, String path, String body, String expected) throws IOException {
        Request request = new Request(method, path);
        request.setJsonEntity(body);
        ResponseException e = expectThrows(ResponseException.class, () -> client().performRequest(request));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertThat(e.getMessage(), containsString(expected));
    }

    /** 1-based rank of document {@code target} among a search response's hits; k + 1 when it is not among them. */
    @SuppressWarnings("unchecked")
    protected static int rankOf(int target, Map<String, Object> response, int k) {
        List<Object> hits = (List<Object>) ((Map<String, Object>) response.get("hits")).get("hits");
        for (int i = 0; i < hits.size(); i++) {
            if (Integer.toString(target).equals(((Map<String, Object>) hits.get(i)).get("_id"))) {
                return i + 1;
            }
        }
        return k + 1;
    }

    /**
     * A query by text (encoded by the plugin) for the top {@code k} of the {@code image} field of {@code index},
     * num_candidates 2000, ids only; {@code feedback} is a JSON feedback object or null.
     */
    protected static Map<String, Object> textSearch(String index, String text, int k, String feedback)
            throws IOException {
        Request request = new Request("POST", "/" + index + "/_search");
        request.setJsonEntity("{\"size\":" + k
                + ",\"_source\":false,\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"text\":\"" + escape(text)
                + "\",\"k\":" + k + ",\"num_candidates\":2000" + (feedback == null ? "" : ",\"feedback\":" + feedback)
                + "}}}");
        return entityAsMap(client().performRequest(request));
    }

    /** A JSON test resource (e.g. /emoji/ranks.json) as a map. */
    protected static Map<String, Object> resource(String path) throws IOException {
        try (InputStream in = RealClusterTestCase.class.getResourceAsStream(path);
                XContentParser parser = JsonXContent.jsonXContent.createParser(
                        NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, in)) {
            return parser.map();
        }
    }

    /** A string as the inside of a JSON string literal. */
    protected static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** A vector as a JSON array; Float.toString round-trips every float exactly. */
    protected static String json(float[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(v[i]);
        }
        return sb.append(']').toString();
    }

    /**
     * The ingest pipeline {@code emoji_encode} (rf_encode: {@code image_b64} -> {@code image} vector + {@code image_tokens},
     * {@code caption_text} -> {@code caption} vector + {@code caption_tokens}) and a 3-shard index that uses it, with
     * {@code extraProperties} (JSON members, each after a comma) added to its mapping.
     */
    protected static void createEmojiIndex(String index, String extraProperties) throws IOException {
        Request pipeline = new Request("PUT", "/_ingest/pipeline/emoji_encode");
        pipeline.setJsonEntity(
                "{\"processors\":[{\"rf_encode\":{\"image_field\":\"image_b64\",\"image_vector_field\":\"image\","
                        + "\"text_field\":\"caption_text\",\"text_vector_field\":\"caption\",\"image_tokens_field\":\"image_tokens\","
                        + "\"text_tokens_field\":\"caption_tokens\",\"batch_size\":32}}]}");
        client().performRequest(pipeline);
        Request create = new Request("PUT", "/" + index);
        create.setJsonEntity(
                "{\"settings\":{\"number_of_shards\":3,\"number_of_replicas\":0,\"default_pipeline\":\"emoji_encode\"},\"mappings\":{\"properties\":{"
                        + "\"image\":{\"type\":\"rf_vector\",\"dimension\":256},\"caption\":{\"type\":\"rf_vector\",\"dimension\":256},"
                        + "\"caption_text\":{\"type\":\"text\"},\"image_tokens\":{\"type\":\"rf_tokens\"},\"caption_tokens\":{\"type\":\"rf_tokens\"}"
                        + extraProperties
                        + "}}}");
        client().performRequest(create);
    }

    /** The emoji corpus manifest's records of one split (scripts/fetch_corpus.sh writes it), in file order. */
    protected static List<Map<String, Object>> records(String split) throws IOException {
        Path manifest = Path.of("data/manifest.jsonl");
        assertTrue("run scripts/fetch_corpus.sh first (scripts/test.sh does)", Files.exists(manifest));
        List<Map<String, Object>> records = new ArrayList<>();
        for (String line : Files.readAllLines(manifest)) {
            Map<String, Object> r = parse(line);
            if (split.equals(r.get("split"))) {
                records.add(r);
            }
        }
        return records;
    }

    @SuppressWarnings("unchecked")
    protected static String caption(Map<String, Object> record, String... kinds) {
        for (String kind : kinds) {
            for (Object c : (List<Object>) record.get("captions")) {
                Map<String, Object> caption = (Map<String, Object>) c;
                if (kind.equals(caption.get("type"))) {
                    return (String) caption.get("text");
                }
            }
        }
        throw new AssertionError("no caption of " + List.of(kinds));
    }

    /** The query caption of tools/eval/evaluate.py. */
    protected static String label(Map<String, Object> record) {
        return caption(record, "label", "name");
    }

    /** The GRF caption of tools/eval/evaluate.py. */
    protected static String grfCaption(Map<String, Object> record) {
        return caption(record, "tags", "name", "short_name", "category");
    }

    protected static Map<String, Object> parse(String json) throws IOException {
        try (XContentParser p = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, json)) {
            return p.map();
        }
    }
}
