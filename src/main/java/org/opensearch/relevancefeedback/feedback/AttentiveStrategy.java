package org.opensearch.relevancefeedback.feedback;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.opensearch.relevancefeedback.inference.FeedbackSummarizer;
import org.opensearch.relevancefeedback.inference.TokenCodec;

/**
 * A round of the Attentive Feedback Summarizer (paper Sec. 3.3): the top-K hits' stored image tokens (and caption
 * tokens for afs) go through the model with the query's word tokens; q' follows Eq. 6-8 ({@link AttentiveFeedback}).
 * Region boxes bias the attention to the patches they cover. A hit that lacks a field, or whose token block does not
 * fit the model, is left out with a warning, so one bad document does not fail every query whose top K holds it.
 */
public final class AttentiveStrategy implements FeedbackLoop.Strategy {

    /** The summarizer as a round uses it: memory accounting, then the model (asynchronous). */
    public interface Model {
        /**
         * Tokens per image block the model reads (CLS + patches); an IllegalArgumentException when there is no
         * model to run.
         */
        int imageTokens();

        /**
         * Accounts {@code bytes} of heap the round is about to hold (a circuit breaker, which throws when it is over
         * its limit); the returned action gives them back.
         */
        Runnable reserve(long bytes, String what);

        void summarize(
                float[][] query,
                List<float[][]> captions,
                List<float[][]> images,
                List<float[]> imageBias,
                FeedbackLoop.Callback<FeedbackSummarizer.Output> then);
    }

    /**
     * Memory a round holds per byte of its hits' token blocks: the block (1), then 4-byte floats twice over (the
     * decoded tokens on the heap, the model's input in direct memory, which the runtime's tensors wrap: 8).
     */
    public static final int MEMORY_PER_TOKEN_BYTE = 9;

    private final Model model;
    private final boolean captions;
    private final String vectorField;
    private final String imageTokensField;
    private final String captionField;
    private final String captionTokensField;
    private final int topK;
    private final Rocchio.Params params;
    private final float[][] queryTokens;
    private final Map<String, List<AttentiveFeedback.Box>> regions;
    private final double regionFactor;
    private final boolean saliency;
    /**
     * The token width every caption / image block must have (the towers' widths may differ), set by the query's words
     * (captions) or else by the first block of its kind read.
     */
    private int captionWidth;

    private int imageWidth;
    /**
     * Tokens per image block the model reads, asked once per round: the summarizer reads each item's CLS token at
     * that stride (its pointer head), so a block of another patch grid would be misread, not rejected by the model.
     */
    private int tokensPerImage;

    /**
     * @param captionField null for afs_prf (images only), else the caption vectors' field (afs)
     * @param queryTokens the query text's word tokens; none for a query by image or by example documents
     * @param regions boxes per hit id (region feedback); each id must be one of round 1's feedback hits
     */
    public AttentiveStrategy(
            Model model,
            String vectorField,
            String imageTokensField,
            String captionField,
            String captionTokensField,
            int topK,
            Rocchio.Params params,
            float[][] queryTokens,
            Map<String, List<AttentiveFeedback.Box>> regions,
            double regionFactor,
            boolean saliency) {
        this.model = model;
        this.captions = captionField != null;
        this.vectorField = vectorField;
        this.imageTokensField = imageTokensField;
        this.captionField = captionField;
        this.captionTokensField = captionTokensField;
        this.topK = topK;
        this.params = params;
        this.queryTokens = queryTokens;
        this.regions = regions;
        this.regionFactor = regionFactor;
        this.saliency = saliency;
    }

    private String name() {
        return captions ? "afs" : "afs_prf";
    }

    @Override
    public int depth() {
        return topK;
    }

    @Override
    public List<String> fields() {
        return captions
                ? List.of(vectorField, imageTokensField, captionField, captionTokensField)
                : List.of(vectorField, imageTokensField);
    }

    @Override
    public void refine(
            int round, float[] query, List<FeedbackLoop.Hit> ranking, FeedbackLoop.Callback<FeedbackLoop.Round> then) {
        List<FeedbackLoop.Hit> top = ranking.subList(0, Math.min(topK, ranking.size()));
        tokensPerImage = model.imageTokens();
        List<String> warnings = new ArrayList<>();
        byte[][] imageBlocks = new byte[top.size()][];
        byte[][] captionBlocks = new byte[top.size()][];
        long bytes = 0;
        for (int i = 0; i < top.size(); i++) {
            imageBlocks[i] = block(top.get(i), imageTokensField, round, warnings);
            captionBlocks[i] = captions ? block(top.get(i), captionTokensField, round, warnings) : null;
            bytes += MEMORY_PER_TOKEN_BYTE * (length(imageBlocks[i]) + length(captionBlocks[i]));
        }
        Runnable reserved = model.reserve(bytes, "relevance_feedback: token blocks of the top " + topK + " hits");
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                reserved.run();
            }
        };
        try {
            summarize(round, query, top, imageBlocks, captionBlocks, warnings, then, release);
        } catch (RuntimeException e) {
            release.run(); // failed before the model took the round
            throw e;
        }
    }

    private void summarize(
            int round,
            float[] query,
            List<FeedbackLoop.Hit> top,
            byte[][] imageBlocks,
            byte[][] captionBlocks,
            List<String> warnings,
            FeedbackLoop.Callback<FeedbackLoop.Round> then,
            Runnable release) {
        List<FeedbackLoop.Hit> used = new ArrayList<>();
        List<float[][]> imageTokens = new ArrayList<>();
        List<float[][]> captionTokens = new ArrayList<>();
        List<float[]> images = new ArrayList<>();
        List<float[]> captionVectors = new ArrayList<>();
        List<float[]> bias = regions.isEmpty() ? null : new ArrayList<>(); // region feedback only
        for (int i = 0; i < top.size(); i++) {
            FeedbackLoop.Hit hit = top.get(i);
            float[][] it = tokens(hit, imageBlocks[i], imageTokensField, true, round, warnings);
            float[] iv = hit.vector(vectorField);
            float[][] ct = captions ? tokens(hit, captionBlocks[i], captionTokensField, false, round, warnings) : null;
            float[] cv = captions ? hit.vector(captionField) : null;
            if (it == null || iv == null || (captions && (ct == null || cv == null))) {
                warnings.add(String.format(
                        Locale.ROOT,
                        "round %d: hit [%s][%s] lacks one of %s; left out of the feedback",
                        round,
                        hit.index(),
                        hit.id(),
                        fields()));
                continue;
            }
            used.add(hit);
            imageTokens.add(it);
            images.add(iv);
            captionTokens.add(ct);
            captionVectors.add(cv);
            if (bias != null) {
                bias.add(AttentiveFeedback.regionBias(
                        it.length, regions.getOrDefault(hit.id(), List.of()), regionFactor));
            }
        }
        if (used.isEmpty()) {
            throw new IllegalArgumentException(
                    "strategy ["
                            + name()
                            + "]: none of the top "
                            + topK
                            + " hits has all of "
                            + fields()
                            + " ([field], [feedback.image_tokens_field]"
                            + (captions ? ", [feedback.caption_field], [feedback.caption_tokens_field]" : "")
                            + "); index the image and caption tokens with rf_encode's [image_tokens_field] / [text_tokens_field] into rf_tokens fields");
        }
        if (round == 1 && regions.isEmpty() == false) { // ids only when needed: in a shard each is a stored-fields read
            Set<String> ids = used.stream().map(FeedbackLoop.Hit::id).collect(Collectors.toSet());
            for (String id : regions.keySet()) {
                if (ids.contains(id) == false) {
                    throw new IllegalArgumentException("[feedback.regions] id [" + id + "] is not one of the top "
                            + topK + " feedback hits " + ids);
                }
            }
        }
        model.summarize(
                queryTokens,
                captions ? captionTokens : null,
                imageTokens,
                bias,
                FeedbackLoop.Callback.of(
                        out -> {
                            release.run();
                            AttentiveFeedback.Round r = AttentiveFeedback.refine(
                                    query,
                                    out.positive(),
                                    out.imageAttention(),
                                    images.toArray(float[][]::new),
                                    out.captionAttention(),
                                    captions ? captionVectors.toArray(float[][]::new) : null,
                                    params);
                            List<HitWeight> weights = new ArrayList<>();
                            for (int i = 0; i < used.size(); i++) {
                                weights.add(new HitWeight(
                                        used.get(i),
                                        r.positiveShares()[i],
                                        r.negativeWeights()[i],
                                        saliency ? r.patchSaliency()[i] : null,
                                        saliency && captions ? r.captionSaliency()[i] : null));
                            }
                            then.onResponse(new FeedbackLoop.Round(r.vector(), weights, warnings));
                        },
                        e -> {
                            release.run();
                            then.onFailure(e);
                        }));
    }

    private static long length(byte[] block) {
        return block == null ? 0 : block.length;
    }

    /** The hit's block in {@code field}, or null (with a warning when the value is there but not a block). */
    private static byte[] block(FeedbackLoop.Hit hit, String field, int round, List<String> warnings) {
        try {
            return hit.tokens(field);
        } catch (IllegalArgumentException e) {
            warnings.add(unusable(round, hit, field, e.getMessage()));
            return null;
        }
    }

    /**
     * The decoded block, or null when absent or unusable: not a block of the model's width (an image block also needs
     * the model's tokens per image) is left out with a warning.
     */
    private float[][] tokens(
            FeedbackLoop.Hit hit, byte[] block, String field, boolean image, int round, List<String> warnings) {
        if (block == null) {
            return null;
        }
        String problem;
        try {
            float[][] tokens = TokenCodec.decode(block);
            if (image && imageWidth == 0) {
                imageWidth = tokens[0].length;
            } else if (image == false && captionWidth == 0) {
                captionWidth = queryTokens.length > 0 ? queryTokens[0].length : tokens[0].length;
            }
            int dims = image ? imageWidth : captionWidth;
            if (tokens[0].length != dims) {
                problem = "its tokens have " + tokens[0].length + " dimensions, the model's have " + dims;
            } else if (image && tokens.length != tokensPerImage) {
                problem = "its " + tokens.length + " tokens are not the model's " + tokensPerImage
                        + " per image (CLS + patches)";
            } else {
                return tokens;
            }
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
        }
        warnings.add(unusable(round, hit, field, problem));
        return null;
    }

    private static String unusable(int round, FeedbackLoop.Hit hit, String field, String problem) {
        return String.format(
                Locale.ROOT,
                "round %d: hit [%s][%s] has no usable token block in [%s] (%s); left out of the feedback",
                round,
                hit.index(),
                hit.id(),
                field,
                problem);
    }
}
