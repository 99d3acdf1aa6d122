package org.opensearch.relevancefeedback.feedback;

import java.util.Arrays;

/**
 * Rocchio query refinement, plain Java (no OpenSearch types), exact to the paper and to
 * {@code tools/feedback_ref.py}, the Python reference.
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

    /** The fusion weights and the softmax temperature. */
    public record Params(double alpha, double beta, double gamma, double temperature) {
        public static final Params DEFAULTS = new Params(0.8, 0.1, 0.1, 0.05);

        public Params {
            requireFinite("alpha", alpha);
            requireFinite("beta", beta);
            requireFinite("gamma", gamma);
            if (Double.isFinite(temperature) == false || temperature <= 0) {
                throw new IllegalArgumentException("[temperature] must be a finite number > 0, got [" + temperature + "]");
            }
        }

        private static void requireFinite(String name, double value) {
            if (Double.isFinite(value) == false) {
                throw new IllegalArgumentException("[" + name + "] must be a finite number, got [" + value + "]");
            }
        }
    }

    /** The refined query and the weight each feedback item received (for explain and the response). */
    public record Refinement(float[] vector, double[] positiveWeights, double[] negativeWeights) {}

    /** Extended Rocchio over {@code feedback} (the top-K items of the current ranking, best first). */
    public static Refinement extended(float[] query, float[][] feedback, Params params) {
        requireItems(query, feedback, "feedback");
        double[] logits = new double[feedback.length];
        double[] negated = new double[feedback.length];
        for (int i = 0; i < feedback.length; i++) {
            logits[i] = cosine(query, feedback[i]) / params.temperature();
            negated[i] = -logits[i];
        }
        double[] positive = softmax(logits);
        double[] negative = softmax(negated);
        double[] out = new double[query.length];
        for (int d = 0; d < query.length; d++) {
            double pos = 0;
            double neg = 0;
            for (int i = 0; i < feedback.length; i++) {
                pos += positive[i] * feedback[i][d];
                neg += negative[i] * feedback[i][d];
            }
            out[d] = params.alpha() * query[d] + params.beta() * pos - params.gamma() * neg;
        }
        return new Refinement(unit(out), positive, negative);
    }

    /** Original Rocchio: means of the relevant and of the non-relevant items. */
    public static Refinement original(float[] query, float[][] relevant, float[][] nonRelevant, Params params) {
        requireItems(query, relevant, "relevant");
        requireItems(query, nonRelevant, "non_relevant");
        double[] out = new double[query.length];
        for (int d = 0; d < query.length; d++) {
            out[d] = params.alpha() * query[d] + params.beta() * mean(relevant, d) - params.gamma() * mean(nonRelevant, d);
        }
        return new Refinement(unit(out), uniform(relevant.length), uniform(nonRelevant.length));
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

    private static double mean(float[][] items, int d) {
        double sum = 0;
        for (float[] item : items) {
            sum += item[d];
        }
        return sum / items.length;
    }

    private static double[] uniform(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0 / n);
        return w;
    }

    private static float[] unit(double[] v) {
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
        if (items.length == 0) {
            throw new IllegalArgumentException("[" + name + "] needs at least one item");
        }
        for (float[] item : items) {
            if (item.length != query.length) {
                throw new IllegalArgumentException(
                    "[" + name + "] item has [" + item.length + "] dimensions, the query has [" + query.length + "]"
                );
            }
        }
    }

    private Rocchio() {}
}
