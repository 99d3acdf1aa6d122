package org.opensearch.relevancefeedback.feedback;

import java.util.List;

/**
 * The Attentive Feedback Summarizer's part of a round that is plain math (paper Eq. 6-8, App. E.3, App. G): the
 * model (run elsewhere) gives a unit positive vector and the cross-attention each relevance token received
 * (summed over heads and query tokens). Here: the negative vector from the least attended items, q', the
 * saliency maps, and the logit bias that region feedback adds before the model's attention softmax.
 */
public final class AttentiveFeedback {

    /**
     * q' and the why. positiveShares: each item's share of all cross-attention (what it gave the positive vector);
     * negativeWeights: its weight in the negative vector (mean of its image and caption weights when captions are
     * used); patchSaliency: per item its image tokens after the first (CLS), min-max normalized per image;
     * captionSaliency: per item its caption tokens, min-max normalized per caption (null without captions).
     */
    public record Round(
            float[] vector,
            double[] positiveShares,
            double[] negativeWeights,
            float[][] patchSaliency,
            float[][] captionSaliency) {}

    /** A user-drawn box on a feedback image, in [0, 1] coordinates of the model's square input. */
    public record Box(double x, double y, double width, double height, boolean relevant) {
        public Box {
            if (inUnit(x) == false
                    || inUnit(y) == false
                    || width <= 0
                    || height <= 0
                    || x + width > 1 + 1e-9
                    || y + height > 1 + 1e-9) {
                throw new IllegalArgumentException(
                        "a box needs 0 <= x, y and 0 < width, height with x + width <= 1 and y + height <= 1, got [" + x
                                + ", " + y + ", " + width + ", " + height + "]");
            }
        }

        private static boolean inUnit(double v) {
            return v >= 0 && v <= 1;
        }
    }

    /**
     * @param imageAttention per feedback item, the attention of its image tokens (CLS first)
     * @param captionAttention per item, the attention of its caption tokens; null for images only (AFS-PRF)
     */
    public static Round refine(
            float[] query,
            float[] positive,
            float[][] imageAttention,
            float[][] images,
            float[][] captionAttention,
            float[][] captions,
            Rocchio.Params params) {
        int k = images.length;
        double[] negative = softmax(meanAttention(imageAttention), params.temperature());
        double[] captionNegative =
                captionAttention == null ? null : softmax(meanAttention(captionAttention), params.temperature());
        double[] neg = new double[query.length];
        for (int d = 0; d < neg.length; d++) {
            neg[d] = Rocchio.weightedSum(images, negative, d);
            if (captionNegative != null) {
                neg[d] = (neg[d] + Rocchio.weightedSum(captions, captionNegative, d)) / 2;
            }
        }
        float[] negUnit = Rocchio.unit(neg);
        double[] out = new double[query.length];
        for (int d = 0; d < out.length; d++) {
            out[d] = params.alpha() * query[d] + params.beta() * positive[d] - params.gamma() * negUnit[d];
        }
        double[] shares = new double[k];
        double total = 0;
        float[][] patches = new float[k][];
        float[][] words = captionAttention == null ? null : new float[k][];
        double[] negativeWeights = new double[k];
        for (int i = 0; i < k; i++) {
            shares[i] = sum(imageAttention[i]) + (captionAttention == null ? 0 : sum(captionAttention[i]));
            total += shares[i];
            patches[i] = minMax(imageAttention[i], 1);
            if (words != null) {
                words[i] = minMax(captionAttention[i], 0);
            }
            negativeWeights[i] = captionNegative == null ? negative[i] : (negative[i] + captionNegative[i]) / 2;
        }
        for (int i = 0; i < k; i++) {
            shares[i] /= total;
        }
        return new Round(Rocchio.unit(out), shares, negativeWeights, patches, words);
    }

    /**
     * The relevance-bias of one feedback image's tokens (CLS + a square grid of patches, row-major): every patch
     * whose centre lies in a relevant box gets +ln(factor), in a not-relevant box -ln(factor) (overlaps add up),
     * so after the softmax its attention is multiplied (divided) by the factor, before renormalization.
     */
    public static float[] regionBias(int tokens, List<Box> boxes, double factor) {
        int grid = (int) Math.round(Math.sqrt(tokens - 1));
        if (grid * grid != tokens - 1) {
            throw new IllegalArgumentException("image tokens [" + tokens + "] are not CLS + a square patch grid");
        }
        float[] bias = new float[tokens];
        double step = Math.log(factor);
        for (Box box : boxes) {
            for (int r = 0; r < grid; r++) {
                for (int c = 0; c < grid; c++) {
                    double cx = (c + 0.5) / grid;
                    double cy = (r + 0.5) / grid;
                    if (cx >= box.x() && cx <= box.x() + box.width() && cy >= box.y() && cy <= box.y() + box.height()) {
                        bias[1 + r * grid + c] += (float) (box.relevant() ? step : -step);
                    }
                }
            }
        }
        return bias;
    }

    /** Eq. 6: w-_i = softmax_i(-a_i / tau): the least attended items weigh most in the negative vector. */
    private static double[] softmax(double[] attention, double temperature) {
        double[] logits = new double[attention.length];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = -attention[i] / temperature;
        }
        return Rocchio.softmax(logits);
    }

    /** a_i = the mean attention over item i's tokens, so a long caption does not count as more attention. */
    private static double[] meanAttention(float[][] attention) {
        double[] out = new double[attention.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = sum(attention[i]) / attention[i].length;
        }
        return out;
    }

    private static double sum(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }

    /** Min-max scaling of values[from..] to [0, 1] (all equal: zeros). */
    private static float[] minMax(float[] values, int from) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < values.length; i++) {
            min = Math.min(min, values[i]);
            max = Math.max(max, values[i]);
        }
        float[] out = new float[values.length - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = max > min ? (values[from + i] - min) / (max - min) : 0;
        }
        return out;
    }

    private AttentiveFeedback() {}
}
