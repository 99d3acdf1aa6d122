package org.opensearch.relevancefeedback.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
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
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;

/**
 * Encoder benchmark (scripts/bench_encoder.sh): the plugin's ClipEncoder (DJL + ONNX Runtime, tokenizer and
 * Pillow-exact preprocessing included) against a bare ONNX Runtime loop over the same model files in the same JVM
 * (the same tokenizer / preprocessing, then OrtSession.run), single thread, ONNX Runtime intra-op threads as given.
 * Data: the emoji test split's query texts and PNGs (data/manifest.jsonl from scripts/fetch_corpus.sh). Arguments:
 * intra-op threads (1), model folder (models/emoji-clip). Each row runs as many calls as fit in about 20 s (30 to
 * 1,000) after a 20% warm-up. Also reports what loading the model costs: wall time, heap, and native memory (resident
 * set minus heap growth).
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
        long[] before = memory();
        long loadStart = System.nanoTime();
        ClipEncoder loaded = ClipEncoder.load(model, "cpu", threads);
        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        long[] after = memory();
        try (ClipEncoder encoder = loaded;
                OrtEnvironment env = OrtEnvironment.getEnvironment()) {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            try (OrtSession text =
                            env.createSession(model.resolve("text_model.onnx").toString(), options);
                    OrtSession vision =
                            env.createSession(model.resolve("vision_model.onnx").toString(), options)) {
                System.out.printf(
                        Locale.ROOT,
                        "%s: %d texts, %d images, intra-op threads %d%n",
                        model,
                        texts.size(),
                        images.size(),
                        threads);
                System.out.printf(
                        Locale.ROOT,
                        "loading the model (towers%s): %.1f s, heap %+.0f MB, native %+.0f MB (resident set %+.0f MB)%n%n",
                        encoder.summarizer() == null ? "" : " and summarizer",
                        loadSeconds,
                        (after[0] - before[0]) / 1e6,
                        ((after[1] - before[1]) - (after[0] - before[0])) / 1e6,
                        (after[1] - before[1]) / 1e6);
                System.out.println("| what | path | p50 ms | p99 ms | per second | p50 plugin / bare |");
                System.out.println("|---|---|---|---|---|---|");
                double[] bareText =
                        time(i -> bareText(env, text, encoder.tokenizer().encode(texts.get(i % texts.size()))));
                double[] pluginText = time(i -> encoder.encodeTexts(List.of(texts.get(i % texts.size()))));
                row("text, batch 1", "bare ONNX Runtime", bareText, 1, Double.NaN);
                row("text, batch 1", "plugin ClipEncoder", pluginText, 1, pluginText[0] / bareText[0]);
                for (int batch : new int[] {1, 32}) {
                    double[] bare = time(i -> bareImages(env, vision, encoder, images, i * batch, batch));
                    double[] plugin = time(i -> encoder.encodeImages(
                            slice(images, i * batch, batch),
                            RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS.image()));
                    row("images, batch " + batch, "bare ONNX Runtime", bare, batch, Double.NaN);
                    row("images, batch " + batch, "plugin ClipEncoder", plugin, batch, plugin[0] / bare[0]);
                }
                summarizer(env, model, options, encoder, texts, images);
            }
        }
    }

    /**
     * The Attentive Feedback Summarizer per query, K = 5, on the token blocks as the index stores them (int8 round
     * trip): the query's word tokens with 5 images (and their captions for afs). Captions: the other queries' texts.
     * The bare row runs the same inputs (afs) through an OrtSession of the same file.
     */
    private static void summarizer(
            OrtEnvironment env,
            Path model,
            OrtSession.SessionOptions options,
            ClipEncoder encoder,
            List<String> texts,
            List<byte[]> images)
            throws Exception {
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
            float[][] patches = encoder.encodePixelValuesWithTokens(
                            encoder.preprocessor()
                                    .pixelValues(
                                            images.get(i), RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS.image()),
                            1)
                    .tokens()[0];
            imageTokens.add(TokenCodec.decode(TokenCodec.encode(patches)));
            captionTokens.add(TokenCodec.decode(TokenCodec.encode(queryTokens.get(i))));
        }
        try (OrtSession session =
                env.createSession(model.resolve(FeedbackSummarizer.FILE).toString(), options)) {
            double[] bare = time(i -> bareSummarizer(
                    env, session, queryTokens.get(i % n), slice(captionTokens, i, 5), slice(imageTokens, i + 1, 5)));
            double[] withCaptions = time(i -> afs.summarize(
                    queryTokens.get(i % n), slice(captionTokens, i, 5), slice(imageTokens, i + 1, 5), null));
            double[] imagesOnly =
                    time(i -> afs.summarize(queryTokens.get(i % n), null, slice(imageTokens, i + 1, 5), null));
            row("summarizer, K 5, afs", "bare ONNX Runtime", bare, 1, Double.NaN);
            row("summarizer, K 5, afs", "plugin FeedbackSummarizer", withCaptions, 1, withCaptions[0] / bare[0]);
            row("summarizer, K 5, afs_prf", "plugin FeedbackSummarizer", imagesOnly, 1, Double.NaN);
        }
    }

    private static void bareSummarizer(
            OrtEnvironment env, OrtSession session, float[][] query, List<float[][]> captions, List<float[][]> images)
            throws Exception {
        float[][] caps = captions.stream().flatMap(Arrays::stream).toArray(float[][]::new);
        float[][] imgs = images.stream().flatMap(Arrays::stream).toArray(float[][]::new);
        long[] mask = new long[query.length];
        Arrays.fill(mask, 1);
        try (OnnxTensor q = tokens(env, query);
                OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, mask.length});
                OnnxTensor c = tokens(env, caps);
                OnnxTensor i = tokens(env, imgs);
                OnnxTensor b = OnnxTensor.createTensor(
                        env,
                        FloatBuffer.wrap(new float[caps.length + imgs.length]),
                        new long[] {1, caps.length + imgs.length});
                OrtSession.Result r = session.run(Map.of(
                        "query_tokens",
                        q,
                        "query_mask",
                        m,
                        "caption_tokens",
                        c,
                        "image_tokens",
                        i,
                        "relevance_bias",
                        b))) {
            ((OnnxTensor) r.get("positive").get()).getFloatBuffer();
        }
    }

    private static OnnxTensor tokens(OrtEnvironment env, float[][] tokens) throws Exception {
        int dims = tokens[0].length;
        float[] flat = new float[tokens.length * dims];
        for (int t = 0; t < tokens.length; t++) {
            System.arraycopy(tokens[t], 0, flat, t * dims, dims);
        }
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), new long[] {1, tokens.length, dims});
    }

    /** {heap bytes in use after a GC, resident set bytes of the process}. */
    private static long[] memory() throws Exception {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        long heap = rt.totalMemory() - rt.freeMemory();
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return new long[] {heap, rss};
    }

    private interface Call {
        void run(int i) throws Exception;
    }

    /** {p50, p99, mean} in ms: as many calls as fit in ~20 s (30 to 1,000), after 20% more as warm-up. */
    private static double[] time(Call call) throws Exception {
        long probe = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            call.run(i);
        }
        double probeMs = (System.nanoTime() - probe) / 3e6;
        int calls = (int) Math.max(30, Math.min(1000, 20_000 / probeMs));
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
        return new double[] {ms[calls / 2], ms[(int) Math.min(calls - 1, Math.ceil(calls * 0.99) - 1)], mean};
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
                Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio));
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
        long[] shape = {1, ids.length};
        try (OnnxTensor idTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                OrtSession.Result r = session.run(Map.of("input_ids", idTensor, "attention_mask", maskTensor))) {
            ((OnnxTensor) r.get("text_embeds").get()).getFloatBuffer();
        }
    }

    private static void bareImages(
            OrtEnvironment env, OrtSession session, ClipEncoder encoder, List<byte[]> images, int from, int n)
            throws Exception {
        int size = encoder.preprocessor().size();
        int pixels = 3 * size * size;
        float[] batch = new float[n * pixels];
        List<byte[]> slice = slice(images, from, n);
        for (int i = 0; i < n; i++) {
            System.arraycopy(
                    encoder.preprocessor()
                            .pixelValues(slice.get(i), RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS.image()),
                    0,
                    batch,
                    i * pixels,
                    pixels);
        }
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(batch), new long[] {n, 3, size, size});
                OrtSession.Result r = session.run(Map.of("pixel_values", tensor))) {
            ((OnnxTensor) r.get("image_embeds").get()).getFloatBuffer();
        }
    }

    private EncoderBench() {}
}
