package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import org.apache.lucene.search.Query;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;

/**
 * {@code rf_knn}: approximate kNN on one shard at a time; each shard contributes its own top k (like the
 * k-NN plugin's {@code knn} query). {@code relevance_feedback} uses it for its first pass and keeps the
 * global top k of the merged result.
 */
public final class KnnQueryBuilder extends AbstractQueryBuilder<KnnQueryBuilder> {

    public static final String NAME = "rf_knn";

    private final KnnSpec spec;

    public KnnQueryBuilder(KnnSpec spec) {
        this.spec = spec;
    }

    public KnnQueryBuilder(StreamInput in) throws IOException {
        super(in);
        this.spec = new KnnSpec(in);
    }

    public KnnSpec spec() {
        return spec;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        spec.writeTo(out);
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        spec.toXContentFields(builder, params);
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static KnnQueryBuilder fromXContent(XContentParser parser) throws IOException {
        KnnSpec.Parsed parsed = KnnSpec.Parser.parseQuery(parser, NAME);
        if (parsed.spec().vector() == null) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [vector] is required");
        }
        return new KnnQueryBuilder(parsed.spec()).boost(parsed.boost()).queryName(parsed.queryName());
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        KnnSpec rewritten = spec.rewrite(context);
        return rewritten == spec
                ? this
                : new KnnQueryBuilder(rewritten).boost(boost).queryName(queryName);
    }

    @Override
    protected Query doToQuery(QueryShardContext context) throws IOException {
        return spec.toLuceneQuery(context, NAME);
    }

    @Override
    protected boolean doEquals(KnnQueryBuilder other) {
        return spec.equals(other.spec);
    }

    @Override
    protected int doHashCode() {
        return spec.hashCode();
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
