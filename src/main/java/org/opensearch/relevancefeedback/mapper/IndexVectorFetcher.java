package org.opensearch.relevancefeedback.mapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.search.DocIdSetIterator;

/** An {@code rf_vector} field's value from the segment's vector values (see {@link IndexValueFetcher}). */
final class IndexVectorFetcher extends IndexValueFetcher {
    private final String field;
    private FloatVectorValues values;
    private KnnVectorValues.DocIndexIterator docs;

    IndexVectorFetcher(String field) {
        this.field = field;
    }

    @Override
    DocIdSetIterator open(LeafReader reader) throws IOException {
        values = reader.getFloatVectorValues(field);
        docs = values == null ? null : values.iterator();
        return docs;
    }

    @Override
    List<Object> value() throws IOException {
        float[] vector = values.vectorValue(docs.index());
        List<Object> out = new ArrayList<>(vector.length);
        for (float v : vector) {
            out.add(v);
        }
        return out;
    }
}
