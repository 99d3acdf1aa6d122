package org.opensearch.relevancefeedback.rest;

import static org.opensearch.rest.RestRequest.Method.GET;
import static org.opensearch.rest.RestRequest.Method.POST;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.common.logging.HeaderWarning;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.Strings;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.relevancefeedback.feedback.HitWeight;
import org.opensearch.relevancefeedback.query.FeedbackSearch;
import org.opensearch.relevancefeedback.query.RelevanceFeedbackQueryBuilder;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestChannel;
import org.opensearch.rest.RestRequest;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.transport.client.node.NodeClient;

/**
 * {@code POST /{index}/_plugins/relevance_feedback/_search}: a search whose query is a top-level
 * {@code relevance_feedback} query; the response is the ordinary search response plus a
 * {@code relevance_feedback} section with the refined vector and the weight each feedback hit received per round.
 * A client loop passes that vector back as {@code vector}, with new {@code relevant} / {@code non_relevant} ids.
 */
public final class RestRelevanceFeedbackSearchAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "relevance_feedback_search";
    }

    @Override
    public List<Route> routes() {
        return List.of(
                new Route(GET, "/_plugins/relevance_feedback/_search"),
                new Route(POST, "/_plugins/relevance_feedback/_search"),
                new Route(GET, "/{index}/_plugins/relevance_feedback/_search"),
                new Route(POST, "/{index}/_plugins/relevance_feedback/_search"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        if (request.hasContentOrSourceParam() == false) {
            throw new IllegalArgumentException("a request body with a [relevance_feedback] query is required");
        }
        SearchSourceBuilder source;
        try (XContentParser parser = request.contentOrSourceParamParser()) {
            source = SearchSourceBuilder.fromXContent(parser);
        }
        if (source.query() instanceof RelevanceFeedbackQueryBuilder == false) {
            throw new IllegalArgumentException("[query] must be a top-level [relevance_feedback] query");
        }
        RelevanceFeedbackQueryBuilder query = (RelevanceFeedbackQueryBuilder) source.query();
        SearchRequest search = new SearchRequest(Strings.splitStringByCommaToArray(request.param("index")))
                .source(source)
                .routing(request.param("routing"))
                .preference(request.param("preference"));
        boolean explain = Boolean.TRUE.equals(source.explain());
        return channel -> query.search(
                client,
                search,
                ActionListener.wrap(
                        result -> {
                            result.warnings().forEach(HeaderWarning::addWarning);
                            SearchRequest last = new SearchRequest(search.indices())
                                    .source(source.shallowCopy().query(query.finalHits(result, explain)))
                                    .routing(search.routing())
                                    .preference(search.preference());
                            client.search(
                                    last,
                                    ActionListener.wrap(
                                            response -> {
                                                XContentBuilder builder = channel.newBuilder();
                                                builder.startObject();
                                                response.innerToXContent(builder, request);
                                                writeFeedback(builder, result);
                                                builder.endObject();
                                                channel.sendResponse(new BytesRestResponse(response.status(), builder));
                                            },
                                            e -> sendFailure(channel, e)));
                        },
                        e -> sendFailure(channel, e)));
    }

    private static void sendFailure(RestChannel channel, Exception e) {
        try {
            channel.sendResponse(new BytesRestResponse(channel, e));
        } catch (IOException inner) {
            inner.addSuppressed(e);
            throw new UncheckedIOException(inner);
        }
    }

    /** The summarizer's saliency: the patch grid as rows (a UI draws it as a heat map) and the caption tokens' scores. */
    private static void writeSaliency(XContentBuilder builder, HitWeight w) throws IOException {
        int grid = (int) Math.round(Math.sqrt(w.patches().length));
        builder.startObject("saliency").startArray("patches");
        for (int r = 0; r < grid; r++) {
            builder.startArray();
            for (int c = 0; c < grid; c++) {
                builder.value(w.patches()[r * grid + c]);
            }
            builder.endArray();
        }
        builder.endArray();
        if (w.caption() != null) {
            builder.array("caption_tokens", w.caption());
        }
        builder.endObject();
    }

    private static void writeFeedback(XContentBuilder builder, FeedbackSearch.Result result) throws IOException {
        builder.startObject("relevance_feedback");
        builder.array("vector", result.vector());
        builder.startArray("rounds");
        for (int r = 0; r < result.rounds().size(); r++) {
            builder.startObject().field("round", r + 1).startArray("feedback");
            for (HitWeight w : result.rounds().get(r)) {
                builder.startObject()
                        .field("_index", w.index())
                        .field("_id", w.id())
                        .field("positive_weight", w.positive())
                        .field("negative_weight", w.negative());
                if (w.patches() != null) {
                    writeSaliency(builder, w);
                }
                builder.endObject();
            }
            builder.endArray().endObject();
        }
        builder.endArray();
        builder.field("warnings", result.warnings());
        builder.startObject("took");
        builder.field("encode_ms", result.encodeNanos() / 1e6);
        builder.field("passes_ms", result.passNanos().stream().map(n -> n / 1e6).toList());
        builder.field("feedback_ms", result.feedbackNanos() / 1e6);
        builder.endObject();
        builder.endObject();
    }
}
