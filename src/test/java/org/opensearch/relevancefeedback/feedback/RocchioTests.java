package org.opensearch.relevancefeedback.feedback;

import org.apache.lucene.tests.util.LuceneTestCase;

import static org.hamcrest.Matchers.containsString;

/** Hand-computed cases, the same as tools/test_tools.py checks on the Python reference. */
public class RocchioTests extends LuceneTestCase {

    private static final float[] Q = { 1f, 0f };
    private static final float[][] ITEMS = { { 1f, 0f }, { 0f, 1f } };

    private static Rocchio.Refinement extended(float[][] items, Rocchio.Params params) {
        return Rocchio.refine(Rocchio.Variant.EXTENDED, Q, items, items, params);
    }

    private static void assertUnitOf(double x, double y, float[] actual, double tolerance) {
        double norm = Math.hypot(x, y);
        assertEquals(x / norm, actual[0], tolerance);
        assertEquals(y / norm, actual[1], tolerance);
    }

    public void testExtendedHandComputed() {
        // cos = [1, 0]; tau 0.05 -> logits [20, 0]: w = [1 - e, e], w- = [e, 1 - e], e = 1 / (1 + e^20)
        double e = 1 / (1 + Math.exp(20));
        Rocchio.Refinement r = extended(ITEMS, Rocchio.Params.DEFAULTS);
        assertUnitOf(0.8 + 0.1 * (1 - e) - 0.1 * e, 0.1 * e - 0.1 * (1 - e), r.vector(), 1e-7);
        assertEquals(1 - e, r.positiveWeights()[0], 1e-15);
        assertEquals(e, r.negativeWeights()[0], 1e-15);
    }

    public void testLargeTemperatureCancelsFeedback() {
        Rocchio.Refinement r = extended(ITEMS, new Rocchio.Params(0.8, 0.1, 0.1, 1e9));
        assertUnitOf(1, 0, r.vector(), 1e-7);
        assertEquals(0.5, r.positiveWeights()[1], 1e-9);
    }

    public void testTinyTemperatureIsStable() {
        Rocchio.Refinement r = extended(ITEMS, new Rocchio.Params(0.8, 0.1, 0.1, 1e-9));
        assertUnitOf(0.9, -0.1, r.vector(), 1e-7);
        assertArrayEquals(new double[] { 1, 0 }, r.positiveWeights(), 0);
    }

    public void testDuplicatesShareWeight() {
        float[][] dup = { { 0.6f, 0.8f }, { 0.6f, 0.8f }, { 0f, 1f } };
        Rocchio.Refinement r = extended(dup, Rocchio.Params.DEFAULTS);
        assertEquals(r.positiveWeights()[0], r.positiveWeights()[1], 0);
        assertEquals(1.0, r.positiveWeights()[0] + r.positiveWeights()[1] + r.positiveWeights()[2], 1e-12);
    }

    public void testOriginalHandComputed() {
        Rocchio.Refinement r = Rocchio.refine(Rocchio.Variant.ORIGINAL, Q, ITEMS, new float[][] { { -1f, 0f } }, Rocchio.Params.DEFAULTS);
        assertUnitOf(0.95, 0.05, r.vector(), 1e-7);
    }

    public void testOneSidedFeedbackDropsTheOtherTerm() {
        // explicit feedback with only non-relevant items: q' = unit(0.8 q - 0.1 n)
        Rocchio.Refinement r = Rocchio.refine(Rocchio.Variant.EXTENDED, Q, new float[0][], new float[][] { { 0f, 1f } }, Rocchio.Params.DEFAULTS);
        assertUnitOf(0.8, -0.1, r.vector(), 1e-7);
        assertEquals(0, r.positiveWeights().length);
        assertArrayEquals(new double[] { 1 }, r.negativeWeights(), 0);
    }

    public void testBadInput() {
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> new Rocchio.Params(Double.NaN, 0.1, 0.1, 0.05)).getMessage(),
            containsString("[alpha] must be a finite number")
        );
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> new Rocchio.Params(0.8, 0.1, 0.1, 0)).getMessage(),
            containsString("[temperature] must be a finite number > 0")
        );
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> extended(new float[][] { { 1f } }, Rocchio.Params.DEFAULTS))
                .getMessage(),
            containsString("a positive feedback item has [1] dimensions, the query has [2]")
        );
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> extended(new float[0][], Rocchio.Params.DEFAULTS)).getMessage(),
            containsString("feedback needs at least one item")
        );
        // alpha 0, beta = gamma and one feedback item: everything cancels
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> extended(new float[][] { { 1f, 0f } }, new Rocchio.Params(0, 0.1, 0.1, 0.05)))
                .getMessage(),
            containsString("refined query vector is zero")
        );
    }
}
