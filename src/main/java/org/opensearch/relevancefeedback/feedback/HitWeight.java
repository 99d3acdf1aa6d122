package org.opensearch.relevancefeedback.feedback;

import java.util.Arrays;

/**
 * The weights one hit received in one feedback round; with the summarizer and {@code saliency}, also its patch grid
 * (row-major, min-max normalized) and its caption tokens' scores, else null. The hit is its
 * {@link FeedbackLoop.Hit#reference()}: rounds inside a shard never report their weights, and there an id costs a
 * stored-fields read (~0.04 ms), so it is read only when asked.
 */
public record HitWeight(FeedbackLoop.Hit hit, double positive, double negative, float[] patches, float[] caption) {
    public HitWeight(FeedbackLoop.Hit hit, double positive, double negative, float[] patches, float[] caption) {
        this.hit = hit.reference();
        this.positive = positive;
        this.negative = negative;
        this.patches = patches;
        this.caption = caption;
    }

    public HitWeight(FeedbackLoop.Hit hit, double positive, double negative) {
        this(hit, positive, negative, null, null);
    }

    public String index() {
        return hit.index();
    }

    public String id() {
        return hit.id();
    }

    /** The saliency as one line for explain output. */
    public String saliencyText() {
        return "patches " + Arrays.toString(patches)
                + (caption == null ? "" : ", caption tokens " + Arrays.toString(caption));
    }
}
