package org.opensearch.relevancefeedback.mapper;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.not;

import java.util.Collection;
import java.util.List;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.Strings;
import org.opensearch.core.xcontent.MediaTypeRegistry;
import org.opensearch.index.mapper.DocumentMapper;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.index.mapper.MapperServiceTestCase;
import org.opensearch.index.mapper.ParsedDocument;
import org.opensearch.plugins.Plugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackPlugin;

public class RfVectorFieldMapperTests extends MapperServiceTestCase {

    @Override
    protected Collection<? extends Plugin> getPlugins() {
        return List.of(new RelevanceFeedbackPlugin());
    }

    /** Whether the test's index has the k-NN plugin's {@code index.knn: true}. */
    private boolean knnIndex;

    @Override
    protected Settings getIndexSettings() {
        return knnIndex
                ? Settings.builder()
                        .put(super.getIndexSettings())
                        .put("index.knn", true)
                        .build()
                : super.getIndexSettings();
    }

    /** Under index.knn the k-NN plugin's codec would build the graph with m 16 whatever the mapping says: refused. */
    public void testHnswParametersAreRefusedUnderIndexKnn() throws Exception {
        knnIndex = true;
        assertMappingError(
                "{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"m\":32}}",
                "[hnsw] of [rf_vector] field [field] cannot take effect in an index with [index.knn: true]");
        assertEquals(
                HnswParams.DEFAULT,
                ((RfVectorFieldMapper) mapper("{\"type\":\"rf_vector\",\"dimension\":4}")
                                .mappers()
                                .getMapper("field"))
                        .fieldType()
                        .hnsw());
        mapper("{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"m\":16,\"ef_construction\":100}}"); // the
        // defaults, as
        // a mapping
        // echoes them
    }

    private DocumentMapper mapper(String fieldJson) throws Exception {
        return createDocumentMapper("_doc", "{\"_doc\":{\"properties\":{\"field\":" + fieldJson + "}}}");
    }

    private static String cause(Exception e) {
        return e.getCause() == null
                ? e.getMessage()
                : e.getMessage() + " / " + e.getCause().getMessage();
    }

    public void testDefaultsAreSerialized() throws Exception {
        DocumentMapper mapper = mapper("{\"type\":\"rf_vector\",\"dimension\":4}");
        String json = Strings.toString(MediaTypeRegistry.JSON, mapper.mapping());
        assertThat(json, containsString("\"dimension\":4"));
        assertThat(json, containsString("\"similarity\":\"cosine\""));
        assertThat(json, containsString("\"hnsw\":{\"m\":16,\"ef_construction\":100}"));
    }

    public void testParametersRoundTrip() throws Exception {
        DocumentMapper mapper = mapper(
                "{\"type\":\"rf_vector\",\"dimension\":8,\"similarity\":\"l2\",\"hnsw\":{\"m\":8,\"ef_construction\":64}}");
        RfVectorFieldMapper.RfVectorFieldType type =
                ((RfVectorFieldMapper) mapper.mappers().getMapper("field")).fieldType();
        assertEquals(8, type.dimension());
        assertEquals(VectorSimilarity.L2, type.similarity());
        assertEquals(new HnswParams(8, 64), type.hnsw());
        // serialized form parses back to the same mapping
        String json = Strings.toString(MediaTypeRegistry.JSON, mapper.mapping());
        assertEquals(
                json,
                Strings.toString(
                        MediaTypeRegistry.JSON,
                        createDocumentMapper("_doc", json).mapping()));
    }

    public void testMappingErrors() {
        assertMappingError("{\"type\":\"rf_vector\"}", "[dimension] is required");
        assertMappingError("{\"type\":\"rf_vector\",\"dimension\":0}", "[dimension] must be in [1, 4096], got [0]");
        assertMappingError(
                "{\"type\":\"rf_vector\",\"dimension\":4097}", "[dimension] must be in [1, 4096], got [4097]");
        assertMappingError(
                "{\"type\":\"rf_vector\",\"dimension\":4,\"similarity\":\"hamming\"}",
                "Unknown value [hamming] for field [similarity]");
        assertMappingError(
                "{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"m\":1}}", "[hnsw.m] must be in [2, 512], got [1]");
        assertMappingError(
                "{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"ef_construction\":5000}}",
                "[hnsw.ef_construction] must be in [1, 3200]");
        assertMappingError(
                "{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"M\":8}}", "[hnsw] unknown parameter [M]");
        assertMappingError(
                "{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":{\"m\":\"x\"}}", "[hnsw.m] must be an integer");
        assertMappingError("{\"type\":\"rf_vector\",\"dimension\":4,\"hnsw\":16}", "[hnsw] must be an object");
    }

    private void assertMappingError(String fieldJson, String expected) {
        Exception e = expectThrows(MapperParsingException.class, () -> mapper(fieldJson));
        assertThat(cause(e), containsString(expected));
    }

    /** [model] binds the field to a model: kept in the mapping (omitted when unset), never changed afterwards. */
    public void testModelIsSerializedAndCannotBeUpdated() throws Exception {
        assertThat(
                Strings.toString(
                        MediaTypeRegistry.JSON,
                        mapper("{\"type\":\"rf_vector\",\"dimension\":4}").mapping()),
                not(containsString("model")));
        DocumentMapper mapper = mapper("{\"type\":\"rf_vector\",\"dimension\":4,\"model\":\"clip-b32\"}");
        assertEquals(
                "clip-b32",
                ((RfVectorFieldMapper) mapper.mappers().getMapper("field"))
                        .fieldType()
                        .model());
        String json = Strings.toString(MediaTypeRegistry.JSON, mapper.mapping());
        assertThat(json, containsString("\"model\":\"clip-b32\""));
        assertEquals(
                json,
                Strings.toString(
                        MediaTypeRegistry.JSON,
                        createDocumentMapper("_doc", json).mapping()));
        MapperService service = createMapperService(
                "_doc", "{\"_doc\":{\"properties\":{\"field\":{\"type\":\"rf_vector\",\"dimension\":4}}}}");
        Exception e = expectThrows(
                IllegalArgumentException.class,
                () -> merge(
                        "_doc",
                        service,
                        "{\"_doc\":{\"properties\":{\"field\":{\"type\":\"rf_vector\",\"dimension\":4,\"model\":\"x\"}}}}"));
        assertThat(e.getMessage(), containsString("Cannot update parameter [model] from [null] to [x]"));
    }

    public void testDimensionCannotBeUpdated() throws Exception {
        MapperService service = createMapperService(
                "_doc", "{\"_doc\":{\"properties\":{\"field\":{\"type\":\"rf_vector\",\"dimension\":4}}}}");
        Exception e = expectThrows(
                IllegalArgumentException.class,
                () -> merge(
                        "_doc",
                        service,
                        "{\"_doc\":{\"properties\":{\"field\":{\"type\":\"rf_vector\",\"dimension\":8}}}}"));
        assertThat(e.getMessage(), containsString("Cannot update parameter [dimension] from [4] to [8]"));
    }

    public void testIndexesVector() throws Exception {
        DocumentMapper mapper = mapper("{\"type\":\"rf_vector\",\"dimension\":3,\"similarity\":\"dot_product\"}");
        ParsedDocument doc = mapper.parse(source(b -> b.array("field", 0.5f, -1f, 2f)));
        IndexableField[] fields = doc.rootDoc().getFields("field");
        assertEquals(1, fields.length);
        assertThat(fields[0], instanceOf(KnnFloatVectorField.class));
        KnnFloatVectorField f = (KnnFloatVectorField) fields[0];
        assertArrayEquals(new float[] {0.5f, -1f, 2f}, f.vectorValue(), 0f);
        assertEquals(
                VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT, f.fieldType().vectorSimilarityFunction());
    }

    public void testZeroVectorAllowedUnlessCosine() throws Exception {
        DocumentMapper l2 = mapper("{\"type\":\"rf_vector\",\"dimension\":2,\"similarity\":\"l2\"}");
        assertEquals(
                1, l2.parse(source(b -> b.array("field", 0f, 0f))).rootDoc().getFields("field").length);
        assertDocError(
                mapper("{\"type\":\"rf_vector\",\"dimension\":2}"),
                "{\"field\":[0,0]}",
                "zero vector is not allowed for field [field]");
    }

    /** Lengths that over- or underflow float: scaled under cosine (the score does not change), refused under l2 / dot_product. */
    public void testExtremeLengths() throws Exception {
        DocumentMapper cosine = mapper("{\"type\":\"rf_vector\",\"dimension\":3}");
        for (float scale : new float[] {1e-30f, 1e-20f, 1e19f, 3e38f}) {
            IndexableField[] fields = cosine.parse(source(b -> b.array("field", scale, 0f, scale)))
                    .rootDoc()
                    .getFields("field");
            float[] indexed = ((KnnFloatVectorField) fields[0]).vectorValue();
            assertArrayEquals("scale " + scale, new float[] {0.70710677f, 0f, 0.70710677f}, indexed, 1e-7f);
            assertTrue(Float.isFinite(VectorSimilarityFunction.COSINE.compare(indexed, indexed)));
        }
        float[] unit = {0.6f, 0f, 0.8f};
        KnnFloatVectorField kept = (KnnFloatVectorField)
                cosine.parse(source(b -> b.array("field", unit))).rootDoc().getFields("field")[0];
        assertArrayEquals("ordinary vectors are indexed bit for bit", unit, kept.vectorValue(), 0f);
        DocumentMapper l2 = mapper("{\"type\":\"rf_vector\",\"dimension\":3,\"similarity\":\"l2\"}");
        assertDocError(
                l2,
                "{\"field\":[1e20,1e20,1e20]}",
                "vector for field [field] has length [1.73e+20]; similarity [l2] takes vectors of length <= [9.22e+18]");
        assertEquals(
                1,
                l2.parse(source(b -> b.array("field", 1e18f, 1e18f, 1e18f)))
                        .rootDoc()
                        .getFields("field")
                        .length);
        DocumentMapper dot = mapper("{\"type\":\"rf_vector\",\"dimension\":3,\"similarity\":\"dot_product\"}");
        assertDocError(dot, "{\"field\":[3e38,0,0]}", "similarity [dot_product] takes vectors of length <= [9.22e+18]");
    }

    public void testBadDocuments() throws Exception {
        DocumentMapper mapper = mapper("{\"type\":\"rf_vector\",\"dimension\":3}");
        assertDocError(mapper, "{\"field\":[1,2]}", "vector has [2] dimensions but field [field] has dimension [3]");
        assertDocError(
                mapper, "{\"field\":[1,2,3,4]}", "vector has [4] dimensions but field [field] has dimension [3]");
        assertDocError(
                mapper,
                "{\"field\":[1,\"a\",3]}",
                "[field] must contain only numbers, got [VALUE_STRING] at position [1]");
        assertDocError(
                mapper,
                "{\"field\":[1,[2],3]}",
                "[field] must contain only numbers, got [START_ARRAY] at position [1]");
        assertDocError(mapper, "{\"field\":[1,1e39,3]}", "non-finite value [Infinity] at position [1]");
        assertDocError(mapper, "{\"field\":\"1,2,3\"}", "[field] must be an array of numbers");
        assertDocError(mapper, "{\"field\":{\"a\":1}}", "[field] must be an array of numbers");
    }

    private void assertDocError(DocumentMapper mapper, String json, String expected) {
        MapperParsingException e = expectThrows(MapperParsingException.class, () -> mapper.parse(source(json)));
        assertThat(cause(e), containsString("failed to parse field [field] of type [rf_vector]"));
        assertThat(cause(e), containsString(expected));
    }
}
