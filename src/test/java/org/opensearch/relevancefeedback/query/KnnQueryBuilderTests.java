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
        return switch (randomIntBetween(0, 2)) {
            case 0 -> new KnnQueryBuilder(spec);
            case 1 -> new KnnQueryBuilder(spec, feedback(spec.k()), null, null);
            default -> new KnnQueryBuilder(spec, attentive(spec.k()), summarizer(), null);
        };
    }

    /** The summarizer's model (or the default) and word tokens of one width (or none: a query by vector alone). */
    private static KnnQueryBuilder.Summarizer summarizer() {
        float[][] tokens = new float[randomIntBetween(0, 4)][];
        int width = randomIntBetween(1, 6);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = randomVector(width);
        }
        return new KnnQueryBuilder.Summarizer(randomBoolean() ? null : randomAlphaOfLength(5), tokens);
    }

    /** AFS or AFS-PRF over token fields this index does not map (as a shard without them sees its hits). */
    private static FeedbackSpec attentive(int k) {
        boolean captions = randomBoolean();
        int topK = randomIntBetween(1, Math.min(k, 20));
        return new FeedbackSpec(
                captions ? FeedbackSpec.Strategy.AFS : FeedbackSpec.Strategy.AFS_PRF,
                topK,
                randomIntBetween(1, 3),
                Rocchio.Variant.EXTENDED,
                Rocchio.Params.DEFAULTS,
                topK,
                captions ? VECTOR_FIELD : null,
                List.of(),
                List.of(),
                List.of(),
                randomFrom(FeedbackSpec.Mode.values()),
                new FeedbackSpec.Afs(
                        "image_tokens", captions ? "caption_tokens" : null, randomBoolean(), List.of(), 2.0));
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
        assertParseError(
                vector + "{\"strategy\":\"explicit\",\"relevant\":[\"1\"]}}}",
                "[rf_knn] [feedback.strategy] must be one of [prf, grf, afs, afs_prf], got [explicit]");
        assertParseError(
                vector + "{\"strategy\":\"prf\"},\"query_tokens\":[[1,2]]}}",
                "[rf_knn] [model] and [query_tokens] need [feedback.strategy] [afs] or [afs_prf]");
        String afs = vector + "{\"strategy\":\"afs_prf\",\"image_tokens_field\":\"t\"},\"query_tokens\":";
        assertParseError(afs + "[[1,2],[3]]}}", "[query_tokens] must be tokens of one width, got 2 and 1");
        assertParseError(afs + "[1,2]}}", "[query_tokens[0]] must be an array of numbers");
        assertParseError(afs + "7}}", "[rf_knn] [query_tokens] must be an array of arrays of numbers");
        String tooMany = "[1]" + ",[1]".repeat(77);
        assertParseError(
                afs + "[" + tooMany + "]}}",
                "[query_tokens] must hold at most 77 tokens (the text tower's context), got [78]");
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
                                () -> new KnnQueryBuilder(spec, manyRounds, null, null).toQuery(createShardContext()))
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
                                () -> new KnnQueryBuilder(spec, wideWindow, null, null).toQuery(createShardContext()))
                        .getMessage(),
                containsString("[k] must be <= 100 (index setting [index.relevance_feedback.max_k]), got [101]"));
    }
}
