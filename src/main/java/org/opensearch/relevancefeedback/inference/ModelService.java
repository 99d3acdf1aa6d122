package org.opensearch.relevancefeedback.inference;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.action.ActionRunnable;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.env.Environment;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.threadpool.ThreadPool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * The node's text/image encoder: loaded once at node start from the configured directory, shared, closed with the
 * node. Encoding runs on the plugin's own thread pool, never on transport or search threads. A model that fails to
 * load does not stop the node: queries that need it get a 400 with the reason, and the models endpoint shows it.
 */
public final class ModelService implements Closeable, Inference {

    public static final String THREAD_POOL = "relevance_feedback_inference";
    private static final Logger logger = LogManager.getLogger(ModelService.class);

    private final ThreadPool threadPool;
    private final Path path;
    private final CircuitBreaker breaker;
    private final Supplier<RelevanceFeedbackSettings.FeedbackLimits> limits;
    private final ClipEncoder encoder;
    private final String failure;
    private final long loadMillis;

    public ModelService(
        Settings settings,
        Environment environment,
        Path bundled,
        ThreadPool threadPool,
        CircuitBreaker breaker,
        Supplier<RelevanceFeedbackSettings.FeedbackLimits> limits
    ) {
        this.threadPool = threadPool;
        this.breaker = breaker;
        this.limits = limits;
        ClipEncoder loaded = null;
        String problem = null;
        Path dir = null;
        long start = System.nanoTime();
        try {
            dir = resolve(RelevanceFeedbackSettings.MODEL_PATH.get(settings), environment.configDir(), bundled);
            // DJL unpacks the tokenizer's native library into its cache: keep it under the node's temp dir, offline.
            System.setProperty("DJL_CACHE_DIR", environment.tmpDir().resolve("djl").toString());
            System.setProperty("ai.djl.offline", "true");
            loaded = withPluginClassLoader(
                dir,
                RelevanceFeedbackSettings.MODEL_DEVICE.get(settings),
                RelevanceFeedbackSettings.MODEL_INTRA_OP_THREADS.get(settings)
            );
            logger.info("loaded model [{}] on [{}] ({}), dimension {}", dir, loaded.device().label(), loaded.device().reason(), loaded.dimension());
        } catch (Exception e) {
            problem = e.getMessage();
            logger.error("could not load the relevance-feedback model; text and image encoding are unavailable", e);
        }
        this.path = dir;
        this.encoder = loaded;
        this.failure = problem;
        this.loadMillis = (System.nanoTime() - start) / 1_000_000;
    }

    /** DJL finds its engines through the context class loader; on a node that is not the plugin's. */
    private static ClipEncoder withPluginClassLoader(Path dir, String device, int threads) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(ModelService.class.getClassLoader());
        try {
            return ClipEncoder.load(dir, device, threads);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * The model directory: the bundled one when the setting is empty, else the setting resolved against the config
     * directory, which it must not leave (no "..", no absolute path elsewhere, no symbolic link pointing elsewhere).
     */
    static Path resolve(String setting, Path configDir, Path bundled) throws IOException {
        if (setting == null || setting.isEmpty()) {
            return bundled;
        }
        Path config = configDir.toAbsolutePath().normalize();
        Path dir = config.resolve(setting).normalize();
        if (dir.startsWith(config) == false) {
            throw outsideConfig(config, setting, "");
        }
        if (Files.exists(dir) && dir.toRealPath().startsWith(config.toRealPath()) == false) {
            throw outsideConfig(config, setting, " (a link to [" + dir.toRealPath() + "])");
        }
        return dir;
    }

    private static IllegalArgumentException outsideConfig(Path config, String setting, String detail) {
        return new IllegalArgumentException(
            "[" + RelevanceFeedbackSettings.MODEL_PATH.getKey() + "] must be a directory under the config directory [" + config + "], got [" + setting + "]" + detail
        );
    }

    /** Encodes query / feedback texts on the inference pool, in one batch. */
    @Override
    public void encodeTexts(List<String> texts, ActionListener<ClipEncoder.Encoded> listener) {
        try {
            texts.forEach(limits()::checkTextLength);
        } catch (IllegalArgumentException e) {
            listener.onFailure(e);
            return;
        }
        if (encoder == null) {
            listener.onFailure(new IllegalArgumentException("[text] needs the text encoder, which did not load on this node: " + failure));
            return;
        }
        executor().execute(ActionRunnable.supply(listener, () -> encoder.encodeTextsWithTokens(texts)));
    }

    @Override
    public void encodeImage(String base64, ActionListener<float[]> listener) {
        if (encoder == null) {
            listener.onFailure(new IllegalArgumentException("[image] needs the vision encoder, which did not load on this node: " + failure));
            return;
        }
        executor().execute(ActionRunnable.supply(listener, () -> {
            RelevanceFeedbackSettings.FeedbackLimits limits = limits();
            try {
                return encoder.encodeImages(List.of(limits.imageBytes(base64)), limits.image())[0];
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot be read as an image: " + e.getMessage(), e);
            }
        }));
    }

    @Override
    public void summarize(
        float[][] query,
        List<float[][]> captions,
        List<float[][]> images,
        List<float[]> imageBias,
        ActionListener<FeedbackSummarizer.Output> listener
    ) {
        if (encoder == null || encoder.summarizer() == null) {
            listener.onFailure(
                new IllegalArgumentException(
                    "strategy [afs] needs the Attentive Feedback Summarizer ["
                        + FeedbackSummarizer.FILE
                        + "], which this node's model "
                        + (encoder == null ? "did not load: " + failure : "[" + path + "] does not have")
                )
            );
            return;
        }
        executor().execute(ActionRunnable.supply(listener, () -> encoder.summarizer().summarize(query, captions, images, imageBias)));
    }

    /** One rf_encode input's encoding: its embedding and token states, or what was wrong with that input alone. */
    public record IngestEncoding(float[] embed, float[][] tokens, Exception error) {}

    /** rf_encode's batch, per document: its image's and its text's encoding, null where it had none. */
    public record IngestBatch(List<IngestEncoding> images, List<IngestEncoding> texts) {}

    /**
     * Encodes an ingest batch on the inference pool: images (base64, each checked against the limits, decoded and
     * preprocessed alone, then one batch through the vision tower) and texts (one batch); a null input is skipped.
     */
    public void encodeForIngest(List<String> images, List<String> texts, ActionListener<IngestBatch> listener) {
        if (encoder == null) {
            listener.onFailure(new IllegalStateException("the encoder model is not loaded on this node: " + failure));
            return;
        }
        executor().execute(ActionRunnable.supply(listener, () -> new IngestBatch(ingestImages(images), ingestTexts(texts))));
    }

    private List<IngestEncoding> ingestImages(List<String> images) {
        RelevanceFeedbackSettings.FeedbackLimits limits = limits();
        IngestEncoding[] out = new IngestEncoding[images.size()];
        List<Integer> ok = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            if (images.get(i) != null) {
                try {
                    inputs.add(encoder.preprocessor().pixelValues(limits.imageBytes(images.get(i)), limits.image()));
                    ok.add(i);
                } catch (Exception e) {
                    out[i] = new IngestEncoding(null, null, e);
                }
            }
        }
        if (ok.isEmpty() == false) {
            int pixels = inputs.get(0).length;
            float[] batch = new float[ok.size() * pixels];
            for (int j = 0; j < ok.size(); j++) {
                System.arraycopy(inputs.get(j), 0, batch, j * pixels, pixels);
            }
            ClipEncoder.Encoded encoded = encoder.encodePixelValuesWithTokens(batch, ok.size());
            for (int j = 0; j < ok.size(); j++) {
                out[ok.get(j)] = new IngestEncoding(encoded.embeds()[j], encoded.tokens()[j], null);
            }
        }
        return Arrays.asList(out);
    }

    private List<IngestEncoding> ingestTexts(List<String> texts) {
        IngestEncoding[] out = new IngestEncoding[texts.size()];
        List<Integer> ok = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) != null) {
                ok.add(i);
            }
        }
        if (ok.isEmpty() == false) {
            ClipEncoder.Encoded encoded = encoder.encodeTextsWithTokens(ok.stream().map(texts::get).toList());
            for (int j = 0; j < ok.size(); j++) {
                out[ok.get(j)] = new IngestEncoding(encoded.embeds()[j], encoded.tokens()[j], null);
            }
        }
        return Arrays.asList(out);
    }

    @Override
    public CircuitBreaker breaker() {
        return breaker;
    }

    @Override
    public RelevanceFeedbackSettings.FeedbackLimits limits() {
        return limits.get();
    }

    /** The loaded encoder, or null when it did not load ({@link #failure()} says why). */
    public ClipEncoder encoder() {
        return encoder;
    }

    public String failure() {
        return failure;
    }

    /** The inference pool: encoding never runs on transport, search or write threads. */
    public ExecutorService executor() {
        return threadPool.executor(THREAD_POOL);
    }

    /** What the models endpoint shows. */
    public Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", path == null ? null : path.getFileName().toString());
        m.put("path", path == null ? null : path.toString());
        m.put("loaded", encoder != null);
        if (encoder != null) {
            m.put("dimension", encoder.dimension());
            m.put("device", encoder.device().label());
            m.put("device_reason", encoder.device().reason());
            m.put("max_tokens", ClipEncoder.MAX_TOKENS);
            m.put("image_size", encoder.preprocessor().size());
            m.put("feedback_summarizer", encoder.summarizer() != null);
        } else {
            m.put("error", failure);
        }
        m.put("load_time_ms", loadMillis);
        return m;
    }

    @Override
    public void close() {
        if (encoder != null) {
            encoder.close();
        }
    }
}
