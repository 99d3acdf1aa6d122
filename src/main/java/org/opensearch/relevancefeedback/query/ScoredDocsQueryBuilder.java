package org.opensearch.relevancefeedback.query;

import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.opensearch.action.search.SearchResponse;
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
import org.opensearch.search.SearchHit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code rf_scored_docs}: the resolved form of a coordinator-side search: matches exactly the listed
 * documents (index, shard, _id) with the listed scores. {@code relevance_feedback} rewrites into it on the
 * coordinating node, so every shard scores the global top k and nothing else. Users do not write it by hand.
 */
public final class ScoredDocsQueryBuilder extends AbstractQueryBuilder<ScoredDocsQueryBuilder> {

    public static final String NAME = "rf_scored_docs";
    private static final ParseField DOCS = new ParseField("docs");

    /** One hit of a coordinator-side search. */
    public record ScoredDoc(String index, int shard, String id, float score) implements Writeable {
        ScoredDoc(StreamInput in) throws IOException {
            this(in.readString(), in.readVInt(), in.readString(), in.readFloat());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(index);
            out.writeVInt(shard);
            out.writeString(id);
            out.writeFloat(score);
        }
    }

    private final List<ScoredDoc> docs;
    private final String description;

    public ScoredDocsQueryBuilder(List<ScoredDoc> docs, String description) {
        this.docs = List.copyOf(docs);
        this.description = Objects.requireNonNull(description);
    }

    public ScoredDocsQueryBuilder(StreamInput in) throws IOException {
        super(in);
        this.docs = in.readList(ScoredDoc::new);
        this.description = in.readString();
    }

    /** The hits of a search response, in their order. */
    public static List<ScoredDoc> hitsOf(SearchResponse response) {
        List<ScoredDoc> hits = new ArrayList<>();
        for (SearchHit hit : response.getHits().getHits()) {
            hits.add(new ScoredDoc(hit.getShard().getIndex(), hit.getShard().getShardId().id(), hit.getId(), hit.getScore()));
        }
        return hits;
    }

    public List<ScoredDoc> docs() {
        return docs;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        out.writeList(docs);
        out.writeString(description);
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field("description", description);
        builder.startArray(DOCS.getPreferredName());
        for (ScoredDoc d : docs) {
            builder.startObject().field("_index", d.index).field("_shard", d.shard).field("_id", d.id).field("score", d.score).endObject();
        }
        builder.endArray();
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static ScoredDocsQueryBuilder fromXContent(XContentParser parser) throws IOException {
        List<ScoredDoc> docs = new ArrayList<>();
        String description = NAME;
        float boost = DEFAULT_BOOST;
        String queryName = null;
        String current = null;
        for (XContentParser.Token t = parser.nextToken(); t != XContentParser.Token.END_OBJECT; t = parser.nextToken()) {
            if (t == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
            } else if (DOCS.match(current, parser.getDeprecationHandler()) && t == XContentParser.Token.START_ARRAY) {
                while (parser.nextToken() != XContentParser.Token.END_ARRAY) {
                    docs.add(parseDoc(parser));
                }
            } else if ("description".equals(current)) {
                description = parser.text();
            } else if (BOOST_FIELD.match(current, parser.getDeprecationHandler())) {
                boost = parser.floatValue();
            } else if (NAME_FIELD.match(current, parser.getDeprecationHandler())) {
                queryName = parser.text();
            } else {
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] unknown field [" + current + "]");
            }
        }
        return new ScoredDocsQueryBuilder(docs, description).boost(boost).queryName(queryName);
    }

    private static ScoredDoc parseDoc(XContentParser parser) throws IOException {
        String index = null;
        Integer shard = null;
        String id = null;
        Float score = null;
        String current = null;
        for (XContentParser.Token t = parser.nextToken(); t != XContentParser.Token.END_OBJECT; t = parser.nextToken()) {
            if (t == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
                continue;
            }
            switch (current) {
                case "_index" -> index = parser.text();
                case "_shard" -> shard = parser.intValue();
                case "_id" -> id = parser.text();
                case "score" -> score = parser.floatValue();
                default -> throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] unknown doc field [" + current + "]");
            }
        }
        if (index == null || shard == null || id == null || score == null) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] each doc needs [_index], [_shard], [_id] and [score]");
        }
        return new ScoredDoc(index, shard, id, score);
    }

    private List<ScoredDoc> docsOf(String index, int shard) {
        return docs.stream().filter(d -> d.shard == shard && d.index.equals(index)).toList();
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
        List<ScoredDoc> mine = docsOf(context.index().getName(), context.getShardId());
        if (mine.isEmpty()) {
            return new MatchNoDocsQuery("no " + description + " hits on this shard");
        }
        return new IdScoresQuery(mine, description);
    }

    @Override
    protected boolean doEquals(ScoredDocsQueryBuilder other) {
        return docs.equals(other.docs) && description.equals(other.description);
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(docs, description);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
