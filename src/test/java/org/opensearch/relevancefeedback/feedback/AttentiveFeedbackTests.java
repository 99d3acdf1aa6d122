package org.opensearch.relevancefeedback.feedback;

import static org.hamcrest.Matchers.containsString;

import java.util.List;
import org.opensearch.test.OpenSearchTestCase;

/** Eq. 6-8, saliency and region bias on cases small enough to compute by hand. */
public class AttentiveFeedbackTests extends OpenSearchTestCase {

    private static final Rocchio.Params PARAMS = new Rocchio.Params(0.8, 0.1, 0.1, 0.1);
    private static final float[] Q = {1, 0};
    private static final float[] POSITIVE = {0, 1};
    private static final float[][] IMAGES = {{1, 0}, {0, 1}};
    /** CLS then two patches; mean attention 0.3 and 0.1: the second image is the less attended one. */
    private static final float[][] IMAGE_ATTENTION = {{0.2f, 0.4f, 0.3f}, {0.1f, 0.05f, 0.15f}};

    public void testImagesOnly() {
        AttentiveFeedback.Round r = AttentiveFeedback.refine(Q, POSITIVE, IMAGE_ATTENTION, IMAGES, null, null, PARAMS);
        // w- = softmax(-[0.3, 0.1] / 0.1) = [e^-3, e^-1] / (e^-3 + e^-1)
        double w0 = Math.exp(-3) / (Math.exp(-3) + Math.exp(-1));
        double w1 = 1 - w0;
        assertEquals(w0, r.negativeWeights()[0], 1e-6);
        assertEquals(w1, r.negativeWeights()[1], 1e-6);
        // n = unit(w0 * e1 + w1 * e2); q' = unit(0.8 q + 0.1 p - 0.1 n)
        double norm = Math.hypot(w0, w1);
        double x = 0.8 - 0.1 * w0 / norm;
        double y = 0.1 - 0.1 * w1 / norm;
        assertEquals(x / Math.hypot(x, y), r.vector()[0], 1e-6);
        assertEquals(y / Math.hypot(x, y), r.vector()[1], 1e-6);
        // shares of all attention: 0.9 and 0.3 of 1.2
        assertEquals(0.75, r.positiveShares()[0], 1e-6);
        assertEquals(0.25, r.positiveShares()[1], 1e-6);
        // saliency: the patches (CLS left out), min-max per image
        assertArrayEquals(new float[] {1, 0}, r.patchSaliency()[0], 1e-6f);
        assertArrayEquals(new float[] {0, 1}, r.patchSaliency()[1], 1e-6f);
        assertNull(r.captionSaliency());
    }

    public void testWithCaptions() {
        float[][] captions = {{0, 1}, {1, 0}};
        float[][] captionAttention = {{0.5f, 0.5f}, {0.2f, 0.4f, 0.0f}}; // means 0.5 and 0.2
        AttentiveFeedback.Round r =
                AttentiveFeedback.refine(Q, POSITIVE, IMAGE_ATTENTION, IMAGES, captionAttention, captions, PARAMS);
        double i0 = Math.exp(-3) / (Math.exp(-3) + Math.exp(-1));
        double c0 = Math.exp(-5) / (Math.exp(-5) + Math.exp(-2));
        // n = unit((images part + captions part) / 2)
        double nx = (i0 + (1 - c0)) / 2;
        double ny = ((1 - i0) + c0) / 2;
        double norm = Math.hypot(nx, ny);
        double x = 0.8 - 0.1 * nx / norm;
        double y = 0.1 - 0.1 * ny / norm;
        assertEquals(x / Math.hypot(x, y), r.vector()[0], 1e-6);
        assertEquals(y / Math.hypot(x, y), r.vector()[1], 1e-6);
        assertEquals((i0 + c0) / 2, r.negativeWeights()[0], 1e-6);
        assertEquals(1.9 / 2.8, r.positiveShares()[0], 1e-6); // (0.9 + 1.0) of (0.9 + 1.0 + 0.3 + 0.6)
        assertArrayEquals(new float[] {0, 0}, r.captionSaliency()[0], 0f); // flat attention: no salient word
        assertArrayEquals(new float[] {0.5f, 1, 0}, r.captionSaliency()[1], 1e-6f);
    }

    public void testRegionBias() {
        // CLS + a 2 x 2 grid; patch centres at 0.25 / 0.75
        float[] bias = AttentiveFeedback.regionBias(
                5,
                List.of(
                        new AttentiveFeedback.Box(0, 0, 0.5, 0.5, true),
                        new AttentiveFeedback.Box(0.5, 0, 0.5, 1, false)),
                2.0);
        float ln2 = (float) Math.log(2);
        assertArrayEquals(new float[] {0, ln2, -ln2, 0, -ln2}, bias, 1e-7f);
        assertArrayEquals(new float[5], AttentiveFeedback.regionBias(5, List.of(), 3.0), 0f);
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> AttentiveFeedback.regionBias(6, List.of(), 2.0))
                        .getMessage(),
                containsString("not CLS + a square patch grid"));
    }

    public void testBoxLimits() {
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> new AttentiveFeedback.Box(0.6, 0, 0.5, 0.5, true))
                        .getMessage(),
                containsString("x + width <= 1"));
        expectThrows(IllegalArgumentException.class, () -> new AttentiveFeedback.Box(0, 0, 0, 0.5, true));
        expectThrows(IllegalArgumentException.class, () -> new AttentiveFeedback.Box(0, -0.1, 0.5, 0.5, true));
        expectThrows(IllegalArgumentException.class, () -> new AttentiveFeedback.Box(Double.NaN, 0, 0.5, 0.5, true));
        new AttentiveFeedback.Box(0, 0, 1, 1, false); // the whole image is fine
    }
}
