package org.opensearch.relevancefeedback;

import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.relevancefeedback.inference.ImagePreprocessor;

/**
 * Limits of the plugin's queries. kNN limits are index settings (checked on the shards); feedback limits are
 * node settings (checked on the coordinating node, where feedback runs). All dynamic.
 */
public final class RelevanceFeedbackSettings {

    public static final Setting<Integer> MAX_K = Setting.intSetting(
            "index.relevance_feedback.max_k", 1000, 1, 10_000, Setting.Property.IndexScope, Setting.Property.Dynamic);

    public static final Setting<Integer> MAX_NUM_CANDIDATES = Setting.intSetting(
            "index.relevance_feedback.max_num_candidates",
            10_000,
            1,
            100_000,
            Setting.Property.IndexScope,
            Setting.Property.Dynamic);

    /**
     * Derived source: {@code rf_vector} and {@code rf_tokens} values are not kept in the stored {@code _source} but read
     * back from the index (vector values, doc values) whenever the source is read: GET, search, reindex, update, peer
     * recovery. Fixed at index creation: segments written with it need this plugin to be read.
     */
    public static final Setting<Boolean> DERIVED_SOURCE = Setting.boolSetting(
            "index.relevance_feedback.derived_source", true, Setting.Property.IndexScope, Setting.Property.Final);

    public static final Setting<Integer> MAX_ROUNDS = Setting.intSetting(
            "plugins.relevance_feedback.max_rounds", 10, 1, 100, Setting.Property.NodeScope, Setting.Property.Dynamic);

    /** Upper bound of [feedback.top_k] and [feedback.window]: the hits whose vectors one round fetches. */
    public static final Setting<Integer> MAX_FEEDBACK_WINDOW = Setting.intSetting(
            "plugins.relevance_feedback.max_feedback_window",
            1000,
            1,
            10_000,
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);

    /**
     * Upper bound of [feedback.top_k] for the Attentive Feedback Summarizer, which reads ~15 KB of token blocks per hit
     * (about 190 KB of heap while a round runs, accounted to the breaker): 100 keeps a round near 19 MB.
     */
    public static final Setting<Integer> MAX_AFS_TOP_K = Setting.intSetting(
            "plugins.relevance_feedback.max_afs_top_k",
            100,
            1,
            1000,
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);

    /** Query texts longer than this are rejected before tokenization (the encoder keeps 77 tokens anyway). */
    public static final Setting<Integer> MAX_TEXT_CHARS = Setting.intSetting(
            "plugins.relevance_feedback.max_text_chars",
            2000,
            1,
            100_000,
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);

    /** Largest image (decoded bytes) rf_encode and a query's [image] accept. */
    public static final Setting<Integer> MAX_IMAGE_BYTES = Setting.intSetting(
            "plugins.relevance_feedback.max_image_bytes",
            10 * 1024 * 1024,
            1024,
            Integer.MAX_VALUE,
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);

    /** Largest image canvas (width x height, read from the header before decoding) rf_encode and a query's [image] accept. */
    public static final Setting<Integer> MAX_IMAGE_PIXELS = Setting.intSetting(
            "plugins.relevance_feedback.max_image_pixels",
            4096 * 4096,
            64 * 64,
            Integer.MAX_VALUE,
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);

    /** Largest ratio of an image's long edge to its short edge (the model sees a square center crop). */
    public static final Setting<Integer> MAX_IMAGE_ASPECT_RATIO = Setting.intSetting(
            "plugins.relevance_feedback.max_image_aspect_ratio",
            20,
            1,
            1000,
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);

    /**
     * The model a request without [model] uses: the one shipped in the plugin, or the name of a folder under
     * {@code config/relevance-feedback/models/}.
     */
    public static final Setting<String> MODEL_DEFAULT =
            Setting.simpleString("plugins.relevance_feedback.model.default", "emoji-clip", Setting.Property.NodeScope);

    public static final Setting<String> MODEL_DEVICE = new Setting<>(
            "plugins.relevance_feedback.model.device",
            "auto",
            v -> {
                if (List.of("auto", "cpu", "cuda").contains(v) == false) {
                    throw new IllegalArgumentException(
                            "[plugins.relevance_feedback.model.device] must be one of [auto, cpu, cuda], got [" + v
                                    + "]");
                }
                return v;
            },
            Setting.Property.NodeScope);

    /** ONNX Runtime threads per inference call; concurrency comes from the inference thread pool. */
    public static final Setting<Integer> MODEL_INTRA_OP_THREADS = Setting.intSetting(
            "plugins.relevance_feedback.model.intra_op_threads", 1, 1, 64, Setting.Property.NodeScope);

    /** Whether the node serves the web UI at {@code /_plugins/relevance_feedback/ui/}; off: that path is not registered. */
    public static final Setting<Boolean> UI_ENABLED =
            Setting.boolSetting("plugins.relevance_feedback.ui.enabled", true, Setting.Property.NodeScope);

    /**
     * Node-level limits (feedback, query text, ingest images) at one moment: the plugin keeps the current one from the
     * cluster settings ({@link #watch}) and hands it to whatever checks a request.
     */
    public record FeedbackLimits(
            int maxRounds,
            int maxWindow,
            int maxAfsTopK,
            int maxTextChars,
            int maxImageBytes,
            ImagePreprocessor.Limits image) {
        /** The settings' defaults: what a query builder without the node's model (unit tests) checks against. */
        public static final FeedbackLimits DEFAULTS = of(Settings.EMPTY);

        /** A query, feedback or tokenize text longer than [max_text_chars] is refused before tokenization. */
        public void checkTextLength(String text) {
            if (text.length() > maxTextChars) {
                throw new IllegalArgumentException("[text] has " + text.length() + " characters, more than "
                        + maxTextChars + " (setting [" + MAX_TEXT_CHARS.getKey() + "])");
            }
        }

        /** The bytes of a base64 image (query or document); an oversized one is refused before it is decoded. */
        public byte[] imageBytes(String base64) {
            // base64 is 4/3 of the bytes
            if ((long) base64.length() * 3 / 4 > maxImageBytes) {
                throw new IllegalArgumentException("image is larger than " + maxImageBytes + " bytes (setting ["
                        + MAX_IMAGE_BYTES.getKey() + "])");
            }
            try {
                return Base64.getMimeDecoder().decode(base64);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not valid base64: " + e.getMessage(), e);
            }
        }

        static FeedbackLimits of(Settings settings) {
            return new FeedbackLimits(
                    MAX_ROUNDS.get(settings),
                    MAX_FEEDBACK_WINDOW.get(settings),
                    MAX_AFS_TOP_K.get(settings),
                    MAX_TEXT_CHARS.get(settings),
                    MAX_IMAGE_BYTES.get(settings),
                    new ImagePreprocessor.Limits(MAX_IMAGE_PIXELS.get(settings), MAX_IMAGE_ASPECT_RATIO.get(settings)));
        }
    }

    private static final List<Setting<?>> LIMITS = List.of(
            MAX_ROUNDS,
            MAX_FEEDBACK_WINDOW,
            MAX_AFS_TOP_K,
            MAX_TEXT_CHARS,
            MAX_IMAGE_BYTES,
            MAX_IMAGE_PIXELS,
            MAX_IMAGE_ASPECT_RATIO);

    /** The limits the cluster settings give now; {@code onUpdate} receives new ones whenever a limit setting changes. */
    static FeedbackLimits watch(ClusterSettings settings, Consumer<FeedbackLimits> onUpdate) {
        Settings.Builder current = Settings.builder();
        LIMITS.forEach(s -> current.put(s.getKey(), String.valueOf(settings.get(s))));
        // The consumer gets the new values of all LIMITS settings (defaults for the ones not set).
        settings.addSettingsUpdateConsumer(updated -> onUpdate.accept(FeedbackLimits.of(updated)), LIMITS);
        return FeedbackLimits.of(current.build());
    }

    public static List<Setting<?>> all() {
        return List.of(
                MAX_K,
                MAX_NUM_CANDIDATES,
                DERIVED_SOURCE,
                MAX_ROUNDS,
                MAX_FEEDBACK_WINDOW,
                MAX_AFS_TOP_K,
                MAX_TEXT_CHARS,
                MAX_IMAGE_BYTES,
                MAX_IMAGE_PIXELS,
                MAX_IMAGE_ASPECT_RATIO,
                MODEL_DEFAULT,
                MODEL_DEVICE,
                MODEL_INTRA_OP_THREADS,
                UI_ENABLED);
    }

    private RelevanceFeedbackSettings() {}
}
