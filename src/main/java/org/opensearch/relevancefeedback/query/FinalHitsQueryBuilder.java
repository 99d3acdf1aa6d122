package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.lucene.queries.function.FunctionScoreQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.MatchNoneQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.relevancefeedback.mapper.RfVectorFieldMapper;

/**
 * {@code rf_scored_docs}: the resolved form of a coordinator-side search: matches exactly the listed
 * documents (index, shard, _id) with the listed scores. {@code relevance_feedback} rewrites into it on the
 * coordinating node, so every shard scores the global top k and nothing else. Users do not write it by hand.
 */
public final class FinalHitsQueryBuilder extends AbstractQueryBuilder<FinalHitsQueryBuilder> {

    public static final String NAME = "rf_scored_docs";
    private static final ParseField DOCS = new ParseField("docs");

    /** One hit of a coordinator-side search; {@code notes} become the details of its explanation. */
    public record FinalHit(String index, int shard, String id, float score, List<Note> notes) implements Writeable {
        public FinalHit(String index, int shard, String id, float score) {
            this(index, shard, id, score, List.of());
        }

        FinalHit(StreamInput in) throws IOException {
            this(in.readString(), in.readVInt(), in.readString(), in.readFloat(), in.readList(Note::new));
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(index);
            out.writeVInt(shard);
            out.writeString(id);
            out.writeFloat(score);
            out.writeList(notes);
        }

        FinalHit withNotes(List<Note> more) {
            return new FinalHit(index, shard, id, score, more);
        }
    }

    /** A value and what it means, shown under a hit's explanation (e.g. the feedback weight it received). */
    public record Note(float value, String description) implements Writeable {
        Note(StreamInput in) throws IOException {
            this(in.readFloat(), in.readString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeFloat(value);
            out.writeString(description);
        }
    }

    /** Rescore mode: the listed docs are scored by the similarity of their {@code field} vector to {@code vector}. */
    public record VectorScoring(String field, float[] vector) implements Writeable {
        VectorScoring(StreamInput in) throws IOException {
            this(in.readString(), in.readFloatArray());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(field);
            out.writeFloatArray(vector);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof VectorScoring v && field.equals(v.field) && Arrays.equals(vector, v.vector);
        }

        @Override
        public int hashCode() {
            return 31 * field.hashCode() + Arrays.hashCode(vector);
        }
    }

    private final List<FinalHit> docs;
    private final String description;
    private final VectorScoring scoring;

    public FinalHitsQueryBuilder(List<FinalHit> docs, String description) {
        this(docs, description, null);
    }

    public FinalHitsQueryBuilder(List<FinalHit> docs, String description, VectorScoring scoring) {
        this.docs = List.copyOf(docs);
        this.description = Objects.requireNonNull(description);
        this.scoring = scoring;
    }

    public FinalHitsQueryBuilder(StreamInput in) throws IOException {
        super(in);
        this.docs = in.readList(FinalHit::new);
        this.description = in.readString();
        this.scoring = in.readOptionalWriteable(VectorScoring::new);
    }

    public List<FinalHit> docs() {
        return docs;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        out.writeList(docs);
        out.writeString(description);
        out.writeOptionalWriteable(scoring);
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field("description", description);
        builder.startArray(DOCS.getPreferredName());
        for (FinalHit d : docs) {
            builder.startObject()
                    .field("_index", d.index)
                    .field("_shard", d.shard)
                    .field("_id", d.id)
                    .field("score", d.score);
            if (d.notes.isEmpty() == false) {
                builder.startArray("notes");
                for (Note n : d.notes) {
                    builder.startObject()
                            .field("value", n.value)
                            .field("description", n.description)
                            .endObject();
                }
                builder.endArray();
            }
            builder.endObject();
        }
        builder.endArray();
        if (scoring != null) {
            builder.field("vector_field", scoring.field).array("vector", scoring.vector);
        }
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static FinalHitsQueryBuilder fromXContent(XContentParser parser) throws IOException {
        List<FinalHit> docs = new ArrayList<>();
        String description = NAME;
        String vectorField = null;
        float[] vector = null;
        float boost = DEFAULT_BOOST;
        String queryName = null;
        String current = null;
        for (XContentParser.Token t = parser.nextToken();
                t != XContentParser.Token.END_OBJECT;
                t = parser.nextToken()) {
            if (t == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
            } else if (DOCS.match(current, parser.getDeprecationHandler()) && t == XContentParser.Token.START_ARRAY) {
                while (parser.nextToken() != XContentParser.Token.END_ARRAY) {
                    docs.add(parseDoc(parser));
                }
            } else if ("description".equals(current)) {
                description = RequestValues.string(parser, "description");
            } else if ("vector_field".equals(current)) {
                vectorField = RequestValues.string(parser, "vector_field");
            } else if ("vector".equals(current)) {
                vector = RfVectorFieldMapper.readVector(parser, "vector");
            } else if (BOOST_FIELD.match(current, parser.getDeprecationHandler())) {
                boost = (float) RequestValues.number(parser, "boost");
            } else if (NAME_FIELD.match(current, parser.getDeprecationHandler())) {
                queryName = RequestValues.string(parser, "_name");
            } else {
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] unknown field [" + current + "]");
            }
        }
        if ((vectorField == null) != (vector == null)) {
            throw new ParsingException(
                    parser.getTokenLocation(), "[" + NAME + "] [vector_field] and [vector] go together");
        }
        VectorScoring scoring = vector == null ? null : new VectorScoring(vectorField, vector);
        return new FinalHitsQueryBuilder(docs, description, scoring)
                .boost(boost)
                .queryName(queryName);
    }

    private static FinalHit parseDoc(XContentParser parser) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_OBJECT) {
            throw new ParsingException(
                    parser.getTokenLocation(),
                    "[" + NAME + "] each of [hits] must be an object, got [" + parser.currentToken() + "]");
        }
        String index = null;
        Integer shard = null;
        String id = null;
        Float score = null;
        List<Note> notes = new ArrayList<>();
        String current = null;
        for (XContentParser.Token t = parser.nextToken();
                t != XContentParser.Token.END_OBJECT;
                t = parser.nextToken()) {
            if (t == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
                continue;
            }
            switch (current) {
                case "_index" -> index = RequestValues.string(parser, "hits._index");
                case "_shard" -> shard = RequestValues.integer(parser, "hits._shard");
                case "_id" -> id = RequestValues.string(parser, "hits._id");
                case "score" -> score = (float) RequestValues.number(parser, "hits.score");
                case "notes" -> {
                    if (t != XContentParser.Token.START_ARRAY) {
                        throw new ParsingException(
                                parser.getTokenLocation(), "[" + NAME + "] [notes] must be an array");
                    }
                    while (parser.nextToken() != XContentParser.Token.END_ARRAY) {
                        Map<String, Object> n =
                                parser.currentToken() == XContentParser.Token.START_OBJECT ? parser.map() : Map.of();
                        if (n.get("value") instanceof Number value
                                && n.get("description") instanceof String description) {
                            notes.add(new Note(value.floatValue(), description));
                        } else {
                            throw new ParsingException(
                                    parser.getTokenLocation(),
                                    "[" + NAME
                                            + "] each of [notes] needs a numeric [value] and a string [description]");
                        }
                    }
                }
                default ->
                    throw new ParsingException(
                            parser.getTokenLocation(), "[" + NAME + "] unknown doc field [" + current + "]");
            }
        }
        if (index == null || shard == null || id == null || score == null) {
            throw new ParsingException(
                    parser.getTokenLocation(), "[" + NAME + "] each doc needs [_index], [_shard], [_id] and [score]");
        }
        return new FinalHit(index, shard, id, score, notes);
    }

    private List<FinalHit> docsOf(String index, int shard) {
        return docs.stream()
                .filter(d -> d.shard == shard && d.index.equals(index))
                .toList();
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) {
        QueryShardContext shard = context.convertToShardContext();
        if (shard != null && docsOf(shard.index().getName(), shard.getShardId()).isEmpty()) {
            // Lets the can-match phase skip shards that hold none of the hits.
            return new MatchNoneQueryBuilder();
        }
        return this;
    }

    @Override
    protected Query doToQuery(QueryShardContext context) {
        List<FinalHit> mine = docsOf(context.index().getName(), context.getShardId());
        if (mine.isEmpty()) {
            return new MatchNoDocsQuery("no " + description + " hits on this shard");
        }
        Query ids = new HitsByIdQuery(mine, description);
        if (scoring == null) {
            return ids;
        }
        RfVectorFieldMapper.RfVectorFieldType type =
                VectorSimilaritySource.vectorField(context, scoring.field, scoring.vector, NAME);
        return new FunctionScoreQuery(
                ids,
                new VectorSimilaritySource(
                        type.name(), type.asIndexed(scoring.vector), "rescored by similarity to the refined query"));
    }

    @Override
    protected boolean doEquals(FinalHitsQueryBuilder other) {
        return docs.equals(other.docs)
                && description.equals(other.description)
                && Objects.equals(scoring, other.scoring);
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(docs, description, scoring);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
