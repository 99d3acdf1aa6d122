package org.opensearch.relevancefeedback;

import java.util.Random;

/** Seeded random vectors and exact similarity for tests that compare against brute force. */
public final class TestVectors {

    public static float[] gaussian(Random random, int dims) {
        float[] v = new float[dims];
        for (int i = 0; i < dims; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    public static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private TestVectors() {}
}
