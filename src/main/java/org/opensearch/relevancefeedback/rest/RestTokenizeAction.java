package org.opensearch.relevancefeedback.rest;

import static org.opensearch.rest.RestRequest.Method.GET;
import static org.opensearch.rest.RestRequest.Method.POST;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.relevancefeedback.inference.ClipTokenizer;
import org.opensearch.relevancefeedback.inference.ModelService;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.client.node.NodeClient;

/**
 * {@code POST /_plugins/relevance_feedback/_tokenize {"text": ["red heart"]}}: the model's BPE tokens of each text,
 * start and end tokens included, so that a client can put the summarizer's per-token {@code saliency.caption_tokens}
 * scores on the caption's words (the analogue of {@code _analyze} for the model's tokenizer).
 */
public final class RestTokenizeAction extends BaseRestHandler {

    private final Supplier<ModelService> models;

    public RestTokenizeAction(Supplier<ModelService> models) {
        this.models = models;
    }

    @Override
    public String getName() {
        return "relevance_feedback_tokenize";
    }

    @Override
    public List<Route> routes() {
        return List.of(
                new Route(GET, "/_plugins/relevance_feedback/_tokenize"),
                new Route(POST, "/_plugins/relevance_feedback/_tokenize"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        if (request.hasContentOrSourceParam() == false) {
            throw new IllegalArgumentException("a request body with [text] is required");
        }
        Map<String, Object> body;
        try (XContentParser parser = request.contentOrSourceParamParser()) {
            body = parser.map();
        }
        for (String key : body.keySet()) {
            if (key.equals("text") == false && key.equals("model") == false) {
                throw new IllegalArgumentException("unknown parameter [" + key + "], expected [text] or [model]");
            }
        }
        if (body.get("model") != null && body.get("model") instanceof String == false) {
            throw new IllegalArgumentException("[model] must be a string, got [" + body.get("model") + "]");
        }
        ModelService service = models.get();
        if (service == null) {
            throw new IllegalArgumentException("[_tokenize] needs the models, which are not set up on this node");
        }
        ClipTokenizer tokenizer = service.tokenizer((String) body.get("model"));
        List<String> texts = texts(body.get("text"), service.limits());
        List<String[]> tokens = new ArrayList<>(texts.size());
        for (String t : texts) {
            tokens.add(tokenizer.tokens(t));
        }
        return channel -> {
            XContentBuilder builder = channel.newBuilder();
            builder.startObject().startArray("tokens");
            for (String[] t : tokens) {
                builder.value(t);
            }
            builder.endArray().endObject();
            channel.sendResponse(new BytesRestResponse(RestStatus.OK, builder));
        };
    }

    /** [text] as a list: one string or an array of strings, within the node's text limits. */
    static List<String> texts(Object text, RelevanceFeedbackSettings.FeedbackLimits limits) {
        List<?> values = text instanceof List<?> list ? list : text == null ? List.of() : List.of(text);
        if (values.isEmpty()) {
            throw new IllegalArgumentException("[text] is required: a string or an array of strings");
        }
        if (values.size() > limits.maxWindow()) {
            throw new IllegalArgumentException("[text] has " + values.size() + " items, more than " + limits.maxWindow()
                    + " (setting [" + RelevanceFeedbackSettings.MAX_FEEDBACK_WINDOW.getKey() + "])");
        }
        List<String> texts = new ArrayList<>(values.size());
        for (Object v : values) {
            if (v instanceof String == false) {
                throw new IllegalArgumentException("[text] must be a string or an array of strings, got [" + v + "]");
            }
            limits.checkTextLength((String) v);
            texts.add((String) v);
        }
        return texts;
    }
}
