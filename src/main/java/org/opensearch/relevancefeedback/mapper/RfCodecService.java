package org.opensearch.relevancefeedback.mapper;

import org.apache.lucene.codecs.Codec;
import org.opensearch.common.settings.Settings;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.CodecService;
import org.opensearch.index.codec.CodecServiceConfig;
import org.opensearch.index.codec.CodecServiceFactory;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves every codec OpenSearch knows (default, best_compression, ...) wrapped in {@link RfVectorCodec}, with derived
 * source unless {@code index.relevance_feedback.derived_source} is false.
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

    private RfCodecService(CodecServiceConfig config) {
        super(config.getMapperService(), config.getIndexSettings(), config.getLogger(), config.getAdditionalCodecs());
        this.mapperService = config.getMapperService();
        this.derivedSource = RelevanceFeedbackSettings.DERIVED_SOURCE.get(config.getIndexSettings().getSettings());
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
        return wrapped.computeIfAbsent(name, n -> new RfVectorCodec(codec, mapperService, derivedSource));
    }
}
