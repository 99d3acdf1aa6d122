package org.opensearch.relevancefeedback.feedback;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PRF and GRF: Rocchio over one vector field of the top hits (PRF: the ranked vectors themselves; GRF: their caption
 * vectors), see {@link PseudoFeedback}. Hits without a vector there are left out with a warning.
 *
 * @param name the strategy's name in messages ("prf", "grf")
 * @param field the vector field the hits' feedback vectors are read from
 * @param fieldParameter the request parameter that named {@code field}, for messages
 */
public record PseudoStrategy(
        String name,
        String field,
        String fieldParameter,
        Rocchio.Variant variant,
        int topK,
        int window,
        Rocchio.Params params)
        implements FeedbackLoop.Strategy {

    @Override
    public int depth() {
        return variant.depth(topK, window);
    }

    @Override
    public List<String> fields() {
        return List.of(field);
    }

    @Override
    public void refine(
            int round, float[] query, List<FeedbackLoop.Hit> hits, FeedbackLoop.Callback<FeedbackLoop.Round> then) {
        List<float[]> ranking = hits.stream().map(h -> h.vector(field)).toList();
        if (ranking.stream().limit(topK).allMatch(v -> v == null)) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "strategy [%s]: none of the top [%d] hits has a vector in [%s] = [%s]: it must name an rf_vector field",
                    name,
                    topK,
                    fieldParameter,
                    field));
        }
        PseudoFeedback.Round r = PseudoFeedback.refine(variant, query, ranking, topK, window, params);
        List<HitWeight> weights = new ArrayList<>();
        for (int i = 0; i < hits.size(); i++) {
            if (r.positiveWeights()[i] > 0 || r.negativeWeights()[i] > 0) {
                weights.add(new HitWeight(hits.get(i), r.positiveWeights()[i], r.negativeWeights()[i]));
            }
        }
        List<String> warnings = new ArrayList<>();
        for (int i : r.skipped()) {
            warnings.add(String.format(
                    Locale.ROOT,
                    "round %d: hit [%s][%s] has no [%s] vector; left out of the feedback",
                    round,
                    hits.get(i).index(),
                    hits.get(i).id(),
                    field));
        }
        then.onResponse(new FeedbackLoop.Round(r.vector(), weights, warnings));
    }
}
