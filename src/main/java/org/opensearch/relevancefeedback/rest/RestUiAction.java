package org.opensearch.relevancefeedback.rest;

import static org.opensearch.rest.RestRequest.Method.GET;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.client.node.NodeClient;

/**
 * {@code GET /_plugins/relevance_feedback/ui/}: the web UI, three static files packed in the plugin jar (no CDN,
 * no build step). The page calls the plugin's REST API on the same origin. Turned off by
 * {@code plugins.relevance_feedback.ui.enabled: false} (the routes are then not registered).
 */
public final class RestUiAction extends BaseRestHandler {

    /**
     * Scripts and styles only from these files (no inline code, no eval), requests only to this node, images also
     * from data: URLs (base64 thumbnails) and http(s) (thumbnail fields holding URLs: an image cannot run code).
     */
    static final String CSP =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; "
                    + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final String BASE = "/_plugins/relevance_feedback/ui";

    private static final Map<String, String> TYPES = Map.of(
            "index.html",
            "text/html; charset=UTF-8",
            "app.js",
            "text/javascript; charset=UTF-8",
            "style.css",
            "text/css; charset=UTF-8");

    /** Each file's bytes, read from the jar once, when the node registers the handler. */
    private final Map<String, byte[]> files =
            TYPES.keySet().stream().collect(Collectors.toUnmodifiableMap(name -> name, RestUiAction::read));

    private static byte[] read(String name) {
        try (InputStream in = RestUiAction.class.getResourceAsStream("/ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the plugin jar lacks /ui/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String getName() {
        return "relevance_feedback_ui";
    }

    @Override
    public List<Route> routes() {
        // the trie treats "ui" and "ui/" as one path
        return List.of(new Route(GET, BASE), new Route(GET, BASE + "/{file}"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        String name = request.param("file", "index.html");
        // The page's own parameters (deep links such as ?index=emoji&q=red%20heart) are read by its script.
        request.params().keySet().forEach(request::param);
        return channel -> {
            byte[] body = files.get(name);
            BytesRestResponse response = body == null
                    ? new BytesRestResponse(
                            RestStatus.NOT_FOUND, "text/plain; charset=UTF-8", "no UI file [" + name + "]")
                    : new BytesRestResponse(RestStatus.OK, TYPES.get(name), body);
            response.addHeader("Content-Security-Policy", CSP);
            response.addHeader("X-Content-Type-Options", "nosniff");
            response.addHeader("Referrer-Policy", "no-referrer");
            response.addHeader("Cache-Control", "no-cache");
            channel.sendResponse(response);
        };
    }
}
