package org.opensearch.relevancefeedback.query;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.opensearch.common.compress.CompressedXContent;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.ParsingException;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.index.query.TermQueryBuilder;
import org.opensearch.plugins.Plugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackPlugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.test.AbstractQueryTestCase;
import org.opensearch.test.TestGeoShapeFieldMapperPlugin;

/** Shared checks for the query builders that wrap a {@link KnnSpec}. */
public abstract class KnnQueryTestCase<QB extends AbstractQueryBuilder<QB>> extends AbstractQueryTestCase<QB> {

    static final String VECTOR_FIELD = "vec";
    static final int DIMS = 8;

    /** The builder under test around a spec. */
    protected abstract QB wrap(KnnSpec spec);

    protected abstract KnnSpec specOf(QB builder);

    protected abstract String queryName();

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(RelevanceFeedbackPlugin.class, TestGeoShapeFieldMapperPlugin.class);
    }

    @Override
    protected Settings createTestIndexSettings() {
        return Settings.builder()
                .put(super.createTestIndexSettings())
                .put(RelevanceFeedbackSettings.MAX_K.getKey(), 100)
                .build();
    }

    @Override
    protected void initializeAdditionalMappings(MapperService mapperService) throws IOException {
        mapperService.merge(
                "_doc",
                new CompressedXContent("{\"properties\":{\"" + VECTOR_FIELD
                        + "\":{\"type\":\"rf_vector\",\"dimension\":" + DIMS + "}}}"),
                MapperService.MergeReason.MAPPING_UPDATE);
    }

    static float[] randomVector(int dims) {
        float[] v = new float[dims];
        for (int i = 0; i < dims; i++) {
            v[i] = randomFloat() * 2 - 1;
        }
        v[0] += 1; // never the zero vector
        return v;
    }

    @Override
    protected QB doCreateTestQueryBuilder() {
        int k = randomIntBetween(1, 100);
        Integer candidates = randomBoolean() ? null : randomIntBetween(k, 500);
        QueryBuilder filter = randomBoolean() ? null : new TermQueryBuilder(KEYWORD_FIELD_NAME, randomAlphaOfLength(5));
        return wrap(new KnnSpec(VECTOR_FIELD, randomVector(DIMS), k, candidates, filter));
    }

    @Override
    protected void doAssertLuceneQuery(QB builder, Query query, QueryShardContext context) throws IOException {
        KnnSpec spec = specOf(builder);
        assertThat(query, instanceOf(TopKnnQuery.class));
        Query filter = spec.filter() == null ? null : spec.filter().toQuery(context);
        assertEquals(
                new TopKnnQuery(
                        new KnnFloatVectorQuery(VECTOR_FIELD, spec.vector(), spec.effectiveNumCandidates(), filter),
                        spec.k()),
                query);
    }

    public void testDefaults() throws IOException {
        QB parsed = parseQueryAs("{\"" + queryName() + "\":{\"field\":\"vec\",\"vector\":[1,2,3,4,5,6,7,8]}}");
        assertEquals(10, specOf(parsed).k());
        assertNull(specOf(parsed).numCandidates());
        assertEquals(100, specOf(parsed).effectiveNumCandidates());
        assertEquals(300, new KnnSpec("vec", new float[] {1}, 30, null, null).effectiveNumCandidates());
    }

    @SuppressWarnings("unchecked")
    private QB parseQueryAs(String json) throws IOException {
        return (QB) parseQuery(json);
    }

    public void testParseErrors() {
        String q = queryName();
        assertParseError("{\"" + q + "\":{\"vector\":[1]}}", "[field] is required");
        assertParseError("{\"" + q + "\":{\"field\":\"vec\"}}", "[vector] is required");
        assertParseError(
                "{\"" + q + "\":{\"field\":\"vec\",\"vector\":[]}}", "[vector] is required and must not be empty");
        assertParseError(
                "{\"" + q + "\":{\"field\":\"vec\",\"vector\":[1,\"x\"]}}", "[vector] must contain only numbers");
        assertParseError("{\"" + q + "\":{\"field\":\"vec\",\"vector\":[1],\"k\":0}}", "[k] must be >= 1, got [0]");
        assertParseError(
                "{\"" + q + "\":{\"field\":\"vec\",\"vector\":[1],\"k\":20,\"num_candidates\":10}}",
                "[num_candidates] must be >= [k]");
        assertParseError("{\"" + q + "\":{\"field\":\"vec\",\"vector\":[1],\"kk\":1}}", "unknown field [kk]");
    }

    protected void assertParseError(String json, String expected) {
        ParsingException e = expectThrows(ParsingException.class, () -> parseQuery(json));
        assertThat(e.getMessage(), containsString(expected));
    }

    public void testShardErrors() {
        assertShardError(
                new KnnSpec(VECTOR_FIELD, randomVector(DIMS + 1), 5, null, null),
                "vector has [9] dimensions but field [vec] has dimension [8]");
        assertShardError(new KnnSpec(VECTOR_FIELD, new float[DIMS], 5, null, null), "zero vector is not allowed");
        assertShardError(
                new KnnSpec("nope", randomVector(DIMS), 5, null, null), "field [nope] does not exist in the mapping");
        assertShardError(
                new KnnSpec(TEXT_FIELD_NAME, randomVector(DIMS), 5, null, null),
                "is of type [text], expected [rf_vector]");
        assertShardError(
                new KnnSpec(VECTOR_FIELD, randomVector(DIMS), 101, null, null),
                "[k] must be <= 100 (index setting [index.relevance_feedback.max_k]), got [101]");
        assertShardError(
                new KnnSpec(VECTOR_FIELD, randomVector(DIMS), 5, 20_000, null), "[num_candidates] must be <= 10000");
    }

    private void assertShardError(KnnSpec spec, String expected) {
        QueryShardException e =
                expectThrows(QueryShardException.class, () -> wrap(spec).toQuery(createShardContext()));
        assertThat(e.getMessage(), containsString("[" + queryName() + "]"));
        assertThat(e.getMessage(), containsString(expected));
    }
}
