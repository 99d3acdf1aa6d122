package org.opensearch.relevancefeedback.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Compact storage of an encoder's token states (image patch tokens, caption word tokens) for the Attentive Feedback
 * Summarizer: int8 per value with one float32 scale per token (absmax / 127). Layout, little-endian: int32 tokens,
 * int32 dims, then per token a float32 scale and dims int8 values. Bytes = 8 + tokens * (4 + dims): for the emoji
 * model's image (65 tokens x 192) 12,748 bytes. The error per value is at most scale / 2 (0.4% of the token's
 * largest magnitude).
 */
public final class TokenCodec {

    public static byte[] encode(float[][] tokens) {
        int dims = tokens.length == 0 ? 0 : tokens[0].length;
        ByteBuffer out = ByteBuffer.allocate(8 + tokens.length * (4 + dims)).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(tokens.length).putInt(dims);
        for (float[] token : tokens) {
            float max = 0;
            for (float v : token) {
                max = Math.max(max, Math.abs(v));
            }
            float scale = max == 0 ? 1 : max / 127f;
            out.putFloat(scale);
            for (float v : token) {
                out.put((byte) Math.round(v / scale));
            }
        }
        return out.array();
    }

    /** Most tokens and dimensions a block may declare: beyond any CLIP's (77 text tokens, 577 ViT-L/336 image tokens). */
    public static final int MAX_TOKENS = 1024;

    public static final int MAX_DIMS = 4096;

    /** The tokens of a block; anything but a block as {@link #encode} writes it is an IllegalArgumentException. */
    public static float[][] decode(byte[] bytes) {
        validate(bytes);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[][] out = new float[in.getInt()][in.getInt()];
        for (float[] token : out) {
            float scale = in.getFloat();
            for (int d = 0; d < token.length; d++) {
                token[d] = in.get() * scale;
            }
        }
        return out;
    }

    /**
     * Checks that {@code bytes} are a block as {@link #encode} writes it (header, size, finite positive scales) without
     * materializing its floats: the rf_tokens field checks every indexed value this way.
     */
    public static void validate(byte[] bytes) {
        if (bytes.length < 8) {
            throw new IllegalArgumentException(
                    "not a token block: " + bytes.length + " bytes, shorter than its 8-byte header");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = in.getInt();
        int dims = in.getInt();
        if (n < 1 || n > MAX_TOKENS || dims < 1 || dims > MAX_DIMS) {
            throw new IllegalArgumentException("not a token block: it declares " + n + " tokens of " + dims
                    + " dimensions (1.." + MAX_TOKENS + " tokens of 1.." + MAX_DIMS + ")");
        }
        if (bytes.length != 8 + (long) n * (4 + dims)) {
            throw new IllegalArgumentException(
                    "not a token block: " + bytes.length + " bytes for " + n + " tokens of " + dims);
        }
        for (int t = 0; t < n; t++) {
            float scale = in.getFloat(8 + t * (4 + dims));
            if (Float.isFinite(scale) == false || scale <= 0) {
                throw new IllegalArgumentException("not a token block: a token's scale is [" + scale + "]");
            }
        }
    }

    private TokenCodec() {}
}
