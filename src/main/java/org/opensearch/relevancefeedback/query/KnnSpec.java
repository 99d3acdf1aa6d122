package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.relevancefeedback.mapper.RfVectorFieldMapper;

/**
 * What one approximate kNN search asks for: field, query vector, k, the HNSW candidate list size, and an
 * optional filter applied during graph search. Shared by the queries that run a kNN pass. The vector is null
 * only while a {@code relevance_feedback} query waits for its {@code text} to be encoded.
 */
public final class KnnSpec {

    public static final int DEFAULT_K = 10;
    static final ParseField FIELD = new ParseField("field");
    static final ParseField VECTOR = new ParseField("vector");
    static final ParseField K = new ParseField("k");
    static final ParseField NUM_CANDIDATES = new ParseField("num_candidates");
    static final ParseField FILTER = new ParseField("filter");

    private final String field;
    private final float[] vector;
    private final int k;
    private final Integer numCandidates;
    private final QueryBuilder filter;

    public KnnSpec(String field, float[] vector, int k, Integer numCandidates, QueryBuilder filter) {
        if (field == null || field.isEmpty()) {
            throw new IllegalArgumentException("[" + FIELD.getPreferredName() + "] is required");
        }
        if (vector != null && vector.length == 0) {
            throw new IllegalArgumentException("[" + VECTOR.getPreferredName() + "] is required and must not be empty");
        }
        for (int i = 0; vector != null && i < vector.length; i++) {
            if (Float.isFinite(vector[i]) == false) {
                throw new IllegalArgumentException(
                        "[vector] has a non-finite value [" + vector[i] + "] at position [" + i + "]");
            }
        }
        if (k < 1) {
            throw new IllegalArgumentException("[k] must be >= 1, got [" + k + "]");
        }
        if (numCandidates != null && numCandidates < k) {
            throw new IllegalArgumentException(
                    "[num_candidates] must be >= [k] (" + k + "), got [" + numCandidates + "]");
        }
        this.field = field;
        this.vector = vector;
        this.k = k;
        this.numCandidates = numCandidates;
        this.filter = filter;
    }

    KnnSpec(StreamInput in) throws IOException {
        this(
                in.readString(),
                in.readBoolean() ? in.readFloatArray() : null,
                in.readVInt(),
                in.readOptionalVInt(),
                in.readOptionalNamedWriteable(QueryBuilder.class));
    }

    void writeTo(StreamOutput out) throws IOException {
        out.writeString(field);
        out.writeBoolean(vector != null);
        if (vector != null) {
            out.writeFloatArray(vector);
        }
        out.writeVInt(k);
        out.writeOptionalVInt(numCandidates);
        out.writeOptionalNamedWriteable(filter);
    }

    public String field() {
        return field;
    }

    public float[] vector() {
        return vector;
    }

    public int k() {
        return k;
    }

    /** The configured candidate list size, or null for the default. */
    public Integer numCandidates() {
        return numCandidates;
    }

    /** HNSW candidate list size per shard: the configured value, else max(k * 10, 100). */
    public int effectiveNumCandidates() {
        return numCandidates != null ? numCandidates : Math.max(k * 10, 100);
    }

    public QueryBuilder filter() {
        return filter;
    }

    void toXContentFields(XContentBuilder builder, ToXContent.Params params) throws IOException {
        builder.field(FIELD.getPreferredName(), field);
        if (vector != null) {
            builder.array(VECTOR.getPreferredName(), vector);
        }
        builder.field(K.getPreferredName(), k);
        if (numCandidates != null) {
            builder.field(NUM_CANDIDATES.getPreferredName(), numCandidates);
        }
        if (filter != null) {
            builder.field(FILTER.getPreferredName(), filter, params);
        }
    }

    /** The same search with a (newly encoded) query vector. */
    KnnSpec withVector(float[] v) {
        return new KnnSpec(field, v, k, numCandidates, filter);
    }

    KnnSpec rewrite(QueryRewriteContext context) throws IOException {
        QueryBuilder rewritten = filter == null ? null : filter.rewrite(context);
        return rewritten == filter ? this : new KnnSpec(field, vector, k, numCandidates, rewritten);
    }

    /**
     * Builds the shard-level Lucene query: HNSW search with {@link #effectiveNumCandidates()} candidates (the
     * filter applied inside the graph search), keeping this shard's top k.
     */
    Query toLuceneQuery(QueryShardContext context, String queryName) throws IOException {
        return new TopKnnQuery(onShard(context, queryName).candidates(this), k);
    }

    /** Checks this search against the shard's field and the index's limits; what its kNN passes need there. */
    ShardPasses onShard(QueryShardContext context, String queryName) throws IOException {
        if (vector == null) {
            throw new QueryShardException(
                    context,
                    "[" + queryName
                            + "] has no [vector]: its [text], [image] or [like] is turned into one on the coordinating node of a search");
        }
        RfVectorFieldMapper.RfVectorFieldType type =
                VectorSimilaritySource.vectorField(context, field, vector, queryName);
        int maxK = context.getIndexSettings().getValue(RelevanceFeedbackSettings.MAX_K);
        if (k > maxK) {
            throw new QueryShardException(
                    context,
                    "[" + queryName + "] [k] must be <= " + maxK + " (index setting ["
                            + RelevanceFeedbackSettings.MAX_K.getKey() + "]), got [" + k + "]");
        }
        int candidates = effectiveNumCandidates();
        int maxCandidates = context.getIndexSettings().getValue(RelevanceFeedbackSettings.MAX_NUM_CANDIDATES);
        if (candidates > maxCandidates) {
            throw new QueryShardException(
                    context,
                    "[" + queryName + "] [num_candidates] must be <= " + maxCandidates + " (index setting ["
                            + RelevanceFeedbackSettings.MAX_NUM_CANDIDATES.getKey() + "]), got [" + candidates + "]");
        }
        return new ShardPasses(type, filter == null ? null : filter.toQuery(context));
    }

    /** The field type (how a vector is indexed) and the filter query of a search's kNN passes on one shard. */
    record ShardPasses(RfVectorFieldMapper.RfVectorFieldType type, Query filter) {
        /** The HNSW search for {@code spec}'s vector with its candidate list, the filter applied inside the graph. */
        KnnFloatVectorQuery candidates(KnnSpec spec) {
            return new KnnFloatVectorQuery(
                    type.name(), type.asIndexed(spec.vector), spec.effectiveNumCandidates(), filter);
        }
    }

    /**
     * The same search for {@code size} hits with vector {@code v}: a configured candidate list grows to at least the
     * size, the default one follows it. The feedback passes use it, so one shard and many run the same passes.
     */
    KnnSpec sized(float[] v, int size) {
        return new KnnSpec(field, v, size, numCandidates == null ? null : Math.max(numCandidates, size), filter);
    }

    /** Collects the kNN parameters while a query parser walks its object; other keys are the caller's. */
    static final class Parser {
        String field;
        float[] vector;
        int k = DEFAULT_K;
        Integer numCandidates;
        QueryBuilder filter;

        /** Returns true when {@code name} was a kNN parameter and has been consumed. */
        boolean parse(String name, XContentParser parser, String queryName) throws IOException {
            if (FIELD.match(name, parser.getDeprecationHandler())) {
                field = RequestValues.string(parser, FIELD.getPreferredName());
            } else if (VECTOR.match(name, parser.getDeprecationHandler())) {
                try {
                    vector = RfVectorFieldMapper.readVector(parser, VECTOR.getPreferredName());
                } catch (IllegalArgumentException e) {
                    throw new ParsingException(parser.getTokenLocation(), "[" + queryName + "] " + e.getMessage());
                }
            } else if (K.match(name, parser.getDeprecationHandler())) {
                k = RequestValues.integer(parser, K.getPreferredName());
            } else if (NUM_CANDIDATES.match(name, parser.getDeprecationHandler())) {
                numCandidates = RequestValues.integer(parser, NUM_CANDIDATES.getPreferredName());
            } else if (FILTER.match(name, parser.getDeprecationHandler())) {
                filter = AbstractQueryBuilder.parseInnerQueryBuilder(parser);
            } else {
                return false;
            }
            return true;
        }

        /** A query's own extra parameter: returns true when {@code name} was one and has been consumed. */
        interface Extra {
            boolean parse(String name, XContentParser parser) throws IOException;
        }

        /** Parses a whole query object made of the kNN parameters, {@code boost} and {@code _name}. */
        static Parsed parseQuery(XContentParser parser, String queryName) throws IOException {
            return parseQuery(parser, queryName, (name, p) -> false);
        }

        /** Like {@link #parseQuery(XContentParser, String)}, plus the query's own parameters. */
        static Parsed parseQuery(XContentParser parser, String queryName, Extra extra) throws IOException {
            Parser knn = new Parser();
            float boost = AbstractQueryBuilder.DEFAULT_BOOST;
            String name = null;
            String current = null;
            for (XContentParser.Token t = parser.nextToken();
                    t != XContentParser.Token.END_OBJECT;
                    t = parser.nextToken()) {
                if (t == XContentParser.Token.FIELD_NAME) {
                    current = parser.currentName();
                } else if (knn.parse(current, parser, queryName) || extra.parse(current, parser)) {
                    continue;
                } else if (AbstractQueryBuilder.BOOST_FIELD.match(current, parser.getDeprecationHandler())) {
                    boost = (float) RequestValues.number(parser, AbstractQueryBuilder.BOOST_FIELD.getPreferredName());
                } else if (AbstractQueryBuilder.NAME_FIELD.match(current, parser.getDeprecationHandler())) {
                    name = RequestValues.string(parser, AbstractQueryBuilder.NAME_FIELD.getPreferredName());
                } else {
                    throw new ParsingException(
                            parser.getTokenLocation(), "[" + queryName + "] unknown field [" + current + "]");
                }
            }
            return new Parsed(knn.build(parser, queryName), boost, name);
        }

        KnnSpec build(XContentParser parser, String queryName) {
            try {
                return new KnnSpec(field, vector, k, numCandidates, filter);
            } catch (IllegalArgumentException e) {
                throw new ParsingException(parser.getTokenLocation(), "[" + queryName + "] " + e.getMessage());
            }
        }
    }

    /** The result of {@link Parser#parseQuery}. */
    record Parsed(KnnSpec spec, float boost, String queryName) {}

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o instanceof KnnSpec == false) return false;
        KnnSpec other = (KnnSpec) o;
        return k == other.k
                && field.equals(other.field)
                && Arrays.equals(vector, other.vector)
                && Objects.equals(numCandidates, other.numCandidates)
                && Objects.equals(filter, other.filter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(field, Arrays.hashCode(vector), k, numCandidates, filter);
    }
}
