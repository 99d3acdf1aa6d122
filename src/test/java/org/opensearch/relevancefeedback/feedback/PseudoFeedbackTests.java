package org.opensearch.relevancefeedback.feedback;

import java.util.Arrays;
import java.util.List;
import org.apache.lucene.tests.util.LuceneTestCase;

public class PseudoFeedbackTests extends LuceneTestCase {

    private static final float[] Q = {1f, 0f};

    private static List<float[]> ranking(int n) {
        float[][] items = new float[n][];
        for (int i = 0; i < n; i++) {
            double angle = i * 0.1;
            items[i] = new float[] {(float) Math.cos(angle), (float) Math.sin(angle)};
        }
        return Arrays.asList(items);
    }

    public void testExtendedUsesTheTopKAsBothSets() {
        List<float[]> r = ranking(8);
        PseudoFeedback.Round round =
                PseudoFeedback.refine(Rocchio.Variant.EXTENDED, Q, r, 3, 100, Rocchio.Params.DEFAULTS);
        Rocchio.Refinement direct = Rocchio.refine(
                Rocchio.Variant.EXTENDED,
                Q,
                r.subList(0, 3).toArray(float[][]::new),
                r.subList(0, 3).toArray(float[][]::new),
                Rocchio.Params.DEFAULTS);
        assertArrayEquals(direct.vector(), round.vector(), 0f);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0}, Arrays.copyOfRange(round.positiveWeights(), 3, 8), 0);
        assertEquals(1.0, Arrays.stream(round.positiveWeights()).sum(), 1e-12);
        assertEquals(1.0, Arrays.stream(round.negativeWeights()).sum(), 1e-12);
        assertEquals(0, round.skipped().length);
    }

    public void testOriginalNegativesAreTheLowestOfTheWindow() {
        List<float[]> r = ranking(8);
        PseudoFeedback.Round round =
                PseudoFeedback.refine(Rocchio.Variant.ORIGINAL, Q, r, 2, 6, Rocchio.Params.DEFAULTS);
        // positives: positions 0, 1; negatives: positions 4, 5 (the 2 lowest of the top 6), each weighted 1/2
        assertArrayEquals(new double[] {0.5, 0.5, 0, 0, 0, 0, 0, 0}, round.positiveWeights(), 0);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0.5, 0.5, 0, 0}, round.negativeWeights(), 0);
        // fewer hits than the window: the lowest of what was retrieved
        round = PseudoFeedback.refine(Rocchio.Variant.ORIGINAL, Q, r.subList(0, 3), 2, 100, Rocchio.Params.DEFAULTS);
        assertArrayEquals(new double[] {0, 0.5, 0.5}, round.negativeWeights(), 0);
    }

    public void testItemsWithoutVectorsAreLeftOut() {
        List<float[]> r = Arrays.asList(ranking(4).toArray(float[][]::new));
        r.set(1, null);
        PseudoFeedback.Round round =
                PseudoFeedback.refine(Rocchio.Variant.EXTENDED, Q, r, 3, 100, Rocchio.Params.DEFAULTS);
        assertArrayEquals(new int[] {1}, round.skipped());
        assertEquals(0, round.positiveWeights()[1], 0);
        assertTrue(round.positiveWeights()[2] > 0);
        expectThrows(
                IllegalArgumentException.class,
                () -> PseudoFeedback.refine(
                        Rocchio.Variant.EXTENDED,
                        Q,
                        Arrays.<float[]>asList(null, null),
                        2,
                        100,
                        Rocchio.Params.DEFAULTS));
    }
}
