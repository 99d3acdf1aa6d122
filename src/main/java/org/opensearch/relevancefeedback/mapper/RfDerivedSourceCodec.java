package org.opensearch.relevancefeedback.mapper;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.CompoundFormat;
import org.apache.lucene.codecs.DocValuesFormat;
import org.apache.lucene.codecs.FieldInfosFormat;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.LiveDocsFormat;
import org.apache.lucene.codecs.NormsFormat;
import org.apache.lucene.codecs.PointsFormat;
import org.apache.lucene.codecs.PostingsFormat;
import org.apache.lucene.codecs.SegmentInfoFormat;
import org.apache.lucene.codecs.StoredFieldsFormat;
import org.apache.lucene.codecs.TermVectorsFormat;

/**
 * The codec that reads segments written with derived source (registered with Lucene's SPI under {@link #NAME}, which
 * {@link RfVectorCodec} writes into them): Lucene's default codec, whose stored fields reader puts the masked values
 * back into {@code _source}. Segments are written only by {@link RfVectorCodec}, which knows the mapping.
 *
 * <p>The default codec is looked up on first use, not in the constructor: Lucene instantiates SPI codecs while it
 * initializes its codec registry, when no codec can be looked up yet. Every format other than stored fields is the
 * default codec's; postings, doc values and vectors are per-field formats that find each field's own format by the
 * name recorded in the segment.
 */
public final class RfDerivedSourceCodec extends Codec {

    public static final String NAME = "RfDerivedSource";

    private volatile Codec delegate;
    private volatile StoredFieldsFormat storedFields;

    public RfDerivedSourceCodec() {
        super(NAME);
    }

    private Codec delegate() {
        if (delegate == null) {
            Codec codec = Codec.getDefault();
            storedFields = new DerivedSourceStoredFieldsFormat(
                    codec.storedFieldsFormat(), codec.knnVectorsFormat(), codec.docValuesFormat(), null);
            delegate = codec;
        }
        return delegate;
    }

    @Override
    public StoredFieldsFormat storedFieldsFormat() {
        delegate();
        return storedFields;
    }

    @Override
    public PostingsFormat postingsFormat() {
        return delegate().postingsFormat();
    }

    @Override
    public DocValuesFormat docValuesFormat() {
        return delegate().docValuesFormat();
    }

    @Override
    public TermVectorsFormat termVectorsFormat() {
        return delegate().termVectorsFormat();
    }

    @Override
    public FieldInfosFormat fieldInfosFormat() {
        return delegate().fieldInfosFormat();
    }

    @Override
    public SegmentInfoFormat segmentInfoFormat() {
        return delegate().segmentInfoFormat();
    }

    @Override
    public NormsFormat normsFormat() {
        return delegate().normsFormat();
    }

    @Override
    public LiveDocsFormat liveDocsFormat() {
        return delegate().liveDocsFormat();
    }

    @Override
    public CompoundFormat compoundFormat() {
        return delegate().compoundFormat();
    }

    @Override
    public PointsFormat pointsFormat() {
        return delegate().pointsFormat();
    }

    @Override
    public KnnVectorsFormat knnVectorsFormat() {
        return delegate().knnVectorsFormat();
    }
}
