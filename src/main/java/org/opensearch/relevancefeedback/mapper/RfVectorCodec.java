package org.opensearch.relevancefeedback.mapper;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.MapperService;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wraps an index's codec so that {@code rf_vector} fields are written with their own HNSW {@code m} and
 * {@code ef_construction} and may have up to {@link RfVectorFieldMapper#MAX_DIMENSION} dimensions.
 *
 * <p>The codec keeps its delegate's name and the per-field format is written under Lucene's own
 * {@code Lucene99HnswVectorsFormat} name, so segments are plain Lucene: they read back with stock Lucene
 * (the graph parameters only matter while building the graph), even without this plugin.
 */
final class RfVectorCodec extends FilterCodec {

    private final MapperService mapperService;
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

    RfVectorCodec(Codec delegate, MapperService mapperService) {
        super(delegate.getName(), delegate);
        this.mapperService = mapperService;
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
