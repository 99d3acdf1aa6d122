package org.opensearch.relevancefeedback.feedback;

import java.util.Arrays;

/**
 * Rocchio query refinement, plain Java (no OpenSearch types), exact to the paper and to
 * {@code tools/eval/feedback_ref.py}, the Python reference.
 *
 * <ul>
 *   <li>extended (Eq. 1-2): over the top-K feedback items d_i, w_i = softmax_i(cos(q, d_i) / tau) and
 *       w-_i = softmax_i(-cos(q, d_i) / tau); q' = alpha q + beta sum w_i d_i - gamma sum w-_i d_i.</li>
 *   <li>original (App. A): q' = alpha q + beta mean(relevant) - gamma mean(non-relevant).</li>
 * </ul>
 * q' is L2-normalized (the rule for every similarity: cosine rankings and the next round's cosine weights do not
 * depend on the norm, and dot-product fields stay on the unit sphere the encoder produces). Sums run in double.
 */
public final class Rocchio {

    /**
     * The fusion weights and the softmax temperature. Bounded so that every step stays finite in double: weights in
     * [0, {@value #MAX_WEIGHT}], temperature in [{@value #MIN_TEMPERATURE}, {@value #MAX_TEMPERATURE}] (1 / tau then
     * scales cosines in [-1, 1] to at most 1e9, which the log-sum-exp softmax takes).
     */
    public record Params(double alpha, double beta, double gamma, double temperature) {
        public static final Params DEFAULTS = new Params(0.8, 0.1, 0.1, 0.05);
        public static final double MAX_WEIGHT = 1e6;
        public static final double MIN_TEMPERATURE = 1e-9;
        public static final double MAX_TEMPERATURE = 1e9;

        public Params {
            requireWeight("alpha", alpha);
            requireWeight("beta", beta);
            requireWeight("gamma", gamma);
            if ((temperature >= MIN_TEMPERATURE && temperature <= MAX_TEMPERATURE) == false) {
                throw new IllegalArgumentException("[temperature] must be a number in [" + MIN_TEMPERATURE + ", "
                        + MAX_TEMPERATURE + "], got [" + temperature + "]");
            }
        }

        private static void requireWeight(String name, double value) {
            if ((value >= 0 && value <= MAX_WEIGHT) == false) {
                throw new IllegalArgumentException(
                        "[" + name + "] must be a number in [0, " + MAX_WEIGHT + "], got [" + value + "]");
            }
        }
    }

    /** The refined query and the weight each feedback item received (for explain and the response). */
    public record Refinement(float[] vector, double[] positiveWeights, double[] negativeWeights) {}

    /** Which Rocchio: the paper's extended form (Eq. 1-2) or the original one (App. A). */
    public enum Variant {
        EXTENDED,
        ORIGINAL;

        /**
         * How many ranked hits one pseudo-feedback round reads: the top k (extended: both sides), or the whole window
         * (original: the top k positive, the k lowest-ranked of the window negative).
         */
        public int depth(int topK, int window) {
            return this == ORIGINAL ? window : topK;
        }
    }

    /**
     * q' from the positive and the negative feedback items (either side may be empty: its term drops out).
     * Extended: w_i = softmax_i(cos(q, p_i) / tau) over the positives, w-_i = softmax_i(-cos(q, n_i) / tau) over
     * the negatives (pseudo feedback passes the same top-K as both). Original: uniform means.
     */
    public static Refinement refine(
            Variant variant, float[] query, float[][] positives, float[][] negatives, Params params) {
        requireItems(query, positives, "positive");
        requireItems(query, negatives, "negative");
        if (positives.length == 0 && negatives.length == 0) {
            throw new IllegalArgumentException("feedback needs at least one item");
        }
        double[] positive = variant == Variant.EXTENDED
                ? softmax(scaledCosines(query, positives, 1 / params.temperature()))
                : uniform(positives.length);
        double[] negative = variant == Variant.EXTENDED
                ? softmax(scaledCosines(query, negatives, -1 / params.temperature()))
                : uniform(negatives.length);
        double[] out = new double[query.length];
        for (int d = 0; d < query.length; d++) {
            out[d] = params.alpha() * query[d]
                    + params.beta() * weightedSum(positives, positive, d)
                    - params.gamma() * weightedSum(negatives, negative, d);
        }
        return new Refinement(unit(out), positive, negative);
    }

    private static double[] scaledCosines(float[] query, float[][] items, double scale) {
        double[] out = new double[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = cosine(query, items[i]) * scale;
        }
        return out;
    }

    static double weightedSum(float[][] items, double[] weights, int d) {
        double sum = 0;
        for (int i = 0; i < items.length; i++) {
            sum += weights[i] * items[i][d];
        }
        return sum;
    }

    /** The L2-normalized mean of vectors of one length (the explicit baseline's way of adding feedback words). */
    public static float[] mean(float[][] vectors) {
        double[] sum = new double[vectors[0].length];
        for (float[] v : vectors) {
            if (v.length != sum.length) {
                throw new IllegalArgumentException(
                        "vectors of different lengths: [" + v.length + "] and [" + sum.length + "]");
            }
            for (int d = 0; d < sum.length; d++) {
                sum[d] += v[d];
            }
        }
        return unit(sum);
    }

    /**
     * unit(w * a + (1 - w) * b) of two vectors of one length: a composed query (seed 003's training-free baseline, a
     * reference image or example documents {@code a} and a modification text {@code b}).
     */
    public static float[] mix(float[] a, float[] b, double w) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(
                    "vectors of different lengths: [" + a.length + "] and [" + b.length + "]");
        }
        double[] sum = new double[a.length];
        for (int d = 0; d < sum.length; d++) {
            sum[d] = w * a[d] + (1 - w) * b[d];
        }
        return unit(sum);
    }

    /** Softmax with the log-sum-exp shift, so tiny temperatures (huge logits) neither overflow nor give NaN. */
    static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = Math.exp(logits[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        double norm = Math.sqrt(na * nb);
        return norm == 0 ? 0 : dot / norm;
    }

    private static double[] uniform(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0 / n);
        return w;
    }

    static float[] unit(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        if (norm == 0) {
            throw new IllegalArgumentException("refined query vector is zero; lower [gamma] or change the feedback");
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    private static void requireItems(float[] query, float[][] items, String name) {
        for (float[] item : items) {
            if (item.length != query.length) {
                throw new IllegalArgumentException("a " + name + " feedback item has [" + item.length
                        + "] dimensions, the query has [" + query.length + "]");
            }
        }
    }

    private Rocchio() {}
}
