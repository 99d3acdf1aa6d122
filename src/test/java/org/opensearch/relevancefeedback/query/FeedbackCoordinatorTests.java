package org.opensearch.relevancefeedback.query;

import static org.hamcrest.Matchers.containsString;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.common.breaker.NoopCircuitBreaker;
import org.opensearch.env.Environment;
import org.opensearch.env.TestEnvironment;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.relevancefeedback.feedback.Rocchio;
import org.opensearch.relevancefeedback.inference.ClipEncoder;
import org.opensearch.relevancefeedback.inference.FeedbackSummarizer;
import org.opensearch.relevancefeedback.inference.Inference;
import org.opensearch.relevancefeedback.inference.ModelService;
import org.opensearch.test.OpenSearchTestCase;
import org.opensearch.threadpool.FixedExecutorBuilder;
import org.opensearch.threadpool.TestThreadPool;
import org.opensearch.threadpool.ThreadPool;

/**
 * What the query, the rescorer and the endpoint share before their first pass: limits, model, encoding, q. Encoding runs
 * the shipped model through a real {@link ModelService}.
 */
@LuceneTestCase.SuppressFileSystems("ExtrasFS")
public class FeedbackCoordinatorTests extends OpenSearchTestCase {

    private static final QueryInput TEXT = new QueryInput("red heart", null, null, null, null, null);

    private static FeedbackSpec feedback(FeedbackSpec.Strategy strategy, int rounds) {
        FeedbackSpec.Afs afs = strategy.attentive()
                ? new FeedbackSpec.Afs("tokens", null, false, List.of(), FeedbackSpec.Afs.DEFAULT_REGION_FACTOR)
                : FeedbackSpec.Afs.NONE;
        return new FeedbackSpec(
                strategy,
                5,
                rounds,
                Rocchio.Variant.EXTENDED,
                Rocchio.Params.DEFAULTS,
                100,
                null,
                List.of(),
                List.of(),
                List.of(),
                FeedbackSpec.Mode.RETRIEVE,
                afs);
    }

    private static FeedbackCoordinator.Resolved resolve(
            Inference inference, float[] vector, QueryInput input, FeedbackSpec feedback) {
        PlainActionFuture<FeedbackCoordinator.Resolved> future = new PlainActionFuture<>();
        new FeedbackCoordinator(inference, null, new SearchRequest()).resolve("v", vector, input, feedback, future);
        return future.actionGet();
    }

    public void testAVectorPassesThroughAndTheLimitsComeFirst() {
        float[] q = {0.6f, 0.8f};
        FeedbackCoordinator.Resolved plain = resolve(null, q, QueryInput.NONE, feedback(FeedbackSpec.Strategy.PRF, 2));
        assertSame(q, plain.vector());
        assertNull(plain.model());
        assertEquals(0, plain.feedbackTexts().length);
        assertEquals(0, plain.queryTokens().length);

        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> resolve(null, q, QueryInput.NONE, feedback(FeedbackSpec.Strategy.PRF, 11)))
                        .getMessage(),
                containsString("[feedback.rounds] must be <= 10"));
        List<QueryInput.Example> examples = IntStream.range(0, 1001)
                .mapToObj(i -> new QueryInput.Example(null, "d" + i))
                .toList();
        assertThat(
                "the examples are counted before anything reads them",
                expectThrows(
                                IllegalArgumentException.class,
                                () -> resolve(null, null, new QueryInput(null, null, examples, null, null, null), null))
                        .getMessage(),
                containsString("[like] must list <= 1000 documents"));
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> resolve(null, null, TEXT, null))
                        .getMessage(),
                containsString("[text] and [image] need the model, which is not available here"));
    }

    public void testTextIsQWithoutAVectorAndOnlyWordsWithOne() throws Exception {
        Path home = createTempDir();
        Settings settings = Settings.builder()
                .put(Environment.PATH_HOME_SETTING.getKey(), home.toString())
                .build();
        ThreadPool pool = new TestThreadPool(
                "coordinator",
                new FixedExecutorBuilder(
                        settings, ModelService.THREAD_POOL, 1, 10, "thread_pool." + ModelService.THREAD_POOL));
        try (ModelService models = new ModelService(
                settings,
                TestEnvironment.newEnvironment(settings),
                Path.of("models/emoji-clip").toAbsolutePath(),
                home.resolve("no-models"),
                pool,
                () -> RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS)) {
            Inference inference = new ModelsOnly(models);
            PlainActionFuture<ClipEncoder.Encoded> direct = new PlainActionFuture<>();
            models.encodeTexts(null, List.of("red heart"), direct);
            ClipEncoder.Encoded expected = direct.get();

            FeedbackSpec afsPrf = feedback(FeedbackSpec.Strategy.AFS_PRF, 1);
            FeedbackCoordinator.Resolved byText = resolve(inference, null, TEXT, afsPrf);
            assertArrayEquals(expected.embeds()[0], byText.vector(), 0f);
            assertEquals(expected.tokens()[0].length, byText.queryTokens().length);

            // the rescorer's form: q is its vector, [text] gives the words the summarizer reads
            float[] q = new float[expected.embeds()[0].length];
            q[0] = 1f;
            FeedbackCoordinator.Resolved byVector = resolve(inference, q, TEXT, afsPrf);
            assertSame(q, byVector.vector());
            assertArrayEquals(expected.tokens()[0][0], byVector.queryTokens()[0], 0f);

            FeedbackCoordinator coordinator = new FeedbackCoordinator(inference, null, new SearchRequest());
            assertNotNull(coordinator.summarizer(byVector, afsPrf));
            assertSame(
                    byVector.queryTokens(),
                    coordinator.summarizer(byVector, afsPrf).queryTokens());
            assertNull(coordinator.summarizer(byVector, feedback(FeedbackSpec.Strategy.PRF, 1)));
        } finally {
            terminate(pool);
        }
    }

    /** The node's models without a cluster: no field bindings, so the requested model (or the default) runs. */
    private record ModelsOnly(ModelService models) implements Inference {
        @Override
        public String model(String requested, String field, SearchRequest request) {
            return requested;
        }

        @Override
        public int targetShards(SearchRequest request) {
            return -1;
        }

        @Override
        public void encodeTexts(String model, List<String> texts, ActionListener<ClipEncoder.Encoded> listener) {
            models.encodeTexts(model, texts, listener);
        }

        @Override
        public void encodeImage(String model, String base64, ActionListener<float[]> listener) {
            models.encodeImage(model, base64, listener);
        }

        @Override
        public void summarize(
                String model,
                float[][] query,
                List<float[][]> captions,
                List<float[][]> images,
                List<float[]> imageBias,
                ActionListener<FeedbackSummarizer.Output> listener) {
            models.summarize(model, query, captions, images, imageBias, listener);
        }

        @Override
        public FeedbackSummarizer.Output summarizeHere(
                String model,
                float[][] query,
                List<float[][]> captions,
                List<float[][]> images,
                List<float[]> imageBias) {
            return models.summarizeHere(model, query, captions, images, imageBias);
        }

        @Override
        public int summarizerImageTokens(String model) {
            return models.summarizerImageTokens(model);
        }

        @Override
        public CircuitBreaker breaker() {
            return new NoopCircuitBreaker("test");
        }

        @Override
        public RelevanceFeedbackSettings.FeedbackLimits limits() {
            return RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS;
        }
    }
}
