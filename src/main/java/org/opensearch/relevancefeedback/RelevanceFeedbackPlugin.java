package org.opensearch.relevancefeedback;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.lucene.util.SetOnce;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.common.util.concurrent.OpenSearchExecutors;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.env.Environment;
import org.opensearch.env.NodeEnvironment;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.CodecServiceFactory;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.indices.breaker.BreakerSettings;
import org.opensearch.ingest.Processor;
import org.opensearch.monitor.jvm.JvmInfo;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.CircuitBreakerPlugin;
import org.opensearch.plugins.EnginePlugin;
import org.opensearch.plugins.IngestPlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.relevancefeedback.inference.ClipEncoder;
import org.opensearch.relevancefeedback.inference.FeedbackSummarizer;
import org.opensearch.relevancefeedback.inference.Inference;
import org.opensearch.relevancefeedback.inference.ModelService;
import org.opensearch.relevancefeedback.ingest.RfEncodeProcessor;
import org.opensearch.relevancefeedback.mapper.FieldModels;
import org.opensearch.relevancefeedback.mapper.RfCodecService;
import org.opensearch.relevancefeedback.mapper.RfTokensFieldMapper;
import org.opensearch.relevancefeedback.mapper.RfVectorFieldMapper;
import org.opensearch.relevancefeedback.query.FinalHitsQueryBuilder;
import org.opensearch.relevancefeedback.query.KnnQueryBuilder;
import org.opensearch.relevancefeedback.query.RelevanceFeedbackQueryBuilder;
import org.opensearch.relevancefeedback.rescore.RelevanceFeedbackRescorerBuilder;
import org.opensearch.relevancefeedback.rest.RestModelsAction;
import org.opensearch.relevancefeedback.rest.RestRelevanceFeedbackSearchAction;
import org.opensearch.relevancefeedback.rest.RestTokenizeAction;
import org.opensearch.relevancefeedback.rest.RestUiAction;
import org.opensearch.repositories.RepositoriesService;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;
import org.opensearch.script.ScriptService;
import org.opensearch.threadpool.ExecutorBuilder;
import org.opensearch.threadpool.FixedExecutorBuilder;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.client.Client;
import org.opensearch.watcher.ResourceWatcherService;

/** Entry point: the {@code rf_vector} field, its codec, the kNN / relevance-feedback queries, the feedback rescorer and search endpoint. */
public class RelevanceFeedbackPlugin extends Plugin
        implements MapperPlugin, SearchPlugin, EnginePlugin, ActionPlugin, IngestPlugin, CircuitBreakerPlugin {

    static final String PLUGIN_NAME = "relevance-feedback";
    public static final String BREAKER = "relevance_feedback";

    /** Set in createComponents, which runs after the query parsers are registered: they read it lazily. */
    private final SetOnce<ModelService> models = new SetOnce<>();
    /** Where a query's field is bound to a model: the cluster state's mappings, read on the coordinating node. */
    private final SetOnce<ClusterService> clusterService = new SetOnce<>();

    private final SetOnce<IndexNameExpressionResolver> indexResolver = new SetOnce<>();
    private final FieldModels fieldModels = new FieldModels();
    /** The plugin's circuit breaker ({@code breaker.relevance_feedback.limit}, default 10% of the heap). */
    private final SetOnce<CircuitBreaker> breaker = new SetOnce<>();
    /** The node's request limits, replaced (never changed in place) when a limit setting changes. */
    private volatile RelevanceFeedbackSettings.FeedbackLimits limits =
            RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS;

    @Override
    public BreakerSettings getCircuitBreaker(Settings settings) {
        long tenthOfHeap = JvmInfo.jvmInfo().getMem().getHeapMax().getBytes() / 10;
        BreakerSettings defaults = new BreakerSettings(
                BREAKER, tenthOfHeap, 1.0, CircuitBreaker.Type.MEMORY, CircuitBreaker.Durability.TRANSIENT);
        return BreakerSettings.updateFromSettings(defaults, settings);
    }

    @Override
    public void setCircuitBreaker(CircuitBreaker circuitBreaker) {
        breaker.set(circuitBreaker);
    }

    @Override
    public Collection<Object> createComponents(
            Client client,
            ClusterService clusterService,
            ThreadPool threadPool,
            ResourceWatcherService resourceWatcherService,
            ScriptService scriptService,
            NamedXContentRegistry xContentRegistry,
            Environment environment,
            NodeEnvironment nodeEnvironment,
            NamedWriteableRegistry namedWriteableRegistry,
            IndexNameExpressionResolver indexNameExpressionResolver,
            Supplier<RepositoriesService> repositoriesServiceSupplier) {
        limits = RelevanceFeedbackSettings.watch(clusterService.getClusterSettings(), updated -> limits = updated);
        this.clusterService.set(clusterService);
        this.indexResolver.set(indexNameExpressionResolver);
        Path bundled =
                environment.pluginsDir().resolve(PLUGIN_NAME).resolve("models").resolve(ModelService.SHIPPED);
        Path configured = environment.configDir().resolve(PLUGIN_NAME).resolve("models");
        models.set(
                new ModelService(environment.settings(), environment, bundled, configured, threadPool, () -> limits));
        return List.of(models.get());
    }

    @Override
    public Map<String, Processor.Factory> getProcessors(Processor.Parameters parameters) {
        return Map.of(RfEncodeProcessor.TYPE, new RfEncodeProcessor.Factory(models::get));
    }

    @Override
    public List<ExecutorBuilder<?>> getExecutorBuilders(Settings settings) {
        int threads = OpenSearchExecutors.allocatedProcessors(settings);
        return List.of(new FixedExecutorBuilder(
                settings, ModelService.THREAD_POOL, threads, 1000, "thread_pool." + ModelService.THREAD_POOL));
    }

    @Override
    public void close() throws IOException {
        if (models.get() != null) {
            models.get().close();
        }
    }

    @Override
    public List<RestHandler> getRestHandlers(
            Settings settings,
            RestController restController,
            ClusterSettings clusterSettings,
            IndexScopedSettings indexScopedSettings,
            SettingsFilter settingsFilter,
            IndexNameExpressionResolver indexNameExpressionResolver,
            Supplier<DiscoveryNodes> nodesInCluster) {
        List<RestHandler> handlers = new ArrayList<>(List.of(
                new RestRelevanceFeedbackSearchAction(),
                new RestModelsAction(models::get),
                new RestTokenizeAction(models::get)));
        if (RelevanceFeedbackSettings.UI_ENABLED.get(settings)) {
            handlers.add(new RestUiAction());
        }
        return handlers;
    }

    @Override
    public List<RescorerSpec<?>> getRescorers() {
        return List.of(new RescorerSpec<>(
                RelevanceFeedbackRescorerBuilder.NAME,
                in -> new RelevanceFeedbackRescorerBuilder(in, inference),
                p -> RelevanceFeedbackRescorerBuilder.fromXContent(p, inference)));
    }

    @Override
    public Map<String, Mapper.TypeParser> getMappers() {
        return Map.of(
                RfVectorFieldMapper.CONTENT_TYPE,
                RfVectorFieldMapper.parser(models::get),
                RfTokensFieldMapper.CONTENT_TYPE,
                RfTokensFieldMapper.PARSER);
    }

    @Override
    public List<QuerySpec<?>> getQueries() {
        return List.of(
                new QuerySpec<>(
                        RelevanceFeedbackQueryBuilder.NAME,
                        in -> new RelevanceFeedbackQueryBuilder(in, inference),
                        p -> RelevanceFeedbackQueryBuilder.fromXContent(p, inference)),
                new QuerySpec<>(
                        KnnQueryBuilder.NAME,
                        in -> new KnnQueryBuilder(in, inference),
                        p -> KnnQueryBuilder.fromXContent(p, inference)),
                new QuerySpec<>(
                        FinalHitsQueryBuilder.NAME, FinalHitsQueryBuilder::new, FinalHitsQueryBuilder::fromXContent));
    }

    /** The node's models for queries; parsers are registered before createComponents loads them. */
    private final Inference inference = new Inference() {
        @Override
        public String model(String requested, String field, SearchRequest request) {
            if (clusterService.get() == null) {
                return requested;
            }
            ClusterState state = clusterService.get().state();
            Map<String, String> bound;
            try {
                bound = fieldModels.bindings(
                        state.metadata(), indexResolver.get().concreteIndexNames(state, request), field);
            } catch (RuntimeException e) {
                return requested; // e.g. a missing index: the search itself reports it
            }
            Set<String> distinct = new TreeSet<>(bound.values());
            if (requested != null && (distinct.isEmpty() || distinct.equals(Set.of(requested)))) {
                return requested;
            }
            if (requested != null) {
                throw new IllegalArgumentException(
                        "[model] [" + requested + "] is not the model field [" + field + "] is bound to: " + bound);
            }
            if (distinct.size() > 1) {
                throw new IllegalArgumentException(
                        "field [" + field + "] is bound to different models in the searched indices: " + bound
                                + "; search them separately");
            }
            return distinct.isEmpty() ? null : distinct.iterator().next();
        }

        @Override
        public int targetShards(SearchRequest request) {
            if (clusterService.get() == null || Arrays.stream(request.indices()).anyMatch(i -> i.indexOf(':') >= 0)) {
                return -1; // remote clusters' shards are not in this cluster state
            }
            ClusterState state = clusterService.get().state();
            IndexNameExpressionResolver resolver = indexResolver.get();
            try {
                Set<String> expressions = resolver.resolveExpressions(state, request.indices());
                String[] indices = resolver.concreteIndexNames(state, request);
                if (Arrays.stream(indices).anyMatch(i -> resolver.filteringAliases(state, i, expressions) != null)) {
                    return -1; // an alias filter narrows the search, not the passes a shard would run inside its query
                }
                // Routing (the request's or an alias's) and a _shards preference can narrow a search to one shard.
                Map<String, Set<String>> routing =
                        resolver.resolveSearchRouting(state, request.routing(), request.indices());
                return clusterService
                        .get()
                        .operationRouting()
                        .searchShards(state, indices, routing, request.preference())
                        .size();
            } catch (RuntimeException e) {
                return -1; // e.g. a missing index: the search itself reports it
            }
        }

        @Override
        public void encodeTexts(String model, List<String> texts, ActionListener<ClipEncoder.Encoded> listener) {
            service(listener).ifPresent(s -> s.encodeTexts(model, texts, listener));
        }

        @Override
        public void encodeImage(String model, String base64, ActionListener<float[]> listener) {
            service(listener).ifPresent(s -> s.encodeImage(model, base64, listener));
        }

        @Override
        public void summarize(
                String model,
                float[][] query,
                List<float[][]> captions,
                List<float[][]> images,
                List<float[]> imageBias,
                ActionListener<FeedbackSummarizer.Output> listener) {
            service(listener).ifPresent(s -> s.summarize(model, query, captions, images, imageBias, listener));
        }

        @Override
        public FeedbackSummarizer.Output summarizeHere(
                String model,
                float[][] query,
                List<float[][]> captions,
                List<float[][]> images,
                List<float[]> imageBias) {
            return service().summarizeHere(model, query, captions, images, imageBias);
        }

        @Override
        public int summarizerImageTokens(String model) {
            return service().summarizerImageTokens(model);
        }

        private Optional<ModelService> service(ActionListener<?> listener) {
            try {
                return Optional.of(service());
            } catch (IllegalArgumentException e) {
                listener.onFailure(e);
                return Optional.empty();
            }
        }

        private ModelService service() {
            ModelService service = models.get();
            if (service == null) {
                throw new IllegalArgumentException("the models are not set up on this node");
            }
            return service;
        }

        @Override
        public CircuitBreaker breaker() {
            return breaker.get();
        }

        @Override
        public RelevanceFeedbackSettings.FeedbackLimits limits() {
            return limits;
        }
    };

    @Override
    public Optional<CodecServiceFactory> getCustomCodecServiceFactory(IndexSettings indexSettings) {
        return RfCodecService.factoryFor(indexSettings);
    }

    @Override
    public List<Setting<?>> getSettings() {
        return RelevanceFeedbackSettings.all();
    }
}
