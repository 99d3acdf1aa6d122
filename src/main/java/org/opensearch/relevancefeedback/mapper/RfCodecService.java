package org.opensearch.relevancefeedback.mapper;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.codecs.Codec;
import org.opensearch.common.settings.Settings;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.CodecService;
import org.opensearch.index.codec.CodecServiceConfig;
import org.opensearch.index.codec.CodecServiceFactory;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;

/**
 * Serves every codec OpenSearch knows (default, best_compression, ...) wrapped in {@link RfVectorCodec}, with derived
 * source unless {@code index.relevance_feedback.derived_source} is false.
 *
 * <p>Derived source is decided when a shard opens its writer (the codec is fixed for the writer's life): only an index
 * whose mapping then has an rf_vector or rf_tokens field writes segments that need this plugin to be read. Every other
 * index stays plain Lucene, so removing the plugin never makes it unreadable. Such fields mapped later keep their
 * values in the stored source until the shard reopens.
 *
 * <p>Only one plugin may replace an index's codec service. The k-NN plugin replaces it for indices with
 * {@code index.knn: true}, so we step aside there: on such indices {@code rf_vector} fields get Lucene's
 * default HNSW parameters (m 16, ef_construction 100), and a mapping that asks for others is refused.
 */
public final class RfCodecService extends CodecService {

    /** The k-NN plugin's index setting; read raw because that plugin may not be installed. */
    static final String KNN_INDEX_SETTING = "index.knn";

    private final MapperService mapperService;
    private final boolean derivedSource;
    private final Map<String, Codec> wrapped = new ConcurrentHashMap<>();
    private final Map<String, Codec> wrappedDerived = new ConcurrentHashMap<>();

    private RfCodecService(CodecServiceConfig config) {
        super(config.getMapperService(), config.getIndexSettings(), config.getLogger(), config.getAdditionalCodecs());
        this.mapperService = config.getMapperService();
        this.derivedSource = RelevanceFeedbackSettings.DERIVED_SOURCE.get(
                config.getIndexSettings().getSettings());
    }

    public static Optional<CodecServiceFactory> factoryFor(IndexSettings indexSettings) {
        Settings settings = indexSettings.getSettings();
        if (settings.getAsBoolean(KNN_INDEX_SETTING, false)) {
            return Optional.empty();
        }
        return Optional.of(RfCodecService::new);
    }

    @Override
    public Codec codec(String name) {
        Codec codec = super.codec(name);
        if (mapperService == null) {
            return codec;
        }
        if (derivedSource && RfVectorCodec.derivableFields(mapperService).isEmpty() == false) {
            return wrappedDerived.computeIfAbsent(name, n -> new RfVectorCodec(codec, mapperService, true));
        }
        return wrapped.computeIfAbsent(name, n -> new RfVectorCodec(codec, mapperService, false));
    }
}
