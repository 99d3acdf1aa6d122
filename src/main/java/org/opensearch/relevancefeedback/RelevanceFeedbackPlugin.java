package org.opensearch.relevancefeedback;

import org.opensearch.common.settings.Setting;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.CodecServiceFactory;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.plugins.EnginePlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.relevancefeedback.mapper.RfCodecService;
import org.opensearch.relevancefeedback.mapper.RfVectorFieldMapper;
import org.opensearch.relevancefeedback.query.KnnQueryBuilder;
import org.opensearch.relevancefeedback.query.RelevanceFeedbackQueryBuilder;
import org.opensearch.relevancefeedback.query.ScoredDocsQueryBuilder;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Entry point: the {@code rf_vector} field, its codec, and the kNN / relevance-feedback queries. */
public class RelevanceFeedbackPlugin extends Plugin implements MapperPlugin, SearchPlugin, EnginePlugin {

    @Override
    public Map<String, Mapper.TypeParser> getMappers() {
        return Map.of(RfVectorFieldMapper.CONTENT_TYPE, RfVectorFieldMapper.PARSER);
    }

    @Override
    public List<QuerySpec<?>> getQueries() {
        return List.of(
            new QuerySpec<>(RelevanceFeedbackQueryBuilder.NAME, RelevanceFeedbackQueryBuilder::new, RelevanceFeedbackQueryBuilder::fromXContent),
            new QuerySpec<>(KnnQueryBuilder.NAME, KnnQueryBuilder::new, KnnQueryBuilder::fromXContent),
            new QuerySpec<>(ScoredDocsQueryBuilder.NAME, ScoredDocsQueryBuilder::new, ScoredDocsQueryBuilder::fromXContent)
        );
    }

    @Override
    public Optional<CodecServiceFactory> getCustomCodecServiceFactory(IndexSettings indexSettings) {
        return RfCodecService.factoryFor(indexSettings);
    }

    @Override
    public List<Setting<?>> getSettings() {
        return RelevanceFeedbackSettings.all();
    }
}
