package org.opensearch.relevancefeedback.rest;

import static org.opensearch.rest.RestRequest.Method.GET;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.relevancefeedback.inference.ModelService;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.client.node.NodeClient;

/**
 * {@code GET /_plugins/relevance_feedback/models}: this node's models (the shipped one and each config folder): name,
 * whether it is the default, dimension, image size, device, whether it has a summarizer, or why it did not load.
 */
public final class RestModelsAction extends BaseRestHandler {

    private final Supplier<ModelService> models;

    public RestModelsAction(Supplier<ModelService> models) {
        this.models = models;
    }

    @Override
    public String getName() {
        return "relevance_feedback_models";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, "/_plugins/relevance_feedback/models"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        return channel -> {
            XContentBuilder builder = channel.newBuilder();
            builder.startObject().startArray("models");
            if (models.get() != null) {
                for (Map<String, Object> model : models.get().info()) {
                    builder.map(model);
                }
            }
            builder.endArray().endObject();
            channel.sendResponse(new BytesRestResponse(RestStatus.OK, builder));
        };
    }
}
