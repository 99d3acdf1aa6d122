package org.opensearch.relevancefeedback.inference;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The Attentive Feedback Summarizer in ONNX ({@code afs_model.onnx}, exported by tools/afs/export_afs.py): the query's
 * word tokens attend to the feedback items' caption tokens and image tokens; out come the unit positive vector
 * and the cross-attention each relevance token received (summed over heads and query tokens).
 * One item at a time goes through (callers run one query per call); the predictor is serialized.
 */
public final class FeedbackSummarizer implements Closeable {

    public static final String FILE = "afs_model.onnx";
    /** Logit bias that gives an element exactly zero attention (exp(-1e4) underflows to 0 in float32). */
    static final float MASKED = -1e4f;

    /** The positive vector and, per feedback item, the attention of its caption tokens (null: none) and image tokens. */
    public record Output(float[] positive, float[][] captionAttention, float[][] imageAttention) {}

    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    /** The text tower's token width (query and caption tokens); image tokens have the vision tower's, which may differ. */
    private final int textWidth;
    /**
     * Tokens per image of the encoder it was trained on (CLS + patches): the model reads each item's CLS token at this
     * stride (its pointer head), so a block of another patch grid would be misread, not refused by the runtime.
     */
    private final int imageTokens;

    /**
     * Most input floats a call runs in the kept memory (4 MB): top_k 5 needs ~0.1M for the emoji model and ~0.2M at
     * B/32 widths; a larger round allocates its own.
     */
    static final int REUSED_FLOATS = 1 << 20;

    /** The inputs' memory kept between calls (guarded by the predictor's lock). */
    private ByteBuffer inputs;

    FeedbackSummarizer(Path file, DeviceChoice device, int intraOpThreads, int textWidth, int imageTokens)
            throws IOException {
        this.model = ClipEncoder.loadModel(file, device, intraOpThreads);
        this.predictor = model.newPredictor();
        this.textWidth = textWidth;
        this.imageTokens = imageTokens;
    }

    /** Tokens per image block the model reads (CLS + patches of its encoder). */
    public int imageTokens() {
        return imageTokens;
    }

    /**
     * @param query the query text's word tokens [tokens][dims]; none (a query by image or by example documents): the
     *        summarizer's own CLS alone reads the feedback items
     * @param captions per feedback item its caption tokens; null to summarize the images only (AFS-PRF)
     * @param images per feedback item its image tokens (CLS + patches: {@link #imageTokens()} of them)
     * @param imageBias per item a logit bias per image token (region feedback), or null
     */
    public Output summarize(
            float[][] query, List<float[][]> captions, List<float[][]> images, List<float[]> imageBias) {
        if (query.length > 0 && query[0].length != textWidth) {
            // rf_knn takes the query's word tokens as sent, not from this model's text tower
            throw new IllegalArgumentException("the query's word tokens have [" + query[0].length
                    + "] dimensions, the summarizer reads [" + textWidth + "]");
        }
        int imageWidth = images.get(0)[0].length;
        for (float[][] image : images) {
            if (image.length != imageTokens) {
                throw new IllegalArgumentException("an image block has [" + image.length
                        + "] tokens, the summarizer reads [" + imageTokens + "] per image (CLS + patches)");
            }
        }
        int captionTokens =
                captions == null ? 1 : captions.stream().mapToInt(c -> c.length).sum();
        int allImageTokens = images.stream().mapToInt(i -> i.length).sum();
        long[] mask = new long[Math.max(1, query.length)];
        Arrays.fill(mask, query.length == 0 ? 0 : 1);
        int floats = mask.length * textWidth
                + captionTokens * textWidth
                + allImageTokens * imageWidth
                + captionTokens
                + allImageTokens;
        synchronized (predictor) {
            // The tensors wrap this direct memory (ONNX Runtime copies a heap array into fresh direct memory, which is
            // zeroed, then freed only by a GC); an oversized round gets its own buffer, so the one kept stays small.
            ByteBuffer memory = (floats <= REUSED_FLOATS ? reused(floats) : direct(floats)).clear();
            FloatBuffer queryIn = next(memory, mask.length * textWidth);
            FloatBuffer captionIn = next(memory, captionTokens * textWidth);
            FloatBuffer imageIn = next(memory, allImageTokens * imageWidth);
            FloatBuffer biasIn = next(memory, captionTokens + allImageTokens);
            if (query.length == 0) {
                queryIn.put(new float[textWidth]); // a masked placeholder: the graph keeps a non-empty query part
            } else {
                putTokens(Collections.singletonList(query), queryIn, textWidth);
            }
            if (captions == null) {
                captionIn.put(new float[textWidth]);
                biasIn.put(MASKED); // one masked placeholder: ONNX Runtime and the graph keep a non-empty caption part
            } else {
                putTokens(captions, captionIn, textWidth);
                biasIn.put(new float[captionTokens]);
            }
            if (imageBias == null) {
                biasIn.put(new float[allImageTokens]);
            } else {
                imageBias.forEach(biasIn::put);
            }
            putTokens(images, imageIn, imageWidth);
            try (NDManager manager = model.getNDManager().newSubManager()) {
                NDList in = new NDList(
                        named(manager.create(queryIn.rewind(), new Shape(1, mask.length, textWidth)), "query_tokens"),
                        named(manager.create(mask, new Shape(1, mask.length)), "query_mask"),
                        named(
                                manager.create(captionIn.rewind(), new Shape(1, captionTokens, textWidth)),
                                "caption_tokens"),
                        named(
                                manager.create(imageIn.rewind(), new Shape(1, allImageTokens, imageWidth)),
                                "image_tokens"),
                        named(manager.create(biasIn.rewind(), new Shape(1, biasIn.capacity())), "relevance_bias"));
                NDList out = predictor.predict(in);
                float[] positive = out.get("positive").toFloatArray();
                float[] attention = out.get("attention").toFloatArray();
                float[][] captionAttention = captions == null ? null : split(attention, 0, captions);
                return new Output(positive, captionAttention, split(attention, captionTokens, images));
            } catch (TranslateException e) {
                throw new IllegalStateException("feedback summarizer failed: " + e.getMessage(), e);
            }
        }
    }

    /** The kept input memory, grown to {@code floats} (under the predictor's lock). */
    private ByteBuffer reused(int floats) {
        if (inputs == null || inputs.capacity() < floats * Float.BYTES) {
            inputs = direct(floats);
        }
        return inputs;
    }

    private static ByteBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
    }

    /** The next {@code floats} floats of {@code memory}, as a buffer of their own. */
    private static FloatBuffer next(ByteBuffer memory, int floats) {
        FloatBuffer part = memory.slice(memory.position(), floats * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        memory.position(memory.position() + floats * Float.BYTES);
        return part;
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    private static void putTokens(List<float[][]> items, FloatBuffer into, int dims) {
        for (float[][] item : items) {
            for (float[] token : item) {
                if (token.length != dims) {
                    throw new IllegalArgumentException(
                            "stored tokens have [" + token.length + "] dimensions, the model expects [" + dims + "]");
                }
                into.put(token);
            }
        }
    }

    private static float[][] split(float[] attention, int from, List<float[][]> items) {
        float[][] out = new float[items.size()][];
        int at = from;
        for (int i = 0; i < out.length; i++) {
            out[i] = Arrays.copyOfRange(attention, at, at + items.get(i).length);
            at += items.get(i).length;
        }
        return out;
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }
}
