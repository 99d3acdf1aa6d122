package org.opensearch.relevancefeedback.mapper;

import java.io.IOException;
import java.util.List;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.opensearch.index.mapper.ValueFetcher;
import org.opensearch.search.lookup.SourceLookup;

/**
 * A field's value for the {@code fields} option of a search, read from the segment (vector values, doc values) rather
 * than from {@code _source}: the value can be left out of {@code _source} and is still returned, and feedback still
 * reads it. Subclasses say how to open the segment's values and read the current document's.
 */
abstract class IndexValueFetcher implements ValueFetcher {
    private LeafReaderContext leaf;
    private DocIdSetIterator docs;

    @Override
    public void setNextReader(LeafReaderContext context) {
        leaf = context;
        docs = null;
    }

    @Override
    public List<Object> fetchValues(SourceLookup lookup) throws IOException {
        int doc = lookup.docId();
        if (docs == null || docs.docID() > doc) { // the segment's iterators only move forward: open them again
            docs = open(leaf.reader());
            if (docs == null) {
                return List.of();
            }
        }
        int at = docs.docID() == doc ? doc : docs.advance(doc);
        return at == doc ? value() : List.of();
    }

    /** The segment's values as an unpositioned iterator over the documents that have one, or null when none has. */
    abstract DocIdSetIterator open(LeafReader reader) throws IOException;

    /** The value of the document the iterator returned by {@link #open} is on. */
    abstract List<Object> value() throws IOException;
}
