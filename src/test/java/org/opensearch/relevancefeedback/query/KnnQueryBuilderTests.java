package org.opensearch.relevancefeedback.query;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;

import java.io.IOException;
import java.util.List;
import org.apache.lucene.search.Query;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.relevancefeedback.feedback.Rocchio;

public class KnnQueryBuilderTests extends KnnQueryTestCase<KnnQueryBuilder> {

    @Override
    protected KnnQueryBuilder wrap(KnnSpec spec) {
        return new KnnQueryBuilder(spec, randomBoolean() ? null : feedback(spec.k()), null);
    }

    /** PRF or GRF (over the same field) that each shard runs over its own hits. */
    private static FeedbackSpec feedback(int k) {
        boolean grf = randomBoolean();
        int topK = randomIntBetween(1, Math.min(k, 20));
        return new FeedbackSpec(
                grf ? FeedbackSpec.Strategy.GRF : FeedbackSpec.Strategy.PRF,
                topK,
                randomIntBetween(1, 3),
                randomFrom(Rocchio.Variant.values()),
                Rocchio.Params.DEFAULTS,
                randomIntBetween(topK, 100),
                grf ? VECTOR_FIELD : null,
                List.of(),
                List.of(),
                randomFrom(FeedbackSpec.Mode.values()));
    }

    @Override
    protected void doAssertLuceneQuery(KnnQueryBuilder builder, Query query, QueryShardContext context)
            throws IOException {
        if (builder.feedback() == null) {
            super.doAssertLuceneQuery(builder, query, context);
        } else {
            assertThat(query, instanceOf(ShardFeedbackQuery.class));
        }
    }

    @Override
    protected KnnSpec specOf(KnnQueryBuilder builder) {
        return builder.spec();
    }

    @Override
    protected String queryName() {
        return KnnQueryBuilder.NAME;
    }

    public void testFeedbackParseErrors() {
        String vector =
                "{\"" + KnnQueryBuilder.NAME + "\":{\"field\":\"vec\",\"vector\":[1,2,3,4,5,6,7,8],\"feedback\":";
        assertParseError(vector + "{\"strategy\":\"explicit\",\"relevant\":[\"1\"]}}}", "must be [prf] or [grf]");
        assertParseError(
                vector + "{\"strategy\":\"prf\",\"mode\":\"rescore\",\"top_k\":11}}}",
                "[rf_knn] rescore mode takes its feedback from the k first-pass hits: [feedback.top_k] (11) must be <= [k] (10)");
    }

    public void testFeedbackWithinTheNodeAndIndexLimits() {
        KnnSpec spec = new KnnSpec(VECTOR_FIELD, randomVector(DIMS), 10, null, null);
        FeedbackSpec manyRounds = new FeedbackSpec(
                FeedbackSpec.Strategy.PRF,
                5,
                11,
                Rocchio.Variant.EXTENDED,
                Rocchio.Params.DEFAULTS,
                5,
                null,
                List.of(),
                List.of(),
                FeedbackSpec.Mode.RETRIEVE);
        assertThat(
                expectThrows(
                                QueryShardException.class,
                                () -> new KnnQueryBuilder(spec, manyRounds, null).toQuery(createShardContext()))
                        .getMessage(),
                containsString("[feedback.rounds] must be <= 10"));
        FeedbackSpec wideWindow = new FeedbackSpec(
                FeedbackSpec.Strategy.PRF,
                5,
                1,
                Rocchio.Variant.ORIGINAL,
                Rocchio.Params.DEFAULTS,
                101,
                null,
                List.of(),
                List.of(),
                FeedbackSpec.Mode.RETRIEVE);
        assertThat(
                "the rounds' passes read the window: within the index's max_k",
                expectThrows(
                                QueryShardException.class,
                                () -> new KnnQueryBuilder(spec, wideWindow, null).toQuery(createShardContext()))
                        .getMessage(),
                containsString("[k] must be <= 100 (index setting [index.relevance_feedback.max_k]), got [101]"));
    }
}
