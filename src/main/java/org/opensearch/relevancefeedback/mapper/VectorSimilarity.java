package org.opensearch.relevancefeedback.mapper;

import java.util.Arrays;
import java.util.Locale;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * The similarities an {@code rf_vector} field offers, and the Lucene function behind each.
 * {@code dot_product} maps to Lucene's MAXIMUM_INNER_PRODUCT so that vectors need not be unit length
 * (Lucene's DOT_PRODUCT silently assumes they are).
 */
public enum VectorSimilarity {
    COSINE(VectorSimilarityFunction.COSINE),
    DOT_PRODUCT(VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT),
    L2(VectorSimilarityFunction.EUCLIDEAN);

    private final VectorSimilarityFunction function;

    VectorSimilarity(VectorSimilarityFunction function) {
        this.function = function;
    }

    public VectorSimilarityFunction function() {
        return function;
    }

    public String paramName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static String[] paramNames() {
        return Arrays.stream(values()).map(VectorSimilarity::paramName).toArray(String[]::new);
    }

    public static VectorSimilarity fromParam(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
