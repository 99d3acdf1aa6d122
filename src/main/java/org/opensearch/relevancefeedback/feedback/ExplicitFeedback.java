package org.opensearch.relevancefeedback.feedback;

import java.util.ArrayList;
import java.util.List;

/**
 * Explicit feedback: the documents a user marked relevant or not relevant, and feedback words. The marked documents
 * are the same in every round, so the rounds need no ranking in between.
 */
public final class ExplicitFeedback {

    /**
     * Feedback by words, the paper's explicit baseline: q is replaced by the normalized mean of q and the feedback
     * texts' embeddings (before any feedback by documents). No texts: q itself.
     */
    public static float[] withTexts(float[] q, float[][] texts) {
        if (texts.length == 0) {
            return q;
        }
        float[][] all = new float[texts.length + 1][];
        all[0] = q;
        System.arraycopy(texts, 0, all, 1, texts.length);
        return Rocchio.mean(all);
    }

    /**
     * {@code rounds} Rocchio rounds with the marked documents' vectors in {@code field}; every copy of a document
     * counts (an id may exist in several indices). A marked document without a vector there is the user's error.
     */
    public static FeedbackLoop.Outcome rounds(
            float[] query,
            List<FeedbackLoop.Hit> relevant,
            List<FeedbackLoop.Hit> nonRelevant,
            String field,
            int rounds,
            Rocchio.Variant variant,
            Rocchio.Params params) {
        long start = System.nanoTime();
        float[][] positives = vectors(relevant, field);
        float[][] negatives = vectors(nonRelevant, field);
        List<List<HitWeight>> weights = new ArrayList<>();
        float[] q = query;
        for (int round = 1; round <= rounds; round++) {
            Rocchio.Refinement r = Rocchio.refine(variant, q, positives, negatives, params);
            List<HitWeight> w = new ArrayList<>();
            for (int i = 0; i < relevant.size(); i++) {
                w.add(new HitWeight(relevant.get(i), r.positiveWeights()[i], 0));
            }
            for (int i = 0; i < nonRelevant.size(); i++) {
                w.add(new HitWeight(nonRelevant.get(i), 0, r.negativeWeights()[i]));
            }
            weights.add(w);
            q = r.vector();
        }
        return new FeedbackLoop.Outcome(q, weights, List.of(), System.nanoTime() - start);
    }

    private static float[][] vectors(List<FeedbackLoop.Hit> hits, String field) {
        float[][] out = new float[hits.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = hits.get(i).vector(field);
            if (out[i] == null) {
                throw new IllegalArgumentException("document [" + hits.get(i).id() + "] has no [" + field
                        + "] vector, so it cannot be used as feedback");
            }
        }
        return out;
    }

    private ExplicitFeedback() {}
}
