package org.opensearch.relevancefeedback.mapper;

import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.DocValuesProducer;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.StoredFieldsFormat;
import org.apache.lucene.codecs.StoredFieldsReader;
import org.apache.lucene.codecs.StoredFieldsWriter;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentInfo;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;
import org.opensearch.common.regex.Regex;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.compress.NotXContentException;
import org.opensearch.core.xcontent.MediaType;
import org.opensearch.core.xcontent.MediaTypeRegistry;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.index.fieldvisitor.FieldsVisitor;
import org.opensearch.index.mapper.SourceFieldMapper;

/**
 * Derived source: the stored {@code _source} keeps a {@link #MARKER} where a document had an {@code rf_vector} array or
 * an {@code rf_tokens} block, and reading the source puts the value back from the index (the segment's vector values,
 * the binary doc values). The values are then stored once instead of twice, as the k-NN plugin does for its vectors.
 *
 * <p>Each segment lists the fields it masked in its attributes ({@link #ATTRIBUTE_PREFIX} + field), so reading needs
 * no mapping and only ever replaces a marker at a listed field's path: a segment written without derived source, or a
 * document whose value was not masked (inside a nested object), reads back exactly as stored. A vector comes back as
 * the float32 values the field indexed (a cosine vector of extreme length scaled to unit length); a token block comes
 * back byte for byte.
 */
final class DerivedSourceStoredFieldsFormat extends StoredFieldsFormat {

    /** Stored in place of a derived value: no rf_vector value (an array) or rf_tokens value (a string) is a bare number. */
    static final int MARKER = 1;

    static final String ATTRIBUTE_PREFIX = "rf.derived_source.";

    enum Kind {
        VECTOR,
        TOKENS
    }

    private final StoredFieldsFormat delegate;
    private final KnnVectorsFormat vectorsFormat;
    private final DocValuesFormat docValuesFormat;
    /** The fields to mask in documents written now (from the mapping); null: nothing is masked (the codec read from disk). */
    private final Supplier<Map<String, Kind>> derivedFields;

    DerivedSourceStoredFieldsFormat(
            StoredFieldsFormat delegate,
            KnnVectorsFormat vectorsFormat,
            DocValuesFormat docValuesFormat,
            Supplier<Map<String, Kind>> derivedFields) {
        this.delegate = delegate;
        this.vectorsFormat = vectorsFormat;
        this.docValuesFormat = docValuesFormat;
        this.derivedFields = derivedFields;
    }

    @Override
    public StoredFieldsWriter fieldsWriter(Directory directory, SegmentInfo si, IOContext context) throws IOException {
        StoredFieldsWriter writer = delegate.fieldsWriter(directory, si, context);
        return derivedFields == null ? writer : new MaskingWriter(writer, si, derivedFields);
    }

    @Override
    public StoredFieldsReader fieldsReader(
            Directory directory, SegmentInfo si, FieldInfos fieldInfos, IOContext context) throws IOException {
        StoredFieldsReader reader = delegate.fieldsReader(directory, si, fieldInfos, context);
        Map<String, Kind> masked = new HashMap<>();
        si.getAttributes().forEach((key, kind) -> {
            String field = key.startsWith(ATTRIBUTE_PREFIX) ? key.substring(ATTRIBUTE_PREFIX.length()) : null;
            if (field != null && fieldInfos.fieldInfo(field) != null) {
                masked.put(field, Kind.valueOf(kind));
            }
        });
        if (masked.isEmpty()) {
            return reader;
        }
        return new InjectingReader(
                reader, masked, new IndexValues(new SegmentReadState(directory, si, fieldInfos, context)));
    }

    /**
     * Calls {@code replace} on the value at every path of {@code fields} in a source map: dotted keys, objects and arrays
     * of objects alike, as OpenSearch maps them to field names. The map is changed in place; returns whether it changed.
     */
    static boolean replaceAt(Map<String, Object> source, String prefix, Map<String, Kind> fields, Replacer replace)
            throws IOException {
        boolean changed = false;
        for (Map.Entry<String, Object> entry : source.entrySet()) {
            String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
            Object value = entry.getValue();
            Kind kind = fields.get(path);
            if (kind != null) {
                Object replaced = replace.apply(path, kind, value);
                if (replaced != value) {
                    entry.setValue(replaced);
                    changed = true;
                }
            } else if (value instanceof Map<?, ?> object) {
                changed |= replaceAt(asSource(object), path, fields, replace);
            } else if (value instanceof List<?> list) {
                for (Object item : list) {
                    if (item instanceof Map<?, ?> object) {
                        changed |= replaceAt(asSource(object), path, fields, replace);
                    }
                }
            }
        }
        return changed;
    }

    @FunctionalInterface
    interface Replacer {
        Object apply(String field, Kind kind, Object value) throws IOException;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asSource(Map<?, ?> object) {
        return (Map<String, Object>) object;
    }

    /** The source with {@code replace} applied, in its own content type, or null when nothing changed or it is not XContent. */
    private static BytesRef rewrite(BytesReference source, Map<String, Kind> fields, Replacer replace)
            throws IOException {
        MediaType type;
        Map<String, Object> map;
        try {
            type = MediaTypeRegistry.xContentType(source);
            if (type == null) {
                return null;
            }
            map = XContentHelper.convertToMap(source, true, type).v2();
        } catch (NotXContentException e) {
            return null; // e.g. a no-op tombstone's source is not XContent: nothing to mask or to put back
        }
        if (replaceAt(map, "", fields, replace) == false) {
            return null;
        }
        XContentBuilder builder = MediaTypeRegistry.contentBuilder(type).map(map);
        return BytesReference.bytes(builder).toBytesRef();
    }

    private static boolean isMarker(Object value) {
        return value instanceof Number n && n.intValue() == MARKER && n.doubleValue() == MARKER;
    }

    /** Writes each {@code _source} with its derived fields masked; records the masked fields in the segment. */
    static final class MaskingWriter extends StoredFieldsWriter {
        private final StoredFieldsWriter delegate;
        private final SegmentInfo si;
        private final Supplier<Map<String, Kind>> derivedFields;
        private final Map<String, Kind> masked = new HashMap<>();

        MaskingWriter(StoredFieldsWriter delegate, SegmentInfo si, Supplier<Map<String, Kind>> derivedFields) {
            this.delegate = delegate;
            this.si = si;
            this.derivedFields = derivedFields;
        }

        @Override
        public void writeField(FieldInfo info, BytesRef value) throws IOException {
            Map<String, Kind> fields = SourceFieldMapper.NAME.equals(info.name) ? derivedFields.get() : Map.of();
            BytesRef rewritten = fields.isEmpty()
                    ? null
                    : rewrite(new BytesArray(value.bytes, value.offset, value.length), fields, (field, kind, v) -> {
                        // an rf_vector value is an array, an rf_tokens value a string; anything else is left as it is
                        if ((kind == Kind.VECTOR && v instanceof List)
                                || (kind == Kind.TOKENS && v instanceof String)) {
                            masked.put(field, kind);
                            return MARKER;
                        }
                        return v;
                    });
            delegate.writeField(info, rewritten == null ? value : rewritten);
        }

        /**
         * Sources of this format's segments are already masked: the merge copies them as they are stored (the delegate's
         * bulk copy), not as they read back. A merge calls its delegate's finish, not ours, so the attributes go here too.
         */
        @Override
        public int merge(MergeState mergeState) throws IOException {
            for (int i = 0; i < mergeState.storedFieldsReaders.length; i++) {
                if (mergeState.storedFieldsReaders[i] instanceof InjectingReader reader) {
                    masked.putAll(reader.masked);
                    mergeState.storedFieldsReaders[i] = reader.delegate;
                }
            }
            int docs = delegate.merge(mergeState);
            recordMasked();
            return docs;
        }

        @Override
        public void finish(int numDocs) throws IOException {
            recordMasked();
            delegate.finish(numDocs);
        }

        private void recordMasked() {
            masked.forEach((field, kind) -> si.putAttribute(ATTRIBUTE_PREFIX + field, kind.name()));
        }

        @Override
        public void startDocument() throws IOException {
            delegate.startDocument();
        }

        @Override
        public void finishDocument() throws IOException {
            delegate.finishDocument();
        }

        @Override
        public void writeField(FieldInfo info, int value) throws IOException {
            delegate.writeField(info, value);
        }

        @Override
        public void writeField(FieldInfo info, long value) throws IOException {
            delegate.writeField(info, value);
        }

        @Override
        public void writeField(FieldInfo info, float value) throws IOException {
            delegate.writeField(info, value);
        }

        @Override
        public void writeField(FieldInfo info, double value) throws IOException {
            delegate.writeField(info, value);
        }

        @Override
        public void writeField(FieldInfo info, String value) throws IOException {
            delegate.writeField(info, value);
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }

        @Override
        public long ramBytesUsed() {
            return delegate.ramBytesUsed();
        }
    }

    /** The fields a source filter keeps: a pattern that matches a field or an object above it selects the field. */
    static Map<String, Kind> selected(Map<String, Kind> fields, String[] includes, String[] excludes) {
        if ((includes == null || includes.length == 0) && (excludes == null || excludes.length == 0)) {
            return fields; // no filter: the common case, read for every hit of a search
        }
        Map<String, Kind> out = new HashMap<>();
        fields.forEach((field, kind) -> {
            boolean included = includes == null || includes.length == 0 || matches(includes, field);
            if (included && (excludes == null || matches(excludes, field) == false)) {
                out.put(field, kind);
            }
        });
        return out;
    }

    private static boolean matches(String[] patterns, String field) {
        for (String path = field; ; path = path.substring(0, path.lastIndexOf('.'))) {
            if (Regex.simpleMatch(patterns, path)) {
                return true;
            }
            if (path.indexOf('.') < 0) {
                return false;
            }
        }
    }

    /** Reads {@code _source} with the masked fields' values put back from the index. */
    static final class InjectingReader extends StoredFieldsReader {
        private final StoredFieldsReader delegate;
        private final Map<String, Kind> masked;
        private final IndexValues values;
        private final boolean owner;

        InjectingReader(StoredFieldsReader delegate, Map<String, Kind> masked, IndexValues values) {
            this(delegate, masked, values, true);
        }

        private InjectingReader(
                StoredFieldsReader delegate, Map<String, Kind> masked, IndexValues values, boolean owner) {
            this.delegate = delegate;
            this.masked = masked;
            this.values = values;
            this.owner = owner;
        }

        @Override
        public void document(int docId, StoredFieldVisitor visitor) throws IOException {
            Map<String, Kind> fields = visitor instanceof FieldsVisitor source
                    ? selected(masked, source.includes(), source.excludes())
                    : masked;
            if (fields.isEmpty()) { // e.g. a search asking for "_source": ["label"] needs no vector put back
                delegate.document(docId, visitor);
                return;
            }
            delegate.document(docId, new StoredFieldVisitor() {
                @Override
                public void binaryField(FieldInfo info, byte[] value) throws IOException {
                    if (SourceFieldMapper.NAME.equals(info.name)) {
                        BytesRef injected = rewrite(
                                new BytesArray(value),
                                fields,
                                (field, kind, v) -> isMarker(v) ? values.read(field, kind, docId, v) : v);
                        if (injected != null) {
                            value = Arrays.copyOfRange(
                                    injected.bytes, injected.offset, injected.offset + injected.length);
                        }
                    }
                    visitor.binaryField(info, value);
                }

                @Override
                public void stringField(FieldInfo info, String value) throws IOException {
                    visitor.stringField(info, value);
                }

                @Override
                public void intField(FieldInfo info, int value) throws IOException {
                    visitor.intField(info, value);
                }

                @Override
                public void longField(FieldInfo info, long value) throws IOException {
                    visitor.longField(info, value);
                }

                @Override
                public void floatField(FieldInfo info, float value) throws IOException {
                    visitor.floatField(info, value);
                }

                @Override
                public void doubleField(FieldInfo info, double value) throws IOException {
                    visitor.doubleField(info, value);
                }

                @Override
                public Status needsField(FieldInfo info) throws IOException {
                    return visitor.needsField(info);
                }
            });
        }

        @Override
        public void prefetch(int docId) throws IOException {
            delegate.prefetch(docId);
        }

        @Override
        public StoredFieldsReader clone() {
            return new InjectingReader(delegate.clone(), masked, values, false);
        }

        @Override
        public StoredFieldsReader getMergeInstance() {
            return new InjectingReader(delegate.getMergeInstance(), masked, values, false);
        }

        @Override
        public void checkIntegrity() throws IOException {
            delegate.checkIntegrity();
        }

        @Override
        public void close() throws IOException {
            // clones share the segment's value readers; Lucene closes only the reader the format opened
            IOUtils.close(delegate, owner ? values : null);
        }
    }

    /**
     * The segment's vector values and doc values, opened on the first source that needs them (a second open of the
     * same files: the stored fields format cannot reach the segment's own readers) and shared by the reader's clones.
     */
    final class IndexValues implements java.io.Closeable {
        private final SegmentReadState state;
        private KnnVectorsReader vectors;
        private DocValuesProducer docValues;

        IndexValues(SegmentReadState state) {
            this.state = state;
        }

        /** The field's value for the document, or {@code fallback} when it has none. */
        Object read(String field, Kind kind, int doc, Object fallback) throws IOException {
            if (kind == Kind.VECTOR) {
                float[] vector = RfVectorFieldMapper.vectorOf(vectors().getFloatVectorValues(field), doc);
                return vector == null ? fallback : vector;
            }
            FieldInfo info = state.fieldInfos.fieldInfo(field);
            BinaryDocValues values = info == null ? null : docValues().getBinary(info);
            if (values == null || values.advanceExact(doc) == false) {
                return fallback;
            }
            BytesRef block = values.binaryValue();
            return Base64.getEncoder()
                    .encodeToString(Arrays.copyOfRange(block.bytes, block.offset, block.offset + block.length));
        }

        private synchronized KnnVectorsReader vectors() throws IOException {
            if (vectors == null) {
                vectors = vectorsFormat.fieldsReader(state);
            }
            return vectors;
        }

        private synchronized DocValuesProducer docValues() throws IOException {
            if (docValues == null) {
                docValues = docValuesFormat.fieldsProducer(state);
            }
            return docValues;
        }

        @Override
        public synchronized void close() throws IOException {
            IOUtils.close(vectors, docValues);
        }
    }
}
