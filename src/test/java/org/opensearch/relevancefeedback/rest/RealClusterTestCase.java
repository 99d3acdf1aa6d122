package org.opensearch.relevancefeedback.rest;

import org.opensearch.client.Request;
import org.opensearch.client.ResponseException;
import org.opensearch.test.rest.OpenSearchRestTestCase;

import java.io.IOException;

import static org.hamcrest.Matchers.containsString;

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

    /** A vector as a JSON array; Float.toString round-trips every float exactly. */
    protected static String json(float[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(v[i]);
        }
        return sb.append(']').toString();
    }
}
