package org.opensearch.relevancefeedback.feedback;

import java.util.Arrays;

/**
 * The weights one hit received in one feedback round; with the summarizer and {@code saliency}, also its patch grid
 * (row-major, min-max normalized) and its caption tokens' scores, else null.
 */
public record HitWeight(String index, String id, double positive, double negative, float[] patches, float[] caption) {
    public HitWeight(String index, String id, double positive, double negative) {
        this(index, id, positive, negative, null, null);
    }

    /** The saliency as one line for explain output. */
    public String saliencyText() {
        return "patches " + Arrays.toString(patches)
                + (caption == null ? "" : ", caption tokens " + Arrays.toString(caption));
    }
}
