package org.opensearch.relevancefeedback;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The emoji test split's embeddings exported by {@code tools/eval/export_feedback_fixtures.py} (real model outputs,
 * float32 little-endian, manifest order): {@code images}, {@code queries} (label captions), {@code captions}
 * (the GRF caption of each image).
 */
public final class EmojiEmbeddings {

    public static final int DIMS = 256;

    /** The first {@code limit} rows of {@code emoji/<name>.f32}. */
    public static float[][] load(String name, int limit) throws IOException {
        byte[] bytes;
        try (InputStream in = EmojiEmbeddings.class.getResourceAsStream("/emoji/" + name + ".f32")) {
            if (in == null) {
                throw new IOException("missing test resource emoji/" + name + ".f32");
            }
            bytes = in.readAllBytes();
        }
        FloatBuffer floats =
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        int rows = Math.min(limit, floats.remaining() / DIMS);
        float[][] out = new float[rows][DIMS];
        for (float[] row : out) {
            floats.get(row);
        }
        return out;
    }

    private EmojiEmbeddings() {}
}
