package org.opensearch.relevancefeedback.inference;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.action.ActionRunnable;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.action.ActionListener;
import org.opensearch.env.Environment;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.threadpool.ThreadPool;

/**
 * The node's models: the one shipped in the plugin ({@value #SHIPPED}) and every folder under the plugin's models
 * directory in the node's config ({@code config/relevance-feedback/models/<name>/}), each loaded once at node start,
 * shared, closed with the node. A request names its model (or gets the default,
 * {@code plugins.relevance_feedback.model.default}). Encoding runs on the plugin's own thread pool, never on transport
 * or search threads. A model that fails to load stops neither the node nor the other models: requests that need it get
 * a 400 with the reason, and the models endpoint shows it.
 */
public final class ModelService implements Closeable {

    public static final String THREAD_POOL = "relevance_feedback_inference";
    /** The model shipped in the plugin, the default unless the node names another. */
    public static final String SHIPPED = "emoji-clip";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Logger logger = LogManager.getLogger(ModelService.class);

    /** One model folder: its encoder, or why it did not load. */
    private record Model(String name, Path path, ClipEncoder encoder, String failure, long loadMillis) {}

    private final ThreadPool threadPool;
    private final Supplier<RelevanceFeedbackSettings.FeedbackLimits> limits;
    /** The shipped model first, then the config folders by name. */
    private final Map<String, Model> models;

    private final String defaultName;

    /**
     * @param bundled the model shipped in the plugin
     * @param modelsDir the plugin's models directory under the node's config directory (need not exist)
     */
    public ModelService(
            Settings settings,
            Environment environment,
            Path bundled,
            Path modelsDir,
            ThreadPool threadPool,
            Supplier<RelevanceFeedbackSettings.FeedbackLimits> limits) {
        this.threadPool = threadPool;
        this.limits = limits;
        this.defaultName = RelevanceFeedbackSettings.MODEL_DEFAULT.get(settings);
        // DJL unpacks the tokenizer's native library into its cache: keep it under the node's temp dir, offline.
        System.setProperty("DJL_CACHE_DIR", environment.tmpDir().resolve("djl").toString());
        System.setProperty("ai.djl.offline", "true");
        String device = RelevanceFeedbackSettings.MODEL_DEVICE.get(settings);
        int threads = RelevanceFeedbackSettings.MODEL_INTRA_OP_THREADS.get(settings);
        Map<String, Model> loaded = new LinkedHashMap<>();
        loaded.put(SHIPPED, load(SHIPPED, () -> bundled, device, threads));
        List<Path> folders = new ArrayList<>();
        if (Files.isDirectory(modelsDir)) {
            try (Stream<Path> list = Files.list(modelsDir)) {
                list.filter(Files::isDirectory)
                        .filter(p -> p.getFileName().toString().startsWith(".") == false)
                        .sorted()
                        .forEach(folders::add);
            } catch (IOException e) {
                logger.error("cannot list the models directory [" + modelsDir + "]", e);
            }
        }
        for (Path folder : folders) {
            String name = folder.getFileName().toString();
            if (loaded.containsKey(name)) {
                loaded.put(
                        name + " (" + folder + ")",
                        failed(name, folder, "the name [" + name + "] is the model shipped with the plugin"));
            } else if (NAME.matcher(name).matches() == false) {
                loaded.put(name, failed(name, folder, "a model folder's name must match " + NAME.pattern()));
            } else {
                loaded.put(name, load(name, () -> checkUnder(environment.configDir(), folder), device, threads));
            }
        }
        this.models = Collections.unmodifiableMap(loaded);
        if (models.containsKey(defaultName) == false) {
            logger.error(
                    "[{}] names [{}], which is not a model on this node {}",
                    RelevanceFeedbackSettings.MODEL_DEFAULT.getKey(),
                    defaultName,
                    models.keySet());
        }
    }

    private interface Folder {
        Path get() throws IOException;
    }

    private static Model load(String name, Folder folder, String device, int threads) {
        long start = System.nanoTime();
        Path dir = null;
        try {
            dir = folder.get();
            ClipEncoder encoder = withPluginClassLoader(dir, device, threads);
            logger.info(
                    "loaded model [{}] from [{}] on [{}] ({}), dimension {}",
                    name,
                    dir,
                    encoder.device().label(),
                    encoder.device().reason(),
                    encoder.dimension());
            return new Model(name, dir, encoder, null, (System.nanoTime() - start) / 1_000_000);
        } catch (Exception e) {
            logger.error("could not load the relevance-feedback model [" + name + "]; requests that name it fail", e);
            return new Model(name, dir, null, e.getMessage(), (System.nanoTime() - start) / 1_000_000);
        }
    }

    private static Model failed(String name, Path folder, String why) {
        logger.error("model folder [{}] not loaded: {}", folder, why);
        return new Model(name, folder, null, why, 0);
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
     * A model folder must stay under the config directory once links are resolved: a folder that is a link to a
     * directory elsewhere is refused (that model does not load).
     */
    static Path checkUnder(Path configDir, Path folder) throws IOException {
        Path config = configDir.toAbsolutePath().normalize().toRealPath();
        Path real = folder.toRealPath();
        if (real.startsWith(config) == false) {
            throw new IllegalArgumentException("model folder [" + folder + "] must stay under the config directory ["
                    + config + "]: it is a link to [" + real + "]");
        }
        return real;
    }

    /** The named model (null: the default), or an IllegalArgumentException that names the models there are. */
    private Model model(String name) {
        String key = name == null ? defaultName : name;
        Model m = models.get(key);
        if (m == null) {
            throw new IllegalArgumentException((name == null
                            ? "the default model [" + key + "] (setting ["
                                    + RelevanceFeedbackSettings.MODEL_DEFAULT.getKey() + "])"
                            : "[model] [" + key + "]")
                    + " is not a model on this node; models: "
                    + models.keySet());
        }
        return m;
    }

    /** The named model's tokenizer (null: the default model's), for the tokenize endpoint; see {@link #encoder}. */
    public ClipTokenizer tokenizer(String name) {
        return encoder(name).tokenizer();
    }

    /** The named model's encoder (null: the default model's); an IllegalArgumentException when it is unknown or did not load. */
    private ClipEncoder encoder(String name) {
        Model m = model(name);
        if (m.encoder() == null) {
            throw new IllegalArgumentException("model [" + m.name() + "] did not load on this node: " + m.failure());
        }
        return m.encoder();
    }

    /**
     * The dimension a field bound to {@code name} must have: empty when the model is there but did not load (nothing to
     * check against); an IllegalArgumentException when there is no such model.
     */
    public OptionalInt dimension(String name) {
        Model m = model(name);
        return m.encoder() == null
                ? OptionalInt.empty()
                : OptionalInt.of(m.encoder().dimension());
    }

    /** The name a request without [model] gets. */
    public String defaultName() {
        return defaultName;
    }

    /** Encodes query / feedback texts with the named model on the inference pool, in one batch. */
    public void encodeTexts(String model, List<String> texts, ActionListener<ClipEncoder.Encoded> listener) {
        ClipEncoder encoder;
        try {
            texts.forEach(limits()::checkTextLength);
            encoder = encoder(model);
        } catch (IllegalArgumentException e) {
            listener.onFailure(e);
            return;
        }
        executor().execute(ActionRunnable.supply(listener, () -> encoder.encodeTextsWithTokens(texts)));
    }

    /** Encodes a base64 PNG / JPEG with the named model, decoded within the node's image limits. */
    public void encodeImage(String model, String base64, ActionListener<float[]> listener) {
        ClipEncoder encoder;
        try {
            encoder = encoder(model);
        } catch (IllegalArgumentException e) {
            listener.onFailure(e);
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

    /** One pass of the named model's Attentive Feedback Summarizer, see {@link FeedbackSummarizer#summarize}. */
    public void summarize(
            String model,
            float[][] query,
            List<float[][]> captions,
            List<float[][]> images,
            List<float[]> imageBias,
            ActionListener<FeedbackSummarizer.Output> listener) {
        FeedbackSummarizer summarizer;
        try {
            summarizer = summarizer(model);
        } catch (IllegalArgumentException e) {
            listener.onFailure(e);
            return;
        }
        executor()
                .execute(ActionRunnable.supply(
                        listener, () -> summarizer.summarize(query, captions, images, imageBias)));
    }

    /** See {@link Inference#summarizeHere}. */
    public FeedbackSummarizer.Output summarizeHere(
            String model, float[][] query, List<float[][]> captions, List<float[][]> images, List<float[]> imageBias) {
        return summarizer(model).summarize(query, captions, images, imageBias);
    }

    /** See {@link Inference#summarizerImageTokens}. */
    public int summarizerImageTokens(String model) {
        return summarizer(model).imageTokens();
    }

    /** The named model's summarizer; an IllegalArgumentException when the model did not load or has none. */
    private FeedbackSummarizer summarizer(String model) {
        FeedbackSummarizer summarizer = encoder(model).summarizer();
        if (summarizer == null) {
            throw new IllegalArgumentException(
                    "strategy [afs] needs the Attentive Feedback Summarizer [" + FeedbackSummarizer.FILE
                            + "], which model [" + model(model).name() + "] does not have");
        }
        return summarizer;
    }

    /** One rf_encode input's encoding: its embedding and token states, or what was wrong with that input alone. */
    public record IngestEncoding(float[] embed, float[][] tokens, Exception error) {}

    /** rf_encode's batch, per document: its image's and its text's encoding, null where it had none. */
    public record IngestBatch(List<IngestEncoding> images, List<IngestEncoding> texts) {}

    /**
     * Encodes an ingest batch on the inference pool: images (base64, each checked against the limits, decoded and
     * preprocessed alone, then one batch through the vision tower) and texts (one batch); a null input is skipped.
     */
    public void encodeForIngest(
            String model, List<String> images, List<String> texts, ActionListener<IngestBatch> listener) {
        ClipEncoder encoder;
        try {
            encoder = encoder(model);
        } catch (IllegalArgumentException e) {
            listener.onFailure(e);
            return;
        }
        executor()
                .execute(ActionRunnable.supply(
                        listener, () -> new IngestBatch(ingestImages(encoder, images), ingestTexts(encoder, texts))));
    }

    private List<IngestEncoding> ingestImages(ClipEncoder encoder, List<String> images) {
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

    private static List<IngestEncoding> ingestTexts(ClipEncoder encoder, List<String> texts) {
        IngestEncoding[] out = new IngestEncoding[texts.size()];
        List<Integer> ok = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) != null) {
                ok.add(i);
            }
        }
        if (ok.isEmpty() == false) {
            ClipEncoder.Encoded encoded =
                    encoder.encodeTextsWithTokens(ok.stream().map(texts::get).toList());
            for (int j = 0; j < ok.size(); j++) {
                out[ok.get(j)] = new IngestEncoding(encoded.embeds()[j], encoded.tokens()[j], null);
            }
        }
        return Arrays.asList(out);
    }

    /** The node's current request limits (cluster settings). */
    public RelevanceFeedbackSettings.FeedbackLimits limits() {
        return limits.get();
    }

    /** The inference pool: encoding never runs on transport, search or write threads. */
    public ExecutorService executor() {
        return threadPool.executor(THREAD_POOL);
    }

    /** What the models endpoint shows: one entry per model folder, the default marked. */
    public List<Map<String, Object>> info() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Model model : models.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", model.name());
            m.put("default", model.name().equals(defaultName) && model == models.get(defaultName));
            m.put("path", model.path() == null ? null : model.path().toString());
            m.put("loaded", model.encoder() != null);
            ClipEncoder encoder = model.encoder();
            if (encoder != null) {
                m.put("dimension", encoder.dimension());
                m.put("device", encoder.device().label());
                m.put("device_reason", encoder.device().reason());
                m.put("max_tokens", ClipEncoder.MAX_TOKENS);
                m.put("image_size", encoder.preprocessor().size());
                m.put("feedback_summarizer", encoder.summarizer() != null);
            } else {
                m.put("error", model.failure());
            }
            m.put("load_time_ms", model.loadMillis());
            out.add(m);
        }
        return out;
    }

    @Override
    public void close() {
        models.values().stream().map(Model::encoder).filter(Objects::nonNull).forEach(ClipEncoder::close);
    }
}
