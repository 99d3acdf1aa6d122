package org.opensearch.relevancefeedback.feedback;

import static org.hamcrest.Matchers.containsString;

import java.util.Arrays;
import org.apache.lucene.tests.util.LuceneTestCase;

/** Hand-computed cases, the same as tools/tests/test_tools.py checks on the Python reference. */
public class RocchioTests extends LuceneTestCase {

    private static final float[] Q = {1f, 0f};
    private static final float[][] ITEMS = {{1f, 0f}, {0f, 1f}};

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
        assertArrayEquals(new double[] {1, 0}, r.positiveWeights(), 0);
    }

    /** At the bounds of every parameter the refined vector is finite and unit length. */
    public void testExtremeParametersStayFinite() {
        double[] weights = {0, 1e-300, 1, Rocchio.Params.MAX_WEIGHT};
        double[] temperatures = {Rocchio.Params.MIN_TEMPERATURE, 1, Rocchio.Params.MAX_TEMPERATURE};
        float[][] huge = {{3e38f, -3e38f}, {1e-38f, 0f}};
        for (double a : weights) {
            for (double b : weights) {
                for (double t : temperatures) {
                    Rocchio.Params p = new Rocchio.Params(a, b, Rocchio.Params.MAX_WEIGHT, t);
                    for (float[][] items : new float[][][] {ITEMS, huge}) {
                        float[] v = extended(items, p).vector();
                        double norm = 0;
                        for (float x : v) {
                            assertTrue(a + " " + b + " " + t + ": " + Arrays.toString(v), Float.isFinite(x));
                            norm += x * x;
                        }
                        assertEquals(1, norm, 1e-6);
                    }
                }
            }
        }
    }

    public void testDuplicatesShareWeight() {
        float[][] dup = {{0.6f, 0.8f}, {0.6f, 0.8f}, {0f, 1f}};
        Rocchio.Refinement r = extended(dup, Rocchio.Params.DEFAULTS);
        assertEquals(r.positiveWeights()[0], r.positiveWeights()[1], 0);
        assertEquals(1.0, r.positiveWeights()[0] + r.positiveWeights()[1] + r.positiveWeights()[2], 1e-12);
    }

    public void testOriginalHandComputed() {
        Rocchio.Refinement r =
                Rocchio.refine(Rocchio.Variant.ORIGINAL, Q, ITEMS, new float[][] {{-1f, 0f}}, Rocchio.Params.DEFAULTS);
        assertUnitOf(0.95, 0.05, r.vector(), 1e-7);
    }

    public void testOneSidedFeedbackDropsTheOtherTerm() {
        // explicit feedback with only non-relevant items: q' = unit(0.8 q - 0.1 n)
        Rocchio.Refinement r = Rocchio.refine(
                Rocchio.Variant.EXTENDED, Q, new float[0][], new float[][] {{0f, 1f}}, Rocchio.Params.DEFAULTS);
        assertUnitOf(0.8, -0.1, r.vector(), 1e-7);
        assertEquals(0, r.positiveWeights().length);
        assertArrayEquals(new double[] {1}, r.negativeWeights(), 0);
    }

    public void testBadInput() {
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> new Rocchio.Params(Double.NaN, 0.1, 0.1, 0.05))
                        .getMessage(),
                containsString("[alpha] must be a number in [0, 1000000.0], got [NaN]"));
        // the hardening issue's values: 1e308 weights and a subnormal temperature gave NaN / zero vectors
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> new Rocchio.Params(1e308, 0.1, 0.1, 0.05))
                        .getMessage(),
                containsString("[alpha] must be a number in [0, 1000000.0], got [1.0E308]"));
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> new Rocchio.Params(0.8, 0.1, -1, 0.05))
                        .getMessage(),
                containsString("[gamma] must be a number in [0, 1000000.0], got [-1.0]"));
        for (double t : new double[] {0, 5e-324, -1, 1e10, Double.POSITIVE_INFINITY}) {
            assertThat(
                    expectThrows(IllegalArgumentException.class, () -> new Rocchio.Params(0.8, 0.1, 0.1, t))
                            .getMessage(),
                    containsString("[temperature] must be a number in [1.0E-9, 1.0E9], got [" + t + "]"));
        }
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> extended(new float[][] {{1f}}, Rocchio.Params.DEFAULTS))
                        .getMessage(),
                containsString("a positive feedback item has [1] dimensions, the query has [2]"));
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> extended(new float[0][], Rocchio.Params.DEFAULTS))
                        .getMessage(),
                containsString("feedback needs at least one item"));
        // alpha 0, beta = gamma and one feedback item: everything cancels
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> extended(new float[][] {{1f, 0f}}, new Rocchio.Params(0, 0.1, 0.1, 0.05)))
                        .getMessage(),
                containsString("refined query vector is zero"));
    }
}
