package org.opensearch.relevancefeedback.query;

import static org.hamcrest.Matchers.either;
import static org.hamcrest.Matchers.instanceOf;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.plugins.Plugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackPlugin;
import org.opensearch.test.AbstractQueryTestCase;
import org.opensearch.test.TestGeoShapeFieldMapperPlugin;

public class FinalHitsQueryBuilderTests extends AbstractQueryTestCase<FinalHitsQueryBuilder> {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(RelevanceFeedbackPlugin.class, TestGeoShapeFieldMapperPlugin.class);
    }

    @Override
    protected FinalHitsQueryBuilder doCreateTestQueryBuilder() {
        List<FinalHitsQueryBuilder.FinalHit> docs = new ArrayList<>();
        int n = randomIntBetween(0, 20);
        for (int i = 0; i < n; i++) {
            // the test shard context is shard 0 of getIndex(); mix in hits of other shards and indices
            String index = randomBoolean() ? getIndex().getName() : "other-" + randomAlphaOfLength(3);
            docs.add(new FinalHitsQueryBuilder.FinalHit(index, randomIntBetween(0, 2), "id" + i, randomFloat()));
        }
        return new FinalHitsQueryBuilder(docs, randomAlphaOfLength(8));
    }

    @Override
    protected void doAssertLuceneQuery(FinalHitsQueryBuilder builder, Query query, QueryShardContext context) {
        boolean mine = builder.docs().stream()
                .anyMatch(d -> d.shard() == 0 && d.index().equals(getIndex().getName()));
        if (mine) {
            assertThat(query, instanceOf(HitsByIdQuery.class));
        } else {
            assertThat(query, either(instanceOf(MatchNoDocsQuery.class)).or(instanceOf(HitsByIdQuery.class)));
        }
    }
}
