package org.opensearch.relevancefeedback.inference;

import static org.hamcrest.Matchers.containsString;

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
        expectThrows(IllegalArgumentException.class, () -> TokenCodec.decode(new byte[] {1, 0, 0, 0, 1, 0, 0, 0, 9}));
    }

    /** What a keyword field or a hand-made document holds instead of a block (these broke every AFS query with a 500). */
    public void testMalformedBlocks() {
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> TokenCodec.decode(new byte[] {1, 2, 3}))
                        .getMessage(),
                containsString("shorter than its 8-byte header"));
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> TokenCodec.decode(new byte[8]))
                        .getMessage(),
                containsString("declares 0 tokens of 0 dimensions"));
        byte[] negative = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 4, 0, 0, 0};
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> TokenCodec.decode(negative))
                        .getMessage(),
                containsString("declares -1 tokens"));
        byte[] block = TokenCodec.encode(new float[][] {{1f, -2f}});
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> TokenCodec.decode(java.util.Arrays.copyOf(block, block.length - 1)))
                        .getMessage(),
                containsString("13 bytes for 1 tokens of 2"));
        block[8] = block[9] = block[10] = 0;
        block[11] = (byte) 0x80; // scale -0.0
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> TokenCodec.decode(block))
                        .getMessage(),
                containsString("a token's scale is [-0.0]"));
    }
}
