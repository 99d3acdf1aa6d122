package org.opensearch.relevancefeedback.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Encoder benchmark (scripts/bench_encoder.sh): the plugin's ClipEncoder (DJL + ONNX Runtime, tokenizer and
 * Pillow-exact preprocessing included) against a bare ONNX Runtime loop over the same model files in the same JVM
 * (the same tokenizer / preprocessing, then OrtSession.run), single thread, ONNX Runtime intra-op threads as given.
 * Data: the emoji test split's query texts and PNGs (data/manifest.jsonl from scripts/fetch_corpus.sh). Arguments:
 * intra-op threads (1), model folder (models/emoji-clip).
 */
public final class EncoderBench {

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Path model = Path.of(args.length > 1 ? args[1] : "models/emoji-clip"); // e.g. a scripts/convert_clip.sh folder
        List<String> texts = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        Pattern path = Pattern.compile("\"path\": \"([^\"]+)\"");
        Pattern label = Pattern.compile("\"type\": \"label\", \"text\": \"([^\"]+)\"");
        for (String line : Files.readAllLines(Path.of("data/manifest.jsonl"))) {
            if (line.contains("\"split\": \"test\"") == false) {
                continue;
            }
            Matcher p = path.matcher(line);
            Matcher l = label.matcher(line);
            if (p.find() && l.find()) {
                images.add(Files.readAllBytes(Path.of(p.group(1))));
                texts.add(l.group(1));
            }
        }
        try (ClipEncoder encoder = ClipEncoder.load(model, "cpu", threads); OrtEnvironment env = OrtEnvironment.getEnvironment()) {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            try (
                OrtSession text = env.createSession(model.resolve("text_model.onnx").toString(), options);
                OrtSession vision = env.createSession(model.resolve("vision_model.onnx").toString(), options)
            ) {
                System.out.printf(Locale.ROOT, "%d texts, %d images, intra-op threads %d%n%n", texts.size(), images.size(), threads);
                System.out.println("| what | path | p50 ms | p99 ms | per second | p50 plugin / bare |");
                System.out.println("|---|---|---|---|---|---|");
                double[] bareText = time(1000, i -> bareText(env, text, encoder.tokenizer().encode(texts.get(i % texts.size()))));
                double[] pluginText = time(1000, i -> encoder.encodeTexts(List.of(texts.get(i % texts.size()))));
                row("text, batch 1", "bare ONNX Runtime", bareText, 1, Double.NaN);
                row("text, batch 1", "plugin ClipEncoder", pluginText, 1, pluginText[0] / bareText[0]);
                for (int batch : new int[] { 1, 32 }) {
                    int calls = batch == 1 ? 1000 : 60;
                    double[] bare = time(calls, i -> bareImages(env, vision, encoder, images, i * batch, batch));
                    double[] plugin = time(calls, i -> encoder.encodeImages(slice(images, i * batch, batch), RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS.image()));
                    row("images, batch " + batch, "bare ONNX Runtime", bare, batch, Double.NaN);
                    row("images, batch " + batch, "plugin ClipEncoder", plugin, batch, plugin[0] / bare[0]);
                }
                summarizer(encoder, texts, images);
            }
        }
    }

    /**
     * The Attentive Feedback Summarizer per query, K = 5, on the token blocks as the index stores them (int8 round
     * trip): the query's word tokens with 5 images (and their captions for afs). Captions: the other queries' texts.
     */
    private static void summarizer(ClipEncoder encoder, List<String> texts, List<byte[]> images) throws Exception {
        FeedbackSummarizer afs = encoder.summarizer();
        if (afs == null) {
            return;
        }
        int n = 50;
        List<float[][]> queryTokens = new ArrayList<>();
        List<float[][]> imageTokens = new ArrayList<>();
        List<float[][]> captionTokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            queryTokens.add(encoder.encodeTextsWithTokens(List.of(texts.get(i))).tokens()[0]);
            float[][] patches = encoder.encodePixelValuesWithTokens(encoder.preprocessor().pixelValues(images.get(i), RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS.image()), 1).tokens()[0];
            imageTokens.add(TokenCodec.decode(TokenCodec.encode(patches)));
            captionTokens.add(TokenCodec.decode(TokenCodec.encode(queryTokens.get(i))));
        }
        double[] withCaptions = time(1000, i -> afs.summarize(queryTokens.get(i % n), slice(captionTokens, i, 5), slice(imageTokens, i + 1, 5), null));
        double[] imagesOnly = time(1000, i -> afs.summarize(queryTokens.get(i % n), null, slice(imageTokens, i + 1, 5), null));
        row("summarizer, K 5, afs", "plugin FeedbackSummarizer", withCaptions, 1, Double.NaN);
        row("summarizer, K 5, afs_prf", "plugin FeedbackSummarizer", imagesOnly, 1, Double.NaN);
    }

    private interface Call {
        void run(int i) throws Exception;
    }

    /** {p50, p99, mean} in ms after 20% warm-up calls. */
    private static double[] time(int calls, Call call) throws Exception {
        for (int i = 0; i < calls / 5; i++) {
            call.run(i);
        }
        double[] ms = new double[calls];
        for (int i = 0; i < calls; i++) {
            long t = System.nanoTime();
            call.run(i + calls);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        double mean = Arrays.stream(ms).average().orElse(0);
        Arrays.sort(ms);
        return new double[] { ms[calls / 2], ms[(int) Math.min(calls - 1, Math.ceil(calls * 0.99) - 1)], mean };
    }

    private static void row(String what, String path, double[] t, int batch, double ratio) {
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | %.3f | %.3f | %.0f %s | %s |%n",
            what,
            path,
            t[0],
            t[1],
            batch * 1000 / t[2],
            batch == 1 && what.startsWith("images") == false ? "queries" : "images",
            Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio)
        );
    }

    private static <T> List<T> slice(List<T> all, int from, int n) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(all.get((from + i) % all.size()));
        }
        return out;
    }

    private static void bareText(OrtEnvironment env, OrtSession session, long[] ids) throws Exception {
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        long[] shape = { 1, ids.length };
        try (
            OnnxTensor idTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
            OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
            OrtSession.Result r = session.run(Map.of("input_ids", idTensor, "attention_mask", maskTensor))
        ) {
            ((OnnxTensor) r.get("text_embeds").get()).getFloatBuffer();
        }
    }

    private static void bareImages(OrtEnvironment env, OrtSession session, ClipEncoder encoder, List<byte[]> images, int from, int n)
        throws Exception {
        int size = encoder.preprocessor().size();
        int pixels = 3 * size * size;
        float[] batch = new float[n * pixels];
        List<byte[]> slice = slice(images, from, n);
        for (int i = 0; i < n; i++) {
            System.arraycopy(encoder.preprocessor().pixelValues(slice.get(i), RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS.image()), 0, batch, i * pixels, pixels);
        }
        try (
            OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(batch), new long[] { n, 3, size, size });
            OrtSession.Result r = session.run(Map.of("pixel_values", tensor))
        ) {
            ((OnnxTensor) r.get("image_embeds").get()).getFloatBuffer();
        }
    }

    private EncoderBench() {}
}
