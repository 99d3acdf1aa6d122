package org.opensearch.relevancefeedback.inference;

import static org.hamcrest.Matchers.containsString;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;

/**
 * Java (DJL + ONNX Runtime, Pillow-exact preprocessing) vs the PyTorch reference outputs committed with the model
 * (models/emoji-clip/fixtures/reference_outputs.json): token ids equal, embeddings within 1e-4. The three corpus
 * images of the fixture are checked when scripts/fetch_corpus.sh has been run; the two committed images (one RGBA
 * 64 px, one RGB 96x80 that needs the bicubic resize and crop) and the pixel pattern always are. With
 * {@code -Drf.model.dir=DIR} the same check runs on another model folder, e.g. one scripts/convert_clip.sh wrote from
 * a Hugging Face checkpoint (scripts/test.sh does so for a random tiny one).
 */
public class ClipEncoderTests extends LuceneTestCase {

    private static final Path MODEL = Path.of(System.getProperty("rf.model.dir", "models/emoji-clip"));

    @SuppressWarnings("unchecked")
    public void testMatchesThePyTorchReference() throws Exception {
        Map<String, Object> fixture = json(MODEL.resolve("fixtures/reference_outputs.json"));
        Map<String, Object> vision =
                (Map<String, Object>) json(MODEL.resolve("config.json")).get("vision_config");
        int grid = ((Number) vision.get("image_size")).intValue() / ((Number) vision.get("patch_size")).intValue();
        try (ClipEncoder encoder = ClipEncoder.load(MODEL, "auto", 2)) {
            assertEquals(
                    ((List<?>) ((List<Map<String, Object>>) fixture.get("texts"))
                                    .get(0)
                                    .get("text_embeds"))
                            .size(),
                    encoder.dimension());
            assertFalse("no GPU here", encoder.device().gpu());
            double worst = 0;
            for (Map<String, Object> t : (List<Map<String, Object>>) fixture.get("texts")) {
                String text = (String) t.get("text");
                long[] expectedIds = ((List<Number>) t.get("input_ids"))
                        .stream().mapToLong(Number::longValue).toArray();
                assertArrayEquals(text, expectedIds, encoder.tokenizer().encode(text));
                ClipEncoder.Encoded encoded = encoder.encodeTextsWithTokens(List.of(text));
                worst = Math.max(worst, assertClose(text, (List<Number>) t.get("text_embeds"), encoded.embeds()[0]));
                float[][] tokens = encoded.tokens()[0];
                assertEquals("one state per real token", expectedIds.length, tokens.length);
                List<List<Number>> firstLast = (List<List<Number>>) t.get("last_hidden_state_first_last");
                worst = Math.max(worst, assertClose(text + " first token", firstLast.get(0), tokens[0]));
                worst = Math.max(worst, assertClose(text + " last token", firstLast.get(1), tokens[tokens.length - 1]));
            }
            int checked = 0;
            for (Map<String, Object> image : (List<Map<String, Object>>) fixture.get("images")) {
                String file = (String) image.get("file");
                Path path = file.startsWith("fixtures/") ? MODEL.resolve(file) : Path.of(file);
                if (Files.exists(path) == false) {
                    continue; // a corpus image: needs scripts/fetch_corpus.sh
                }
                byte[] bytes = Files.readAllBytes(path);
                float[] pixels = encoder.preprocessor()
                        .pixelValues(bytes, RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS.image());
                double sum = 0;
                for (float p : pixels) {
                    sum += p;
                }
                assertEquals(file, ((Number) image.get("pixel_values_sum")).doubleValue(), sum, 1e-2);
                worst = Math.max(
                        worst,
                        assertClose(
                                file,
                                (List<Number>) image.get("image_embeds"),
                                encoder.encodeImages(
                                                List.of(bytes),
                                                RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS.image())[0]));
                float[][] tokens =
                        encoder.encodePixelValuesWithTokens(pixels, 1).tokens()[0];
                assertEquals("CLS + the patches", 1 + grid * grid, tokens.length);
                List<List<Number>> rows = (List<List<Number>>) image.get("last_hidden_state_first_rows");
                for (int r = 0; r < rows.size(); r++) {
                    worst = Math.max(worst, assertClose(file + " token " + r, rows.get(r), tokens[r]));
                }
                checked++;
            }
            assertTrue("both committed fixture images", checked >= 2);
            int size = encoder.preprocessor().size();
            float[] pattern = new float[3 * size * size];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (float) Math.sin(0.01 * i);
            }
            Map<String, Object> p = (Map<String, Object>) fixture.get("vision_pattern");
            worst = Math.max(
                    worst,
                    assertClose(
                            "pattern", (List<Number>) p.get("image_embeds"), encoder.encodePixelValues(pattern, 1)[0]));
            // batched = one by one
            float[][] batch = encoder.encodeTexts(List.of("a photo of a cat", "grinning face"));
            assertArrayEquals(encoder.encodeTexts(List.of("grinning face"))[0], batch[1], 1e-5f);
            assertTrue("worst |java - pytorch| " + worst, worst < 1e-4);
        }
    }

    private static Map<String, Object> json(Path file) throws Exception {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY,
                DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
                Files.newInputStream(file))) {
            return parser.map();
        }
    }

    private static double assertClose(String what, List<Number> expected, float[] actual) {
        assertEquals(what, expected.size(), actual.length);
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double diff = Math.abs(expected.get(i).doubleValue() - actual[i]);
            worst = Math.max(worst, diff);
        }
        assertTrue(what + ": max difference " + worst, worst <= 1e-4);
        return worst;
    }

    public void testBadInput() throws Exception {
        Path empty = createTempDir();
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> ClipEncoder.load(empty, "cpu", 1))
                        .getMessage(),
                containsString("lacks [text_model.onnx]"));
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> ClipEncoder.load(MODEL, "cuda", 1))
                        .getMessage(),
                containsString("device [cuda] requested but not usable"));
        try (ClipEncoder encoder = ClipEncoder.load(MODEL, "cpu", 1)) {
            assertThat(
                    expectThrows(
                                    IllegalArgumentException.class,
                                    () -> encoder.preprocessor()
                                            .pixelValues(
                                                    new byte[] {1, 2, 3},
                                                    RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS.image()))
                            .getMessage(),
                    containsString("not a decodable PNG or JPEG image"));
        }
    }

    public void testDeviceChoice() {
        assertTrue(DeviceChoice.select("auto", 1, true).gpu());
        assertFalse(
                "no CUDA provider in the CPU build: falls back",
                DeviceChoice.select("auto", 1, false).gpu());
        assertFalse("no GPU: falls back", DeviceChoice.select("auto", 0, true).gpu());
        assertFalse(DeviceChoice.select("cpu", 4, true).gpu());
        assertTrue(DeviceChoice.select("CUDA", 1, true).gpu());
        expectThrows(IllegalArgumentException.class, () -> DeviceChoice.select("cuda", 0, true));
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> DeviceChoice.select("tpu", 0, false))
                        .getMessage(),
                containsString("[auto, cpu, cuda]"));
    }
}
