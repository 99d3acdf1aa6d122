package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DoubleValues;
import org.apache.lucene.search.DoubleValuesSource;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.relevancefeedback.mapper.RfVectorFieldMapper;

/**
 * Exact similarity of each document's stored vector to a query vector, on the same scale as the kNN score
 * (the field's Lucene similarity function), for re-ranking a fixed set of hits. Documents without a vector get
 * no value (score 0 under FunctionScoreQuery).
 */
public final class VectorSimilaritySource extends DoubleValuesSource {

    private final String field;
    private final float[] vector;
    private final String description;

    public VectorSimilaritySource(String field, float[] vector, String description) {
        this.field = field;
        this.vector = vector;
        this.description = description;
    }

    /**
     * The field's type, after checking that it is an rf_vector field that accepts {@code vector}: the one check of
     * every query that scores by a vector field (kNN passes, rescore mode, the rescorer).
     */
    public static RfVectorFieldMapper.RfVectorFieldType vectorField(
            QueryShardContext context, String field, float[] vector, String queryName) {
        MappedFieldType type = context.fieldMapper(field);
        if (type == null) {
            throw new QueryShardException(
                    context, "[" + queryName + "] field [" + field + "] does not exist in the mapping");
        }
        if (type instanceof RfVectorFieldMapper.RfVectorFieldType == false) {
            throw new QueryShardException(
                    context,
                    "[" + queryName + "] field [" + field + "] is of type [" + type.typeName() + "], expected ["
                            + RfVectorFieldMapper.CONTENT_TYPE + "]");
        }
        RfVectorFieldMapper.RfVectorFieldType vectorType = (RfVectorFieldMapper.RfVectorFieldType) type;
        String problem = vectorType.validate(vector);
        if (problem != null) {
            throw new QueryShardException(context, "[" + queryName + "] query " + problem);
        }
        return vectorType;
    }

    @Override
    public DoubleValues getValues(LeafReaderContext ctx, DoubleValues scores) throws IOException {
        FieldInfo info = ctx.reader().getFieldInfos().fieldInfo(field);
        if (info == null || info.getVectorDimension() == 0) {
            return DoubleValues.EMPTY;
        }
        return DoubleValuesSource.similarityToQueryVector(ctx, vector, field);
    }

    @Override
    public Explanation explain(LeafReaderContext ctx, int docId, Explanation scoreExplanation) throws IOException {
        DoubleValues values = getValues(ctx, null);
        if (values.advanceExact(docId) == false) {
            return Explanation.noMatch("no [" + field + "] vector", scoreExplanation);
        }
        return Explanation.match((float) values.doubleValue(), description + " on [" + field + "]", scoreExplanation);
    }

    @Override
    public boolean needsScores() {
        return false;
    }

    @Override
    public DoubleValuesSource rewrite(IndexSearcher reader) {
        return this;
    }

    @Override
    public boolean isCacheable(LeafReaderContext ctx) {
        return true;
    }

    @Override
    public String toString() {
        return "similarity(" + field + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VectorSimilaritySource v && field.equals(v.field) && Arrays.equals(vector, v.vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(field, Arrays.hashCode(vector));
    }
}
