package org.opensearch.relevancefeedback.inference;

import org.apache.lucene.tests.util.LuceneTestCase;

public class TokenCodecTests extends LuceneTestCase {

    public void testRoundTripWithinHalfAScaleStep() {
        float[][] tokens = new float[65][192];
        for (float[] t : tokens) {
            for (int d = 0; d < t.length; d++) {
                t[d] = (float) (random().nextGaussian() * 3);
            }
        }
        tokens[3] = new float[192]; // an all-zero token
        byte[] bytes = TokenCodec.encode(tokens);
        assertEquals("8 + 65 x (4 + 192), as documented", 12_748, bytes.length);
        float[][] back = TokenCodec.decode(bytes);
        for (int i = 0; i < tokens.length; i++) {
            float max = 0;
            for (float v : tokens[i]) {
                max = Math.max(max, Math.abs(v));
            }
            for (int d = 0; d < 192; d++) {
                assertEquals(tokens[i][d], back[i][d], max / 127f / 2 + 1e-6f);
            }
        }
        expectThrows(IllegalArgumentException.class, () -> TokenCodec.decode(new byte[] { 1, 0, 0, 0, 1, 0, 0, 0, 9 }));
    }
}
