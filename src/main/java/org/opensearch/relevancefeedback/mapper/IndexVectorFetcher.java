package org.opensearch.relevancefeedback.mapper;

import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.opensearch.index.mapper.ValueFetcher;
import org.opensearch.search.lookup.SourceLookup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an {@code rf_vector} field's value for the {@code fields} option of a search from the segment's vector values,
 * not from {@code _source}: the vector can be left out of {@code _source} (mapping {@code _source.excludes}) and is still
 * returned when asked for, and feedback still reads it.
 */
final class IndexVectorFetcher implements ValueFetcher {
    private final String field;
    private LeafReaderContext leaf;
    private FloatVectorValues values;
    private KnnVectorValues.DocIndexIterator docs;

    IndexVectorFetcher(String field) {
        this.field = field;
    }

    @Override
    public void setNextReader(LeafReaderContext context) {
        leaf = context;
        values = null;
    }

    @Override
    public List<Object> fetchValues(SourceLookup lookup) throws IOException {
        int doc = lookup.docId();
        if (values == null || docs.docID() > doc) { // vector values only move forward: open them again
            values = leaf.reader().getFloatVectorValues(field);
            if (values == null) {
                return List.of();
            }
            docs = values.iterator();
        }
        if ((docs.docID() == doc ? doc : docs.advance(doc)) != doc) {
            return List.of();
        }
        float[] vector = values.vectorValue(docs.index());
        List<Object> out = new ArrayList<>(vector.length);
        for (float v : vector) {
            out.add(v);
        }
        return out;
    }
}
