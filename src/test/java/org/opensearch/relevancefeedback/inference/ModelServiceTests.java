package org.opensearch.relevancefeedback.inference;

import static org.hamcrest.Matchers.containsString;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.env.TestEnvironment;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.test.OpenSearchTestCase;
import org.opensearch.threadpool.FixedExecutorBuilder;
import org.opensearch.threadpool.TestThreadPool;
import org.opensearch.threadpool.ThreadPool;

/**
 * Several model folders in a node's config: the shipped model, a second model, and folders that must not load.
 * ExtrasFS is off: it adds random "extra0" entries to new directories, which would be model folders here.
 */
@LuceneTestCase.SuppressFileSystems("ExtrasFS")
public class ModelServiceTests extends OpenSearchTestCase {

    private static final Path SHIPPED = Path.of("models/emoji-clip");

    public void testEveryConfigFolderIsAModelAndABadOneStopsNoOther() throws Exception {
        Path home = createTempDir();
        Path config = Files.createDirectories(home.resolve("config"));
        Path models = Files.createDirectories(config.resolve("relevance-feedback/models"));
        copyWithoutSummarizer(SHIPPED, Files.createDirectories(models.resolve("second")));
        Files.createDirectories(models.resolve("broken")); // no ONNX files
        copyWithoutSummarizer(
                SHIPPED, Files.createDirectories(models.resolve("emoji-clip"))); // the shipped model's name
        Path elsewhere = Files.createDirectories(createTempDir().resolve("elsewhere"));
        copyWithoutSummarizer(SHIPPED, elsewhere);
        Files.createSymbolicLink(models.resolve("outside"), elsewhere);
        Files.createSymbolicLink(
                models.resolve("inside"), models.resolve("second")); // a link that stays under config loads
        Files.createDirectories(models.resolve(".hidden"));
        Files.writeString(models.resolve("README"), "not a model");

        Settings settings = Settings.builder()
                .put(Environment.PATH_HOME_SETTING.getKey(), home.toString())
                .put(RelevanceFeedbackSettings.MODEL_DEFAULT.getKey(), "second")
                .build();
        ThreadPool pool = new TestThreadPool(
                "models",
                new FixedExecutorBuilder(
                        settings, ModelService.THREAD_POOL, 1, 10, "thread_pool." + ModelService.THREAD_POOL));
        Environment env = TestEnvironment.newEnvironment(settings); // config: home/config
        try (ModelService service = new ModelService(
                settings,
                env,
                SHIPPED.toAbsolutePath(),
                models,
                pool,
                () -> RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS)) {
            List<Map<String, Object>> info = service.info();
            assertEquals(
                    List.of("emoji-clip", "broken", "emoji-clip", "inside", "outside", "second"),
                    info.stream().map(m -> m.get("name")).toList());
            Map<String, Object> shipped = info.get(0);
            assertEquals(true, shipped.get("loaded"));
            assertEquals(false, shipped.get("default"));
            assertEquals(true, shipped.get("feedback_summarizer"));
            assertThat((String) info.get(1).get("error"), containsString("text_model.onnx"));
            assertThat((String) info.get(2).get("error"), containsString("is the model shipped with the plugin"));
            assertEquals(true, info.get(3).get("loaded"));
            assertThat((String) info.get(4).get("error"), containsString("must stay under the config directory"));
            Map<String, Object> second = info.get(5);
            assertEquals(true, second.get("loaded"));
            assertEquals(true, second.get("default"));
            assertEquals(false, second.get("feedback_summarizer"));
            assertEquals(256, second.get("dimension"));

            assertEquals(256, service.dimension("second").getAsInt());
            assertTrue(
                    "a model that did not load has no dimension to check",
                    service.dimension("broken").isEmpty());
            assertThat(
                    expectThrows(IllegalArgumentException.class, () -> service.dimension("nope"))
                            .getMessage(),
                    containsString("[model] [nope] is not a model on this node; models: [emoji-clip, broken, "));

            PlainActionFuture<ClipEncoder.Encoded> byDefault = new PlainActionFuture<>();
            service.encodeTexts(null, List.of("red heart"), byDefault);
            PlainActionFuture<ClipEncoder.Encoded> byName = new PlainActionFuture<>();
            service.encodeTexts("emoji-clip", List.of("red heart"), byName);
            assertArrayEquals(
                    "the same weights under two names",
                    byName.get().embeds()[0],
                    byDefault.get().embeds()[0],
                    0f);

            PlainActionFuture<ClipEncoder.Encoded> broken = new PlainActionFuture<>();
            service.encodeTexts("broken", List.of("red heart"), broken);
            assertThat(
                    expectThrows(Exception.class, broken::get).getMessage(),
                    containsString("model [broken] did not load on this node"));
            PlainActionFuture<FeedbackSummarizer.Output> noAfs = new PlainActionFuture<>();
            service.summarize("second", new float[1][192], null, List.of(), null, noAfs);
            assertThat(
                    expectThrows(Exception.class, noAfs::get).getMessage(),
                    containsString("which model [second] does not have"));
        } finally {
            terminate(pool);
        }
    }

    private static void copyWithoutSummarizer(Path from, Path to) throws Exception {
        for (String f : new String[] {
            "text_model.onnx", "vision_model.onnx", "tokenizer.json", "preprocessor_config.json", "config.json"
        }) {
            Files.copy(from.resolve(f), to.resolve(f));
        }
    }
}
