package org.opensearch.relevancefeedback.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.util.cuda.CudaUtils;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A CLIP-style dual encoder in ONNX (Hugging Face CLIP export contract): {@code text_model.onnx}
 * (input_ids, attention_mask -> text_embeds), {@code vision_model.onnx} (pixel_values -> image_embeds),
 * {@code tokenizer.json}, {@code preprocessor_config.json}. Runs on ONNX Runtime through DJL.
 * Predictors are not thread-safe, so each tower serializes its calls (callers batch).
 */
public final class ClipEncoder implements Closeable {

    public static final List<String> FILES =
            List.of("text_model.onnx", "vision_model.onnx", "tokenizer.json", "preprocessor_config.json");
    /** CLIP's text context length: the position table of every CLIP text tower. */
    public static final int MAX_TOKENS = 77;

    private final ClipTokenizer tokenizer;
    private final ImagePreprocessor preprocessor;
    private final ZooModel<NDList, NDList> text;
    private final ZooModel<NDList, NDList> vision;
    private final Predictor<NDList, NDList> textPredictor;
    private final Predictor<NDList, NDList> visionPredictor;
    private final DeviceChoice device;
    private final int dimension;
    /** The Attentive Feedback Summarizer trained on this encoder's tokens, when the directory has one. */
    private final FeedbackSummarizer summarizer;

    private ClipEncoder(Path dir, DeviceChoice device, int intraOpThreads) throws IOException {
        this.device = device;
        this.tokenizer = new ClipTokenizer(dir.resolve("tokenizer.json"), MAX_TOKENS);
        this.preprocessor = ImagePreprocessor.fromConfig(dir.resolve("preprocessor_config.json"));
        this.text = loadModel(dir.resolve("text_model.onnx"), device, intraOpThreads);
        this.vision = loadModel(dir.resolve("vision_model.onnx"), device, intraOpThreads);
        this.textPredictor = text.newPredictor();
        this.visionPredictor = vision.newPredictor();
        Encoded probe = encodeTextsWithTokens(List.of("a"));
        this.dimension = probe.embeds()[0].length;
        Path afs = dir.resolve(FeedbackSummarizer.FILE);
        int size = preprocessor.size();
        this.summarizer = Files.isRegularFile(afs)
                ? new FeedbackSummarizer(
                        afs,
                        device,
                        intraOpThreads,
                        probe.tokens()[0][0].length,
                        encodePixelValuesWithTokens(new float[3 * size * size], 1)
                                .tokens()[0]
                                .length)
                : null;
    }

    /**
     * Loads the model in {@code dir} on the device {@code requestedDevice} (auto|cpu|cuda) asks for.
     * Missing files and an unusable device are IllegalArgumentExceptions naming what is wrong.
     */
    public static ClipEncoder load(Path dir, String requestedDevice, int intraOpThreads) throws IOException {
        for (String file : FILES) {
            if (Files.isRegularFile(dir.resolve(file)) == false) {
                throw new IllegalArgumentException("model directory [" + dir + "] lacks [" + file + "]");
            }
        }
        DeviceChoice device = DeviceChoice.select(requestedDevice, gpuCount(), cudaProvider());
        return new ClipEncoder(dir, device, intraOpThreads);
    }

    private static int gpuCount() {
        try {
            return CudaUtils.getGpuCount();
        } catch (Throwable t) {
            return 0; // no CUDA runtime library on this machine
        }
    }

    private static boolean cudaProvider() {
        return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    }

    static ZooModel<NDList, NDList> loadModel(Path file, DeviceChoice device, int intraOpThreads) throws IOException {
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file)
                .optEngine("OnnxRuntime")
                .optDevice(device.gpu() ? Device.gpu() : Device.cpu())
                .optTranslator(new NoopTranslator())
                .optOption("intraOpNumThreads", Integer.toString(intraOpThreads))
                .optOption("interOpNumThreads", "1")
                .build();
        try {
            return criteria.loadModel();
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IllegalArgumentException("cannot load [" + file + "]: " + e.getMessage(), e);
        }
    }

    public int dimension() {
        return dimension;
    }

    public DeviceChoice device() {
        return device;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    /** The model's Attentive Feedback Summarizer, or null when it has none. */
    public FeedbackSummarizer summarizer() {
        return summarizer;
    }

    /** Embeddings and, per input, the last hidden states of its tokens (a text's real tokens; an image's CLS + patches). */
    public record Encoded(float[][] embeds, float[][][] tokens) {}

    /** text_embeds of each text (one batch, padded to the longest). */
    public float[][] encodeTexts(List<String> texts) {
        return encodeTextsWithTokens(texts).embeds();
    }

    /** text_embeds and the word tokens' last hidden states of each text. */
    public Encoded encodeTextsWithTokens(List<String> texts) {
        long[][] ids = new long[texts.size()][];
        int longest = 1;
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokenizer.encode(texts.get(i));
            longest = Math.max(longest, ids[i].length);
        }
        long[] flatIds = new long[ids.length * longest];
        long[] mask = new long[flatIds.length];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(ids[i], 0, flatIds, i * longest, ids[i].length);
            for (int t = 0; t < ids[i].length; t++) {
                mask[i * longest + t] = 1;
            }
        }
        synchronized (textPredictor) {
            try (NDManager manager = text.getNDManager().newSubManager()) {
                NDArray idArray = manager.create(flatIds, new Shape(ids.length, longest));
                idArray.setName("input_ids");
                NDArray maskArray = manager.create(mask, new Shape(ids.length, longest));
                maskArray.setName("attention_mask");
                NDList out = textPredictor.predict(new NDList(idArray, maskArray));
                int[] lengths = new int[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    lengths[i] = ids[i].length;
                }
                return new Encoded(rows(out, "text_embeds", ids.length), tokens(out, lengths));
            } catch (TranslateException e) {
                throw new IllegalStateException("text encoder failed: " + e.getMessage(), e);
            }
        }
    }

    /** image_embeds of encoded images (PNG / JPEG bytes within {@code limits}), preprocessed per preprocessor_config.json. */
    public float[][] encodeImages(List<byte[]> images, ImagePreprocessor.Limits limits) throws IOException {
        int pixels = 3 * preprocessor.size() * preprocessor.size();
        float[] batch = new float[images.size() * pixels];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(preprocessor.pixelValues(images.get(i), limits), 0, batch, i * pixels, pixels);
        }
        return encodePixelValues(batch, images.size());
    }

    /** image_embeds of already normalized pixel values, [n, 3, size, size] flattened. */
    public float[][] encodePixelValues(float[] pixelValues, int n) {
        return encodePixelValuesWithTokens(pixelValues, n).embeds();
    }

    /** image_embeds and the CLS + patch tokens' last hidden states of each image. */
    public Encoded encodePixelValuesWithTokens(float[] pixelValues, int n) {
        int size = preprocessor.size();
        synchronized (visionPredictor) {
            try (NDManager manager = vision.getNDManager().newSubManager()) {
                NDArray array = manager.create(pixelValues, new Shape(n, 3, size, size));
                array.setName("pixel_values");
                NDList out = visionPredictor.predict(new NDList(array));
                int[] lengths = new int[n];
                Arrays.fill(lengths, -1);
                return new Encoded(rows(out, "image_embeds", n), tokens(out, lengths));
            } catch (TranslateException e) {
                throw new IllegalStateException("vision encoder failed: " + e.getMessage(), e);
            }
        }
    }

    private static float[][] rows(NDList outputs, String name, int n) {
        NDArray out = outputs.get(name);
        if (out == null) {
            out = outputs.get(0);
        }
        float[] flat = out.toFloatArray();
        int dims = flat.length / n;
        float[][] rows = new float[n][dims];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * dims, rows[i], 0, dims);
        }
        return rows;
    }

    /** last_hidden_state [n, seq, hidden] split per input, keeping lengths[i] tokens (-1: all). */
    private static float[][][] tokens(NDList outputs, int[] lengths) {
        NDArray hidden = outputs.get("last_hidden_state");
        if (hidden == null) {
            hidden = outputs.get(1);
        }
        long[] shape = hidden.getShape().getShape();
        int seq = (int) shape[1];
        int dims = (int) shape[2];
        float[] flat = hidden.toFloatArray();
        float[][][] out = new float[lengths.length][][];
        for (int i = 0; i < lengths.length; i++) {
            int keep = lengths[i] < 0 ? seq : lengths[i];
            out[i] = new float[keep][dims];
            for (int t = 0; t < keep; t++) {
                System.arraycopy(flat, (i * seq + t) * dims, out[i][t], 0, dims);
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (summarizer != null) {
            summarizer.close();
        }
        textPredictor.close();
        visionPredictor.close();
        text.close();
        vision.close();
        tokenizer.close();
    }
}
