package org.opensearch.relevancefeedback.feedback;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * One pseudo-relevance round over the current ranking (PRF: the hits' own vectors; GRF: their caption vectors),
 * as {@code tools/eval/feedback_ref.py} / {@code tools/eval/evaluate.py} define it:
 * <ul>
 *   <li>extended Rocchio: the top-K items are both the positive and the negative set (Eq. 1-2 weight them);</li>
 *   <li>original Rocchio: positives = the top-K, negatives = the K lowest-ranked items of the top {@code window}
 *       (fewer hits than the window: the K lowest of what was retrieved; the two sets may then overlap).</li>
 * </ul>
 * Items without a vector (null: e.g. a hit with no caption embedding) are left out of the round, not replaced.
 */
public final class PseudoFeedback {

    /** q', the weights per ranking position (0 where a position did not take part), positions without a vector. */
    public record Round(float[] vector, double[] positiveWeights, double[] negativeWeights, int[] skipped) {}

    public static Round refine(
            Rocchio.Variant variant,
            float[] query,
            List<float[]> ranking,
            int topK,
            int window,
            Rocchio.Params params) {
        if (topK < 1) {
            throw new IllegalArgumentException("[top_k] must be >= 1, got [" + topK + "]");
        }
        int n = ranking.size();
        int top = Math.min(topK, n);
        boolean original = variant == Rocchio.Variant.ORIGINAL;
        int end = original ? Math.min(window, n) : top;
        int negativeFrom = original ? Math.max(0, end - topK) : 0;
        int[] positives = present(ranking, 0, top);
        int[] negatives = original ? present(ranking, negativeFrom, end) : positives;
        int[] skipped = IntStream.range(0, end)
                .filter(i -> (i < top || i >= negativeFrom) && ranking.get(i) == null)
                .toArray();
        if (positives.length == 0) {
            throw new IllegalArgumentException("none of the top [" + topK + "] hits has a feedback vector");
        }
        Rocchio.Refinement r =
                Rocchio.refine(variant, query, vectors(ranking, positives), vectors(ranking, negatives), params);
        return new Round(
                r.vector(),
                spread(r.positiveWeights(), positives, n),
                spread(r.negativeWeights(), negatives, n),
                skipped);
    }

    private static int[] present(List<float[]> ranking, int from, int to) {
        return IntStream.range(from, to).filter(i -> ranking.get(i) != null).toArray();
    }

    private static float[][] vectors(List<float[]> ranking, int[] positions) {
        return Arrays.stream(positions).mapToObj(ranking::get).toArray(float[][]::new);
    }

    private static double[] spread(double[] weights, int[] positions, int n) {
        double[] out = new double[n];
        for (int i = 0; i < positions.length; i++) {
            out[positions[i]] = weights[i];
        }
        return out;
    }

    private PseudoFeedback() {}
}
