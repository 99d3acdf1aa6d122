package org.opensearch.relevancefeedback.inference;

import static org.hamcrest.Matchers.containsString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.relevancefeedback.feedback.AttentiveFeedback;
import org.opensearch.relevancefeedback.feedback.AttentiveStrategy;
import org.opensearch.relevancefeedback.feedback.FeedbackLoop;
import org.opensearch.relevancefeedback.feedback.HitWeight;
import org.opensearch.relevancefeedback.feedback.Rocchio;
import org.opensearch.test.OpenSearchTestCase;

/**
 * The shipped summarizer (afs_model.onnx in ONNX Runtime) against PyTorch on committed fixtures
 * (fixtures/afs_cases.*, tools/afs/export_afs.py): real test-split queries with their top-5 as stored in the
 * index, for afs, afs_prf, afs with region boxes and afs_prf without query words (a query by image). Positive
 * vector and attention within 1e-4; q' from Eq. 6-8 in Java within 1e-4 of NumPy's; the Java region rule gives the
 * fixture's bias; and boxes move attention and the negative weights the way they should.
 */
public class FeedbackSummarizerTests extends OpenSearchTestCase {

    private static final Path MODEL = Path.of("models/emoji-clip");

    private record Case(
            String name,
            float[][] query,
            List<float[][]> captions,
            List<float[][]> images,
            List<float[]> bias,
            Map<String, float[]> arrays,
            List<List<AttentiveFeedback.Box>> boxes,
            double factor) {}

    @SuppressWarnings("unchecked")
    private static List<Case> cases() throws Exception {
        Map<String, Object> meta;
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY,
                DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
                Files.newInputStream(MODEL.resolve("fixtures/afs_cases.json")))) {
            meta = parser.map();
        }
        ByteBuffer blob = ByteBuffer.wrap(Files.readAllBytes(MODEL.resolve("fixtures/afs_cases.bin")))
                .order(ByteOrder.LITTLE_ENDIAN);
        List<Case> out = new ArrayList<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) meta.get("cases")) {
            Map<String, float[]> arrays = new java.util.HashMap<>();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) c.get("arrays")).entrySet()) {
                List<Number> at = (List<Number>) e.getValue();
                float[] a = new float[at.get(1).intValue()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = blob.getFloat(4 * (at.get(0).intValue() + i));
                }
                arrays.put(e.getKey(), a);
            }
            int queryTokens = ((Number) c.get("query_tokens")).intValue();
            int dims = arrays.get("query_tokens").length / Math.max(1, queryTokens); // no words: one placeholder row
            int perImage = ((Number) c.get("image_tokens")).intValue();
            int k = ((List<?>) c.get("top")).size();
            List<Integer> captionLengths = ((List<Number>) c.get("caption_lengths"))
                    .stream().map(Number::intValue).toList();
            boolean withCaptions = (Boolean) c.get("with_captions");
            List<float[][]> captions = withCaptions ? split(arrays.get("caption_tokens"), captionLengths, dims) : null;
            List<float[][]> images =
                    split(arrays.get("image_tokens"), java.util.Collections.nCopies(k, perImage), dims);
            int captionPart = withCaptions
                    ? captionLengths.stream().mapToInt(Integer::intValue).sum()
                    : 1;
            Map<String, List<List<Object>>> boxSpec = (Map<String, List<List<Object>>>) c.get("boxes");
            List<List<AttentiveFeedback.Box>> boxes = new ArrayList<>();
            List<float[]> bias = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                List<AttentiveFeedback.Box> mine = new ArrayList<>();
                for (List<Object> b : boxSpec.getOrDefault(Integer.toString(i), List.of())) {
                    mine.add(new AttentiveFeedback.Box(
                            num(b.get(0)), num(b.get(1)), num(b.get(2)), num(b.get(3)), (Boolean) b.get(4)));
                }
                boxes.add(mine);
                int from = captionPart + i * perImage;
                bias.add(Arrays.copyOfRange(arrays.get("relevance_bias"), from, from + perImage));
            }
            out.add(new Case(
                    (String) c.get("name"),
                    queryTokens == 0
                            ? new float[0][]
                            : split(arrays.get("query_tokens"), List.of(queryTokens), dims)
                                    .get(0),
                    captions,
                    images,
                    boxSpec.isEmpty() ? null : bias,
                    arrays,
                    boxes,
                    num(c.get("region_factor"))));
        }
        return out;
    }

    private static double num(Object o) {
        return ((Number) o).doubleValue();
    }

    private static List<float[][]> split(float[] flat, List<Integer> lengths, int dims) {
        List<float[][]> out = new ArrayList<>();
        int at = 0;
        for (int n : lengths) {
            float[][] item = new float[n][];
            for (int t = 0; t < n; t++) {
                item[t] = Arrays.copyOfRange(flat, at, at + dims);
                at += dims;
            }
            out.add(item);
        }
        return out;
    }

    private static double maxDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static float[][] rows(float[] flat, int n) {
        return split(flat, List.of(n), flat.length / n).get(0);
    }

    /**
     * Every case, then every case again in reverse order: the summarizer keeps its input memory between calls, so a
     * call after a larger or a smaller one (with or without captions, words, boxes) must not read what it left there.
     */
    public void testMatchesThePyTorchReference() throws Exception {
        List<Case> cases = cases();
        assertEquals(4, cases.size());
        List<Case> calls = new ArrayList<>(cases);
        calls.addAll(cases.reversed());
        try (ClipEncoder encoder = ClipEncoder.load(MODEL, "cpu", 1)) {
            FeedbackSummarizer summarizer = encoder.summarizer();
            assertNotNull("the model ships " + FeedbackSummarizer.FILE, summarizer);
            double worst = 0;
            for (Case c : calls) {
                for (int i = 0; i < c.images().size(); i++) {
                    float[] mine = AttentiveFeedback.regionBias(
                            c.images().get(i).length, c.boxes().get(i), c.factor());
                    assertArrayEquals(
                            c.name() + " region bias of item " + i,
                            c.bias() == null ? new float[mine.length] : c.bias().get(i),
                            mine,
                            1e-6f);
                }
                FeedbackSummarizer.Output out = summarizer.summarize(c.query(), c.captions(), c.images(), c.bias());
                assertArrayEquals(c.name() + " positive", c.arrays().get("positive"), out.positive(), 1e-4f);
                float[] expected = c.arrays().get("attention");
                float[] actual = new float[expected.length];
                int at = c.captions() == null ? 1 : 0; // afs_prf: the masked placeholder gets exactly no attention
                for (float[][] part : new float[][][] {
                    c.captions() == null ? new float[0][] : out.captionAttention(), out.imageAttention()
                }) {
                    for (float[] item : part) {
                        System.arraycopy(item, 0, actual, at, item.length);
                        at += item.length;
                    }
                }
                assertEquals(c.name(), expected.length, at);
                assertArrayEquals(c.name() + " attention", expected, actual, 1e-4f);
                int k = c.images().size();
                AttentiveFeedback.Round r = AttentiveFeedback.refine(
                        c.arrays().get("query"),
                        out.positive(),
                        out.imageAttention(),
                        rows(c.arrays().get("images"), k),
                        out.captionAttention(),
                        c.captions() == null ? null : rows(c.arrays().get("captions"), k),
                        Rocchio.Params.DEFAULTS);
                assertArrayEquals(c.name() + " q'", c.arrays().get("refined"), r.vector(), 1e-4f);
                worst = Math.max(worst, maxDiff(c.arrays().get("positive"), out.positive()));
                worst = Math.max(worst, maxDiff(expected, actual));
                worst = Math.max(worst, maxDiff(c.arrays().get("refined"), r.vector()));
            }
            logger.info("summarizer vs PyTorch: max abs difference {} over positive vectors, attention and q'", worst);
        }
    }

    /**
     * A fixture hit as the round loop reads it: its stored token blocks and vectors; like a hit in a shard, its id is
     * counted as a costly read and its weights keep the hit itself.
     */
    private record StoredHit(
            String name, byte[] imageBlock, byte[] captionBlock, float[] image, float[] caption, int[] idReads)
            implements FeedbackLoop.Hit {
        @Override
        public String index() {
            return "emoji";
        }

        @Override
        public String id() {
            idReads[0]++;
            return name;
        }

        @Override
        public FeedbackLoop.Hit reference() {
            return this;
        }

        @Override
        public float[] vector(String field) {
            return field.equals("image") ? image : caption;
        }

        @Override
        public byte[] tokens(String field) {
            return field.equals("image_tokens") ? imageBlock : captionBlock;
        }
    }

    /** The strategy's hooks over the real summarizer; held[0] / peak[0] follow the bytes the round reserves. */
    private static AttentiveStrategy.Model model(FeedbackSummarizer summarizer, long[] held, long[] peak) {
        return new AttentiveStrategy.Model() {
            @Override
            public int imageTokens() {
                return summarizer.imageTokens();
            }

            @Override
            public Runnable reserve(long bytes, String what) {
                held[0] += bytes;
                peak[0] = Math.max(peak[0], held[0]);
                return () -> held[0] -= bytes;
            }

            @Override
            public void summarize(
                    float[][] query,
                    List<float[][]> captions,
                    List<float[][]> images,
                    List<float[]> imageBias,
                    FeedbackLoop.Callback<FeedbackSummarizer.Output> then) {
                then.onResponse(summarizer.summarize(query, captions, images, imageBias));
            }
        };
    }

    /**
     * The same cases through {@link AttentiveStrategy}, the round the plugin runs: the hits' stored token blocks, the
     * real summarizer, region boxes by hit id; q' within 1e-4 of PyTorch, and every byte reserved for the round given
     * back. Without boxes the round reads no hit's id (in a shard each is a stored-fields read); its weights name the
     * hits when asked.
     */
    public void testARoundOfTheStrategyMatchesPyTorch() throws Exception {
        try (ClipEncoder encoder = ClipEncoder.load(MODEL, "cpu", 1)) {
            FeedbackSummarizer summarizer = encoder.summarizer();
            long[] held = {0};
            long[] peak = {0};
            AttentiveStrategy.Model model = model(summarizer, held, peak);
            for (Case c : cases()) {
                int k = c.images().size();
                boolean captions = c.captions() != null;
                float[][] images = rows(c.arrays().get("images"), k);
                float[][] captionVectors = captions ? rows(c.arrays().get("captions"), k) : null;
                List<FeedbackLoop.Hit> hits = new ArrayList<>();
                Map<String, List<AttentiveFeedback.Box>> regions = new java.util.LinkedHashMap<>();
                int[] idReads = {0};
                for (int i = 0; i < k; i++) {
                    hits.add(new StoredHit(
                            "d" + i,
                            TokenCodec.encode(c.images().get(i)),
                            captions ? TokenCodec.encode(c.captions().get(i)) : null,
                            images[i],
                            captions ? captionVectors[i] : null,
                            idReads));
                    if (c.boxes().get(i).isEmpty() == false) {
                        regions.put("d" + i, c.boxes().get(i));
                    }
                }
                AttentiveStrategy strategy = new AttentiveStrategy(
                        model,
                        "image",
                        "image_tokens",
                        captions ? "caption" : null,
                        captions ? "caption_tokens" : null,
                        k,
                        Rocchio.Params.DEFAULTS,
                        c.query(),
                        regions,
                        c.factor(),
                        true);
                List<FeedbackLoop.Round> rounds = new ArrayList<>();
                strategy.refine(1, c.arrays().get("query"), hits, FeedbackLoop.Callback.of(rounds::add, e -> {
                    throw new AssertionError(c.name(), e);
                }));
                assertEquals(c.name(), 1, rounds.size());
                assertArrayEquals(
                        c.name() + " q'",
                        c.arrays().get("refined"),
                        rounds.get(0).vector(),
                        1e-4f);
                assertEquals(c.name(), k, rounds.get(0).weights().size());
                if (regions.isEmpty()) {
                    assertEquals(c.name() + " ids read in the round", 0, idReads[0]);
                }
                assertEquals(
                        c.name(),
                        hits.stream().map(FeedbackLoop.Hit::id).toList(),
                        rounds.get(0).weights().stream().map(HitWeight::id).toList());
                assertTrue(
                        c.name() + " warnings " + rounds.get(0).warnings(),
                        rounds.get(0).warnings().isEmpty());
                assertNotNull(
                        c.name() + " saliency", rounds.get(0).weights().get(0).patches());
                assertEquals(c.name() + " bytes given back", 0, held[0]);
            }
            assertTrue("the blocks were reserved", peak[0] >= AttentiveStrategy.MEMORY_PER_TOKEN_BYTE * 5L * 12_748);
        }
    }

    /**
     * An image block of another patch grid than the model's (a block from another model) is left out of the round with
     * a warning, also as the round's first block: the summarizer reads each item's CLS token at a fixed stride and
     * would misread it. The summarizer itself refuses such a block.
     */
    public void testAnImageBlockOfAnotherGridIsLeftOut() throws Exception {
        try (ClipEncoder encoder = ClipEncoder.load(MODEL, "cpu", 1)) {
            FeedbackSummarizer summarizer = encoder.summarizer();
            assertEquals("CLS + 8 x 8 patches", 65, summarizer.imageTokens());
            AttentiveStrategy.Model model = model(summarizer, new long[1], new long[1]);
            for (int odd : new int[] {0, 3}) {
                assertOddBlockLeftOut(model, odd);
            }
            Case c = cases().get(0);
            List<float[][]> images = new ArrayList<>(c.images());
            images.set(1, Arrays.copyOf(images.get(1), 5));
            IllegalArgumentException e = expectThrows(
                    IllegalArgumentException.class, () -> summarizer.summarize(c.query(), null, images, null));
            assertThat(e.getMessage(), containsString("an image block has [5] tokens, the summarizer reads [65]"));
        }
    }

    /** rf_knn takes word tokens as sent: tokens of another text tower's width are refused, not misread. */
    public void testQueryTokensOfAnotherWidthAreRefused() throws Exception {
        try (ClipEncoder encoder = ClipEncoder.load(MODEL, "cpu", 1)) {
            Case c = cases().get(0);
            float[][] query = {new float[7], new float[7]};
            IllegalArgumentException e = expectThrows(
                    IllegalArgumentException.class,
                    () -> encoder.summarizer().summarize(query, null, c.images(), null));
            assertThat(
                    e.getMessage(),
                    containsString("the query's word tokens have [7] dimensions, the summarizer reads [192]"));
        }
    }

    private void assertOddBlockLeftOut(AttentiveStrategy.Model model, int odd) throws Exception {
        Case c = cases().get(0);
        float[][] images = rows(c.arrays().get("images"), 5);
        float[][] captionVectors = rows(c.arrays().get("captions"), 5);
        List<FeedbackLoop.Hit> hits = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            float[][] imageTokens = c.images().get(i);
            if (i == odd) { // CLS + a 2 x 2 grid, the right width
                imageTokens = Arrays.copyOf(imageTokens, 5);
            }
            hits.add(new StoredHit(
                    "d" + i,
                    TokenCodec.encode(imageTokens),
                    TokenCodec.encode(c.captions().get(i)),
                    images[i],
                    captionVectors[i],
                    new int[1]));
        }
        AttentiveStrategy strategy = new AttentiveStrategy(
                model,
                "image",
                "image_tokens",
                "caption",
                "caption_tokens",
                5,
                Rocchio.Params.DEFAULTS,
                c.query(),
                Map.of(),
                2.0,
                false);
        List<FeedbackLoop.Round> rounds = new ArrayList<>();
        strategy.refine(1, c.arrays().get("query"), hits, FeedbackLoop.Callback.of(rounds::add, e -> {
            throw new AssertionError(e);
        }));
        assertEquals(1, rounds.size());
        List<String> warnings = rounds.get(0).warnings();
        assertEquals(warnings.toString(), 2, warnings.size());
        assertThat(
                warnings.get(0),
                containsString("[d" + odd + "] has no usable token block in [image_tokens] (its 5 tokens are not the "
                        + "model's 65 per image"));
        assertThat(warnings.get(1), containsString("[d" + odd + "] lacks one of"));
        assertEquals(4, rounds.get(0).weights().size());
    }

    /** Region feedback, App. G: a relevant box raises the attention to its patches, a not-relevant one lowers it. */
    public void testBoxesMoveAttentionAndNegativeWeights() throws Exception {
        Case c = cases().get(2);
        try (ClipEncoder encoder = ClipEncoder.load(MODEL, "cpu", 1)) {
            FeedbackSummarizer summarizer = encoder.summarizer();
            FeedbackSummarizer.Output plain = summarizer.summarize(c.query(), c.captions(), c.images(), null);
            FeedbackSummarizer.Output boxed = summarizer.summarize(c.query(), c.captions(), c.images(), c.bias());
            assertTrue("item 0 has a relevant box", c.boxes().get(0).get(0).relevant());
            assertFalse("item 2 has a not-relevant box", c.boxes().get(2).get(0).relevant());
            for (int item : new int[] {0, 2}) {
                float[] bias = c.bias().get(item);
                for (int t = 0; t < bias.length; t++) {
                    if (bias[t] > 0) {
                        assertTrue(
                                "patch " + t + " of item 0 gains",
                                boxed.imageAttention()[item][t] > plain.imageAttention()[item][t]);
                    } else if (bias[t] < 0) {
                        assertTrue(
                                "patch " + t + " of item 2 loses",
                                boxed.imageAttention()[item][t] < plain.imageAttention()[item][t]);
                    }
                }
            }
            int k = c.images().size();
            float[][] images = rows(c.arrays().get("images"), k);
            float[][] captions = rows(c.arrays().get("captions"), k);
            float[] q = c.arrays().get("query");
            AttentiveFeedback.Round before = AttentiveFeedback.refine(
                    q,
                    plain.positive(),
                    plain.imageAttention(),
                    images,
                    plain.captionAttention(),
                    captions,
                    Rocchio.Params.DEFAULTS);
            AttentiveFeedback.Round after = AttentiveFeedback.refine(
                    q,
                    boxed.positive(),
                    boxed.imageAttention(),
                    images,
                    boxed.captionAttention(),
                    captions,
                    Rocchio.Params.DEFAULTS);
            assertTrue(
                    "item 0 weighs less in the negative vector",
                    after.negativeWeights()[0] < before.negativeWeights()[0]);
            assertTrue(
                    "item 2 weighs more in the negative vector",
                    after.negativeWeights()[2] > before.negativeWeights()[2]);
            assertTrue(
                    "item 0 gets a larger share of the attention",
                    after.positiveShares()[0] > before.positiveShares()[0]);
        }
    }
}
