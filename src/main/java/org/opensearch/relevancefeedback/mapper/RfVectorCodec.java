package org.opensearch.relevancefeedback.mapper;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.StoredFieldsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.opensearch.index.mapper.DocumentMapper;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.relevancefeedback.mapper.DerivedSourceStoredFieldsFormat.Kind;

/**
 * Wraps an index's codec so that {@code rf_vector} fields are written with their own HNSW {@code m} and
 * {@code ef_construction} and may have up to {@link RfVectorFieldMapper#MAX_DIMENSION} dimensions, and, with derived
 * source, so that their values (and {@code rf_tokens} blocks) are not stored in {@code _source} a second time
 * ({@link DerivedSourceStoredFieldsFormat}).
 *
 * <p>The per-field format is written under Lucene's own {@code Lucene99HnswVectorsFormat} name (the graph parameters
 * only matter while building the graph). Without derived source the codec keeps its delegate's name, so segments are
 * plain Lucene and read back even without this plugin; with it, segments carry {@link RfDerivedSourceCodec}'s name,
 * whose stored fields reader puts the values back into the source.
 */
final class RfVectorCodec extends FilterCodec {

    private final MapperService mapperService;
    private final StoredFieldsFormat storedFields;
    /** The derived fields of the mapping last seen: recomputed only when the mapping changes. */
    private volatile DerivedFields derivedFields = new DerivedFields(null, Map.of());

    private record DerivedFields(DocumentMapper mapper, Map<String, Kind> fields) {}

    private final Map<HnswParams, KnnVectorsFormat> formats = new ConcurrentHashMap<>();
    private final KnnVectorsFormat perField = new PerFieldKnnVectorsFormat() {
        @Override
        public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            MappedFieldType type = mapperService.fieldType(field);
            if (type instanceof RfVectorFieldMapper.RfVectorFieldType vectorType) {
                return formats.computeIfAbsent(vectorType.hnsw(), RfHnswFormat::new);
            }
            return delegateFormatFor(field);
        }
    };

    RfVectorCodec(Codec delegate, MapperService mapperService, boolean derivedSource) {
        super(derivedSource ? RfDerivedSourceCodec.NAME : delegate.getName(), delegate);
        this.mapperService = mapperService;
        this.storedFields = derivedSource
                ? new DerivedSourceStoredFieldsFormat(
                        delegate.storedFieldsFormat(), perField, delegate.docValuesFormat(), this::derivedFields)
                : delegate.storedFieldsFormat();
    }

    /** {@link #derivableFields} of the current mapping, recomputed only when the mapping changes. */
    private Map<String, Kind> derivedFields() {
        DocumentMapper mapper = mapperService.documentMapper();
        DerivedFields known = derivedFields;
        if (mapper == known.mapper() || mapper == null) {
            return known.fields();
        }
        derivedFields = new DerivedFields(mapper, derivableFields(mapperService));
        return derivedFields.fields();
    }

    /**
     * The mapping's rf_vector and rf_tokens fields, except those inside nested objects: their values live in the nested
     * Lucene documents while the source is stored with the root document.
     */
    static Map<String, Kind> derivableFields(MapperService mapperService) {
        DocumentMapper mapper = mapperService.documentMapper();
        if (mapper == null) {
            return Map.of();
        }
        Map<String, Kind> fields = new HashMap<>();
        for (MappedFieldType type : mapperService.fieldTypes()) {
            Kind kind = type instanceof RfVectorFieldMapper.RfVectorFieldType
                    ? Kind.VECTOR
                    : type instanceof RfTokensFieldMapper.RfTokensFieldType ? Kind.TOKENS : null;
            if (kind != null && mapper.mappers().getNestedScope(type.name()) == null) {
                fields.put(type.name(), kind);
            }
        }
        return Map.copyOf(fields);
    }

    @Override
    public StoredFieldsFormat storedFieldsFormat() {
        return storedFields;
    }

    private KnnVectorsFormat delegateFormatFor(String field) {
        KnnVectorsFormat format = delegate.knnVectorsFormat();
        return format instanceof PerFieldKnnVectorsFormat p ? p.getKnnVectorsFormatForField(field) : format;
    }

    @Override
    public KnnVectorsFormat knnVectorsFormat() {
        return perField;
    }

    /** Lucene's HNSW format with the field's graph parameters and a higher dimension limit. */
    static final class RfHnswFormat extends KnnVectorsFormat {
        private final Lucene99HnswVectorsFormat format;

        RfHnswFormat(HnswParams params) {
            // Same SPI name as the Lucene format it writes, so readers resolve to stock Lucene.
            super("Lucene99HnswVectorsFormat");
            this.format = new Lucene99HnswVectorsFormat(params.m(), params.efConstruction());
        }

        @Override
        public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
            return format.fieldsWriter(state);
        }

        @Override
        public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
            return format.fieldsReader(state);
        }

        @Override
        public int getMaxDimensions(String fieldName) {
            return RfVectorFieldMapper.MAX_DIMENSION;
        }

        @Override
        public String toString() {
            return "RfHnswFormat(" + format + ")";
        }
    }
}
