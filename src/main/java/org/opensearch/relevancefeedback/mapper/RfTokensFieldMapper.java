package org.opensearch.relevancefeedback.mapper;

import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.BytesRef;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.ParametrizedFieldMapper;
import org.opensearch.index.mapper.ParseContext;
import org.opensearch.index.mapper.TextSearchInfo;
import org.opensearch.index.mapper.ValueFetcher;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.relevancefeedback.inference.TokenCodec;
import org.opensearch.search.lookup.SearchLookup;

/**
 * {@code rf_tokens}: an encoder's token states for the Attentive Feedback Summarizer, as {@code rf_encode} writes them
 * (a base64 {@link TokenCodec} block). Not searchable; the block is kept as binary doc values, where feedback reads it
 * (through the {@code fields} option: raw bytes between nodes, base64 again in a JSON response), so it may be left out of {@code _source}. The value is checked
 * when the document is indexed, so a field of this type only ever holds a well-formed block.
 */
public final class RfTokensFieldMapper extends ParametrizedFieldMapper {

    public static final String CONTENT_TYPE = "rf_tokens";

    public static final class Builder extends ParametrizedFieldMapper.Builder {
        private final Parameter<Map<String, String>> meta = Parameter.metaParam();

        public Builder(String name) {
            super(name);
        }

        @Override
        protected List<Parameter<?>> getParameters() {
            return List.of(meta);
        }

        @Override
        public RfTokensFieldMapper build(BuilderContext context) {
            return new RfTokensFieldMapper(
                    name,
                    new RfTokensFieldType(buildFullName(context), meta.getValue()),
                    multiFieldsBuilder.build(this, context),
                    copyTo.build());
        }
    }

    public static final TypeParser PARSER = new TypeParser((n, c) -> new Builder(n));

    public static final class RfTokensFieldType extends MappedFieldType {
        RfTokensFieldType(String name, Map<String, String> meta) {
            super(name, false, false, true, TextSearchInfo.NONE, meta);
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
            return new IndexValueFetcher() {
                private BinaryDocValues values;

                @Override
                DocIdSetIterator open(LeafReader reader) throws IOException {
                    values = DocValues.getBinary(reader, name());
                    return values;
                }

                @Override
                List<Object> value() throws IOException {
                    BytesRef block = values.binaryValue();
                    // bytes: they cross the transport as they are and render as base64 in JSON, as the value was sent
                    return List.of(Arrays.copyOfRange(block.bytes, block.offset, block.offset + block.length));
                }
            };
        }

        @Override
        public Query termQuery(Object value, QueryShardContext context) {
            throw new QueryShardException(
                    context,
                    "[" + CONTENT_TYPE + "] field [" + name()
                            + "] is not searchable; feedback reads it from doc values");
        }
    }

    private RfTokensFieldMapper(String simpleName, MappedFieldType type, MultiFields multiFields, CopyTo copyTo) {
        super(simpleName, type, multiFields, copyTo);
    }

    @Override
    protected void parseCreateField(ParseContext context) throws IOException {
        XContentParser parser = context.parser();
        if (parser.currentToken() != XContentParser.Token.VALUE_STRING) {
            throw new MapperParsingException("[" + name()
                    + "] must be a base64 token block as rf_encode writes it, got [" + parser.currentToken() + "]");
        }
        byte[] block;
        try {
            block = Base64.getDecoder().decode(parser.text());
            TokenCodec.validate(block);
        } catch (IllegalArgumentException e) {
            throw new MapperParsingException(
                    "[" + name() + "] must be a base64 token block as rf_encode writes it: " + e.getMessage());
        }
        if (context.doc().getByKey(fieldType().name()) != null) {
            throw new MapperParsingException("field [" + fieldType().name() + "] of type [" + CONTENT_TYPE
                    + "] takes one token block per document");
        }
        context.doc()
                .addWithKey(
                        fieldType().name(), new BinaryDocValuesField(fieldType().name(), new BytesRef(block)));
    }

    @Override
    public ParametrizedFieldMapper.Builder getMergeBuilder() {
        return new Builder(simpleName()).init(this);
    }

    @Override
    protected String contentType() {
        return CONTENT_TYPE;
    }
}
