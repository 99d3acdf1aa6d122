package org.opensearch.relevancefeedback.mapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.Query;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.FieldMapper;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.ParametrizedFieldMapper;
import org.opensearch.index.mapper.ParseContext;
import org.opensearch.index.mapper.TextSearchInfo;
import org.opensearch.index.mapper.ValueFetcher;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.relevancefeedback.inference.ModelService;
import org.opensearch.search.lookup.SearchLookup;

/**
 * {@code rf_vector}: a dense float vector indexed into a Lucene HNSW graph with per-field {@code m} and
 * {@code ef_construction} (applied by {@link RfVectorCodec}).
 */
public final class RfVectorFieldMapper extends ParametrizedFieldMapper {

    public static final String CONTENT_TYPE = "rf_vector";
    public static final int MAX_DIMENSION = 4096;
    /**
     * Longest vector under dot_product and l2: with both vectors at most this long, |q . d| and |q - d|^2 stay below
     * Float.MAX_VALUE, so Lucene's float arithmetic never gives an infinite or NaN score.
     */
    public static final double MAX_LENGTH = Math.sqrt(Float.MAX_VALUE / 4.0);

    private static RfVectorFieldMapper toType(FieldMapper in) {
        return (RfVectorFieldMapper) in;
    }

    public static final class Builder extends ParametrizedFieldMapper.Builder {
        private final Parameter<Integer> dimension = Parameter.intParam(
                        "dimension", false, m -> toType(m).fieldType().dimension(), -1)
                .setValidator(d -> {
                    if (d == -1) {
                        throw new MapperParsingException("[dimension] is required for [" + CONTENT_TYPE + "] fields");
                    }
                    if (d < 1 || d > MAX_DIMENSION) {
                        throw new MapperParsingException(
                                "[dimension] must be in [1, " + MAX_DIMENSION + "], got [" + d + "]");
                    }
                })
                .alwaysSerialize();
        private final Parameter<String> similarity = Parameter.restrictedStringParam(
                        "similarity",
                        false,
                        m -> toType(m).fieldType().similarity().paramName(),
                        VectorSimilarity.paramNames())
                .alwaysSerialize();
        private final Parameter<HnswParams> hnsw = new Parameter<>(
                        "hnsw",
                        false,
                        () -> HnswParams.DEFAULT,
                        (n, c, o) -> HnswParams.parse(o),
                        m -> toType(m).fieldType().hnsw())
                .setSerializer(
                        (b, n, v) -> b.startObject(n)
                                .field("m", v.m())
                                .field("ef_construction", v.efConstruction())
                                .endObject(),
                        Object::toString)
                .alwaysSerialize();
        /** The model whose vectors the field holds: queries on it encode with that model; not updatable (the vectors would not change). */
        private final Parameter<String> model = Parameter.stringParam(
                        "model", false, m -> toType(m).fieldType().model(), null)
                .acceptsNull();

        private final Parameter<Map<String, String>> meta = Parameter.metaParam();
        /** The node's models, to check [model] against (null where there are none: mapper unit tests). */
        private final Supplier<ModelService> models;
        /** The index has {@code index.knn: true}: the k-NN plugin's codec writes its vectors, with its own graph parameters. */
        private final boolean knnIndex;

        Builder(String name, boolean knnIndex, Supplier<ModelService> models) {
            super(name);
            this.knnIndex = knnIndex;
            this.models = models;
        }

        @Override
        protected List<Parameter<?>> getParameters() {
            return List.of(dimension, similarity, hnsw, model, meta);
        }

        /**
         * A field bound to a model must name a model of this node and have its dimension (a model that did not load
         * cannot be checked: queries then fail with its load error). Like an analyzer's synonyms file, the model folder
         * must be on every node.
         */
        private void checkModel() {
            ModelService service = models.get();
            if (model.getValue() == null || service == null) {
                return;
            }
            OptionalInt modelDimension;
            try {
                modelDimension = service.dimension(model.getValue());
            } catch (IllegalArgumentException e) {
                throw new MapperParsingException("field [" + name + "]: " + e.getMessage());
            }
            if (modelDimension.isPresent() && modelDimension.getAsInt() != dimension.getValue()) {
                throw new MapperParsingException("field ["
                        + name
                        + "] has [dimension] ["
                        + dimension.getValue()
                        + "] but its [model] ["
                        + model.getValue()
                        + "] encodes to ["
                        + modelDimension.getAsInt()
                        + "] dimensions");
            }
        }

        @Override
        public RfVectorFieldMapper build(BuilderContext context) {
            if (knnIndex && hnsw.getValue().equals(HnswParams.DEFAULT) == false) {
                // refused rather than silently ignored: the graph would be built with m 16 whatever the mapping says
                throw new MapperParsingException("[hnsw] of ["
                        + CONTENT_TYPE
                        + "] field ["
                        + name
                        + "] cannot take effect in an index with [index.knn: true]: the k-NN plugin's codec writes that index's "
                        + "segments and builds every graph with m "
                        + HnswParams.DEFAULT.m()
                        + ", ef_construction "
                        + HnswParams.DEFAULT.efConstruction()
                        + "; remove [hnsw] or put the field in an index without [index.knn]");
            }
            checkModel();
            RfVectorFieldType type = new RfVectorFieldType(
                    buildFullName(context),
                    dimension.getValue(),
                    VectorSimilarity.fromParam(similarity.getValue()),
                    hnsw.getValue(),
                    model.getValue(),
                    meta.getValue());
            return new RfVectorFieldMapper(
                    name, type, multiFieldsBuilder.build(this, context), copyTo.build(), knnIndex, models);
        }
    }

    /** The mapping parser; {@code models}: the node's models, which a field's [model] must name. */
    public static TypeParser parser(Supplier<ModelService> models) {
        return new TypeParser((n, c) ->
                new Builder(n, c.getSettings().getAsBoolean(RfCodecService.KNN_INDEX_SETTING, false), models));
    }

    public static final class RfVectorFieldType extends MappedFieldType {
        private final int dimension;
        private final VectorSimilarity similarity;
        private final HnswParams hnsw;
        private final String model;
        private final FieldType luceneType;

        public RfVectorFieldType(
                String name,
                int dimension,
                VectorSimilarity similarity,
                HnswParams hnsw,
                String model,
                Map<String, String> meta) {
            super(name, true, false, false, TextSearchInfo.NONE, meta);
            this.dimension = dimension;
            this.similarity = similarity;
            this.hnsw = hnsw;
            this.model = model;
            this.luceneType = new FieldType();
            luceneType.setVectorAttributes(dimension, VectorEncoding.FLOAT32, similarity.function());
            luceneType.freeze();
        }

        public int dimension() {
            return dimension;
        }

        public VectorSimilarity similarity() {
            return similarity;
        }

        public HnswParams hnsw() {
            return hnsw;
        }

        /** The model the field is bound to, or null. */
        public String model() {
            return model;
        }

        @Override
        public String typeName() {
            return CONTENT_TYPE;
        }

        @Override
        public ValueFetcher valueFetcher(QueryShardContext context, SearchLookup searchLookup, String format) {
            if (format != null) {
                throw new IllegalArgumentException(
                        "field [" + name() + "] of type [" + CONTENT_TYPE + "] doesn't support formats");
            }
            return new IndexVectorFetcher(name());
        }

        @Override
        public Query existsQuery(QueryShardContext context) {
            return new FieldExistsQuery(name());
        }

        @Override
        public Query termQuery(Object value, QueryShardContext context) {
            throw new QueryShardException(
                    context,
                    "[" + CONTENT_TYPE + "] field [" + name()
                            + "] does not support term queries; use the [relevance_feedback] query");
        }

        /**
         * Checks a vector for this field; returns null when valid, else a message naming the problem.
         * Shared by indexing and querying so both reject exactly the same vectors.
         */
        public String validate(float[] vector) {
            if (vector.length != dimension) {
                return "vector has [" + vector.length + "] dimensions but field [" + name() + "] has dimension ["
                        + dimension + "]";
            }
            for (int i = 0; i < vector.length; i++) {
                if (Float.isFinite(vector[i]) == false) {
                    return "vector for field [" + name() + "] has a non-finite value [" + vector[i] + "] at position ["
                            + i + "]";
                }
            }
            double norm = Math.sqrt(squaredNorm(vector));
            if (similarity == VectorSimilarity.COSINE && norm == 0) {
                return "zero vector is not allowed for field [" + name() + "] with similarity [cosine]";
            }
            if (similarity != VectorSimilarity.COSINE && norm > MAX_LENGTH) {
                return String.format(
                        Locale.ROOT,
                        "vector for field [%s] has length [%.3g]; similarity [%s] takes vectors of length <= [%.3g], whose scores stay finite in float",
                        name(),
                        norm,
                        similarity.paramName(),
                        MAX_LENGTH);
            }
            return null;
        }

        /**
         * The vector as this field indexes and searches it. Under cosine, a vector whose squared length leaves
         * [1e-30, 1e30] is scaled to unit length in double: Lucene sums squares and products in float, where such
         * vectors under- or overflow (infinite or NaN scores), and cosine does not depend on length. Other vectors are
         * kept bit for bit.
         */
        public float[] asIndexed(float[] vector) {
            double squared = squaredNorm(vector);
            if (similarity != VectorSimilarity.COSINE || (squared >= 1e-30 && squared <= 1e30)) {
                return vector;
            }
            double norm = Math.sqrt(squared);
            float[] out = new float[vector.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (vector[i] / norm);
            }
            return out;
        }

        private static double squaredNorm(float[] vector) {
            double sum = 0;
            for (float v : vector) {
                sum += (double) v * v;
            }
            return sum;
        }
    }

    private final boolean knnIndex;
    private final Supplier<ModelService> models;

    private RfVectorFieldMapper(
            String simpleName,
            RfVectorFieldType type,
            MultiFields multiFields,
            CopyTo copyTo,
            boolean knnIndex,
            Supplier<ModelService> models) {
        super(simpleName, type, multiFields, copyTo);
        this.knnIndex = knnIndex;
        this.models = models;
    }

    @Override
    public RfVectorFieldType fieldType() {
        return (RfVectorFieldType) super.fieldType();
    }

    @Override
    protected void parseCreateField(ParseContext context) throws IOException {
        RfVectorFieldType type = fieldType();
        if (context.doc().getByKey(type.name()) != null) {
            throw new MapperParsingException(
                    "field [" + type.name() + "] of type [" + CONTENT_TYPE + "] takes one vector per document");
        }
        float[] vector;
        try {
            vector = readVector(context.parser(), type.name());
        } catch (IllegalArgumentException e) {
            throw new MapperParsingException(e.getMessage());
        }
        String problem = type.validate(vector);
        if (problem != null) {
            throw new MapperParsingException(problem);
        }
        context.doc()
                .addWithKey(type.name(), new KnnFloatVectorField(type.name(), type.asIndexed(vector), type.luceneType));
    }

    /**
     * A document's vector (segment doc id) in a segment's vector values, as a copy (the values reuse one buffer), or
     * null when the document or the segment has none.
     */
    public static float[] vectorOf(FloatVectorValues values, int doc) throws IOException {
        KnnVectorValues.DocIndexIterator it = values == null ? null : values.iterator();
        return it != null && it.advance(doc) == doc
                ? values.vectorValue(it.index()).clone()
                : null;
    }

    /**
     * Reads a JSON array of numbers at the parser's current token; {@code what} names the field in errors.
     * Used for documents and for query vectors so both accept exactly the same syntax.
     */
    public static float[] readVector(XContentParser parser, String what) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_ARRAY) {
            throw new IllegalArgumentException(
                    "[" + what + "] must be an array of numbers, got [" + parser.currentToken() + "]");
        }
        List<Float> values = new ArrayList<>();
        for (XContentParser.Token t = parser.nextToken(); t != XContentParser.Token.END_ARRAY; t = parser.nextToken()) {
            if (t != XContentParser.Token.VALUE_NUMBER) {
                throw new IllegalArgumentException("[" + what + "] must contain only numbers, got [" + t
                        + "] at position [" + values.size() + "]");
            }
            values.add(parser.floatValue());
        }
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i);
        }
        return vector;
    }

    @Override
    public boolean parsesArrayValue() {
        return true;
    }

    @Override
    public ParametrizedFieldMapper.Builder getMergeBuilder() {
        return new Builder(simpleName(), knnIndex, models).init(this);
    }

    @Override
    protected String contentType() {
        return CONTENT_TYPE;
    }
}
