package org.opensearch.relevancefeedback.query;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.index.shard.ShardId;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.relevancefeedback.feedback.AttentiveFeedback;
import org.opensearch.relevancefeedback.feedback.Rocchio;
import org.opensearch.search.SearchHit;
import org.opensearch.search.SearchShardTarget;
import org.opensearch.search.aggregations.AggregationBuilders;
import org.opensearch.search.builder.SearchSourceBuilder;

/**
 * Builder tests; outside a search request (no coordinator context) the query runs as per-shard top k, which
 * is what {@link KnnQueryTestCase#doAssertLuceneQuery} checks. The coordinator path (first pass, feedback
 * rounds) is tested on real clusters.
 */
public class RelevanceFeedbackQueryBuilderTests extends KnnQueryTestCase<RelevanceFeedbackQueryBuilder> {

    @Override
    protected RelevanceFeedbackQueryBuilder wrap(KnnSpec spec) {
        return new RelevanceFeedbackQueryBuilder(spec, randomBoolean() ? null : randomFeedback(spec.k()));
    }

    /** A valid random feedback object; top_k <= k so that rescore mode is allowed. */
    static FeedbackSpec randomFeedback(int k) {
        FeedbackSpec.Strategy strategy = randomFrom(FeedbackSpec.Strategy.values());
        int topK = randomIntBetween(1, k);
        boolean explicit = strategy == FeedbackSpec.Strategy.EXPLICIT;
        boolean attentive = strategy.attentive();
        FeedbackSpec.Afs afs = attentive
                ? new FeedbackSpec.Afs(
                        "image_tokens",
                        strategy == FeedbackSpec.Strategy.AFS || randomBoolean() ? "caption_tokens" : null,
                        randomBoolean(),
                        randomBoolean()
                                ? List.of(new FeedbackSpec.Region(
                                        randomAlphaOfLength(3),
                                        new AttentiveFeedback.Box(0.1, 0.2, 0.5, 0.25, randomBoolean())))
                                : List.of(),
                        1 + randomDouble() * 3)
                : FeedbackSpec.Afs.NONE;
        List<String> relevant = explicit ? List.of(randomAlphaOfLength(4)) : List.of();
        List<String> nonRelevant =
                explicit && randomBoolean() ? List.of(randomAlphaOfLength(5), randomAlphaOfLength(6)) : List.of();
        List<String> texts = explicit && randomBoolean() ? List.of(randomAlphaOfLength(7)) : List.of();
        return new FeedbackSpec(
                strategy,
                topK,
                randomIntBetween(1, 5),
                attentive ? Rocchio.Variant.EXTENDED : randomFrom(Rocchio.Variant.values()),
                new Rocchio.Params(randomDouble(), randomDouble(), randomDouble(), 0.01 + randomDouble()),
                topK + randomIntBetween(0, 200),
                strategy == FeedbackSpec.Strategy.GRF || strategy == FeedbackSpec.Strategy.AFS || randomBoolean()
                        ? "captions"
                        : null,
                relevant,
                nonRelevant,
                texts,
                randomFrom(FeedbackSpec.Mode.values()),
                afs);
    }

    @Override
    protected KnnSpec specOf(RelevanceFeedbackQueryBuilder builder) {
        return builder.knn();
    }

    @Override
    protected String queryName() {
        return RelevanceFeedbackQueryBuilder.NAME;
    }

    public void testFeedbackDefaults() throws IOException {
        RelevanceFeedbackQueryBuilder q = (RelevanceFeedbackQueryBuilder)
                parseQuery(
                        "{\"relevance_feedback\":{\"field\":\"vec\",\"vector\":[1,2,3,4,5,6,7,8],\"feedback\":{\"strategy\":\"prf\"}}}");
        FeedbackSpec f = q.feedback();
        assertEquals(FeedbackSpec.Strategy.PRF, f.strategy());
        assertEquals(5, f.topK());
        assertEquals(1, f.rounds());
        assertEquals(Rocchio.Variant.EXTENDED, f.rocchio());
        assertEquals(Rocchio.Params.DEFAULTS, f.params());
        assertEquals(100, f.window());
        assertEquals(FeedbackSpec.Mode.RETRIEVE, f.mode());
    }

    public void testQueryByText() throws IOException {
        RelevanceFeedbackQueryBuilder q = (RelevanceFeedbackQueryBuilder)
                parseQuery(
                        "{\"relevance_feedback\":{\"field\":\"vec\",\"text\":\"red heart\",\"k\":5,\"feedback\":{\"strategy\":\"prf\"}}}");
        assertNull(q.knn().vector());
        assertEquals(q, parseQuery(q.toString()));
    }

    /** image, like (ids or {_index, _id}), composed pairs: parsed, printed and serialized back to equal builders. */
    public void testQueryInputs() throws IOException {
        String[] inputs = {
            "\"image\":\"iVBORw0KGgo=\"",
            "\"like\":[\"a\",{\"_index\":\"other\",\"_id\":\"b\"},{\"_id\":\"c\"}],\"include_like\":true",
            "\"like\":\"a\",\"text\":\"dark skin tone\",\"reference_weight\":0.3",
            "\"image\":\"iVBORw0KGgo=\",\"text\":\"red\"",
            "\"text\":\"red heart\",\"model\":\"clip-b32\""
        };
        for (String input : inputs) {
            RelevanceFeedbackQueryBuilder q = (RelevanceFeedbackQueryBuilder) parseQuery(
                    "{\"relevance_feedback\":{\"field\":\"vec\"," + input + ",\"feedback\":{\"strategy\":\"prf\"}}}");
            assertNull(q.knn().vector());
            assertEquals(q, parseQuery(q.toString()));
            assertEquals(q, assertSerialization(q));
        }
        QueryInput like = ((RelevanceFeedbackQueryBuilder)
                        parseQuery("{\"relevance_feedback\":{\"field\":\"vec\"," + inputs[1] + "}}"))
                .input();
        assertEquals(
                List.of(
                        new QueryInput.Example(null, "a"),
                        new QueryInput.Example("other", "b"),
                        new QueryInput.Example(null, "c")),
                like.like());
        assertEquals(
                "clip-b32",
                ((RelevanceFeedbackQueryBuilder)
                                parseQuery("{\"relevance_feedback\":{\"field\":\"vec\"," + inputs[4] + "}}"))
                        .input()
                        .model());
        assertEquals(
                QueryInput.DEFAULT_REFERENCE_WEIGHT,
                ((RelevanceFeedbackQueryBuilder)
                                parseQuery("{\"relevance_feedback\":{\"field\":\"vec\"," + inputs[3] + "}}"))
                        .input()
                        .weight(),
                0);
    }

    /** Exactly one query input, or one composed pair; anything else is a 400 naming the fields. */
    public void testQueryInputErrors() {
        String vector = "\"vector\":[1,2,3,4,5,6,7,8]";
        String image = "\"image\":\"iVBORw0KGgo=\"";
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"text\":\"a\"," + vector + "}}",
                "[vector] cannot be combined with [text], [image] or [like]");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\"," + image + "," + vector + "}}",
                "[vector] cannot be combined with [text], [image] or [like]");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\"," + image + ",\"like\":[\"a\"]}}",
                "[image] and [like] cannot be combined");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\"}}",
                "[vector] is required unless [text], [image] or [like] is given");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"like\":[]}}",
                "[like] must list at least one document id");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"like\":[null]}}",
                "[like[0]] must be a string, got [VALUE_NULL]");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"like\":[{\"_index\":\"i\"}]}}",
                "[like[0]._id] is required");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"like\":[{\"id\":\"x\"}]}}",
                "[like[0]] unknown field [id]");
        assertParseError("{\"relevance_feedback\":{\"field\":\"vec\",\"image\":\"\"}}", "[image] must not be empty");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\"," + image + ",\"reference_weight\":0.5}}",
                "[reference_weight] applies to a composed query only");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\"," + image + ",\"text\":\"a\",\"reference_weight\":1.5}}",
                "[reference_weight] must be in [0, 1], got [1.5]");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"text\":\"a\",\"include_like\":true}}",
                "[include_like] applies only with [like]");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"like\":[\"a\"],\"include_like\":3}}",
                "[include_like] must be true or false");
    }

    /** The composed query: unit(w * reference + (1 - w) * text). */
    public void testComposition() {
        float[] q = Rocchio.mix(new float[] {1, 0}, new float[] {0, 1}, 0.75);
        assertEquals(3 / Math.sqrt(10), q[0], 1e-7);
        assertEquals(1 / Math.sqrt(10), q[1], 1e-7);
        assertArrayEquals(new float[] {0, 1}, Rocchio.mix(new float[] {1, 0}, new float[] {0, 1}, 0), 0);
    }

    public void testAttentiveFeedback() throws IOException {
        RelevanceFeedbackQueryBuilder q = (RelevanceFeedbackQueryBuilder)
                parseQuery(
                        "{\"relevance_feedback\":{\"field\":\"vec\",\"text\":\"red heart\",\"feedback\":{\"strategy\":\"afs\",\"caption_field\":\"c\","
                                + "\"image_tokens_field\":\"it\",\"caption_tokens_field\":\"ct\",\"saliency\":true,"
                                + "\"regions\":[{\"id\":\"d1\",\"box\":[0,0,0.5,0.5]},{\"id\":\"d2\",\"box\":[0.5,0.5,0.5,0.5],\"relevant\":false}]}}}");
        FeedbackSpec.Afs afs = q.feedback().afs();
        assertEquals("it", afs.imageTokensField());
        assertEquals("ct", afs.captionTokensField());
        assertTrue(afs.saliency());
        assertEquals(FeedbackSpec.Afs.DEFAULT_REGION_FACTOR, afs.regionFactor(), 0);
        assertEquals(List.of(new AttentiveFeedback.Box(0.5, 0.5, 0.5, 0.5, false)), afs.boxes("d2"));
        assertEquals(q, parseQuery(q.toString()));
    }

    public void testExplicitFeedbackByWords() throws IOException {
        RelevanceFeedbackQueryBuilder q = (RelevanceFeedbackQueryBuilder)
                parseQuery(
                        "{\"relevance_feedback\":{\"field\":\"vec\",\"vector\":[1,2,3,4,5,6,7,8],\"feedback\":{\"strategy\":\"explicit\",\"text\":[\"red\",\"heart\"]}}}");
        assertEquals(List.of("red", "heart"), q.feedback().texts());
        assertEquals(q, parseQuery(q.toString()));
    }

    public void testFeedbackParseErrors() {
        assertFeedbackError("{\"top_k\":3}", "[feedback.strategy] is required");
        assertFeedbackError(
                "{\"strategy\":\"magic\"}",
                "[feedback.strategy] must be one of [none, prf, grf, explicit, afs, afs_prf], got [magic]");
        assertFeedbackError("{\"strategy\":\"afs\"}", "[feedback.image_tokens_field] is required for strategy [afs]");
        assertFeedbackError(
                "{\"strategy\":\"afs\",\"image_tokens_field\":\"t\"}",
                "strategy [afs] needs [feedback.caption_field] and [feedback.caption_tokens_field]");
        assertFeedbackError(
                "{\"strategy\":\"afs_prf\",\"image_tokens_field\":\"t\",\"rocchio\":\"original\"}",
                "[feedback.rocchio] [original] does not apply to strategy [afs_prf]");
        assertFeedbackError("{\"strategy\":\"prf\",\"saliency\":true}", "need strategy [afs] or [afs_prf]");
        String afsPrf = "{\"strategy\":\"afs_prf\",\"image_tokens_field\":\"t\",";
        assertFeedbackError(
                afsPrf + "\"region_factor\":0.5}", "[feedback.region_factor] must be a finite number >= 1, got [0.5]");
        assertFeedbackError(
                afsPrf + "\"regions\":[{\"id\":\"a\",\"box\":[0.5,0,0.6,0.2]}]}",
                "[feedback.regions][0].box: a box needs");
        assertFeedbackError(
                afsPrf + "\"regions\":[{\"id\":\"a\",\"box\":[-0.1,0,0.5,0.5]}]}", "[feedback.regions][0].box");
        assertFeedbackError(
                afsPrf + "\"regions\":[{\"id\":\"a\",\"box\":[0,0,0.5,0.5]},{\"id\":\"b\"}]}",
                "[feedback.regions][1] needs [id] and [box]");
        assertFeedbackError(
                afsPrf + "\"regions\":[{\"id\":\"a\",\"box\":[0,0,1,1],\"weight\":2}]}",
                "[feedback.regions][0] unknown field [weight]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"alpha\":\"NaN\"}",
                "[feedback.alpha] must be a number in [0, 1000000.0], got [NaN]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"gamma\":\"Infinity\"}", "[feedback.gamma] must be a number in [0, 1000000.0]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"beta\":1e308}",
                "[feedback.beta] must be a number in [0, 1000000.0], got [1.0E308]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"temperature\":0}",
                "[feedback.temperature] must be a number in [1.0E-9, 1.0E9], got [0.0]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"temperature\":5e-324}",
                "[feedback.temperature] must be a number in [1.0E-9, 1.0E9], got [4.9E-324]");
        assertFeedbackError("{\"strategy\":\"prf\",\"top_k\":0}", "[feedback.top_k] must be >= 1, got [0]");
        assertFeedbackError("{\"strategy\":\"prf\",\"rounds\":0}", "[feedback.rounds] must be >= 1, got [0]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"top_k\":10,\"window\":5}",
                "[feedback.window] must be >= [feedback.top_k] (10)");
        assertFeedbackError("{\"strategy\":\"grf\"}", "[feedback.caption_field] is required for strategy [grf]");
        assertFeedbackError("{\"strategy\":\"explicit\"}", "needs [feedback.relevant] and/or [feedback.non_relevant]");
        assertFeedbackError("{\"strategy\":\"prf\",\"relevant\":[\"a\"]}", "need strategy [explicit]");
        assertFeedbackError(
                "{\"strategy\":\"explicit\",\"relevant\":\"a\"}",
                "[feedback.relevant] must be an array of document ids");
        assertFeedbackError("{\"strategy\":\"prf\",\"text\":\"red\"}", "need strategy [explicit]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"rocchio\":\"new\"}", "[feedback.rocchio] must be one of [extended, original]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"mode\":\"x\"}", "[feedback.mode] must be one of [retrieve, rescore]");
        assertFeedbackError("{\"strategy\":\"prf\",\"colour\":1}", "[feedback] unknown field [colour]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"mode\":\"rescore\",\"top_k\":20}",
                "[feedback.top_k] (20) must be <= [k] (10)");
        // values of the wrong JSON type: a 400 naming the parameter, not a 500 from the parser
        assertFeedbackError(
                "{\"strategy\":\"explicit\",\"relevant\":[null]}",
                "[feedback.relevant[0]] must be a string, got [VALUE_NULL]");
        assertFeedbackError(
                "{\"strategy\":\"explicit\",\"relevant\":[\"a\",{}]}",
                "[feedback.relevant[1]] must be a string, got [START_OBJECT]");
        assertFeedbackError("{\"strategy\":\"explicit\",\"text\":\"\"}", "[feedback.text] must not be empty");
        assertFeedbackError(
                "{\"strategy\":\"explicit\",\"text\":[\"red\",\" \"]}", "[feedback.text[1]] must not be empty");
        assertFeedbackError(
                "{\"strategy\":\"explicit\",\"text\":null}", "[feedback.text] must be a string, got [VALUE_NULL]");
        assertFeedbackError("{\"strategy\":null}", "[feedback.strategy] must be a string, got [VALUE_NULL]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"top_k\":[5]}", "[feedback.top_k] must be an integer, got [START_ARRAY]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"top_k\":\"five\"}", "[feedback.top_k] must be an integer, got [five]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"rounds\":1e10}", "[feedback.rounds] must be an integer, got [1e10]");
        assertFeedbackError(
                "{\"strategy\":\"prf\",\"alpha\":{}}", "[feedback.alpha] must be a number, got [START_OBJECT]");
        assertFeedbackError(
                "{\"strategy\":\"grf\",\"caption_field\":[\"c\"]}",
                "[feedback.caption_field] must be a string, got [START_ARRAY]");
        assertFeedbackError(
                afsPrf + "\"saliency\":\"maybe\"}", "[feedback.saliency] must be true or false, got [maybe]");
        assertFeedbackError(
                afsPrf + "\"regions\":[{\"id\":\"a\",\"box\":[0,0,null,1]}]}",
                "[feedback.regions[0].box] must be a number, got [VALUE_NULL]");
        assertFeedbackError(
                afsPrf + "\"regions\":[{\"id\":\"a\",\"box\":0.5}]}",
                "[feedback.regions][0].box must be an array [x, y, width, height]");
        assertFeedbackError(
                afsPrf + "\"regions\":[{\"id\":null,\"box\":[0,0,1,1]}]}",
                "[feedback.regions[0].id] must be a string, got [VALUE_NULL]");
    }

    public void testQueryParseErrors() {
        String vector = "\"vector\":[1,2,3,4,5,6,7,8]";
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"text\":null}}",
                "[text] must be a string, got [VALUE_NULL]");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"text\":[\"a\"]}}",
                "[text] must be a string, got [START_ARRAY]");
        assertParseError("{\"relevance_feedback\":{\"field\":\"vec\",\"text\":\"\"}}", "[text] must not be empty");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":null," + vector + "}}",
                "[field] must be a string, got [VALUE_NULL]");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"k\":null," + vector + "}}",
                "[k] must be an integer, got [VALUE_NULL]");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"num_candidates\":true," + vector + "}}",
                "[num_candidates] must be an integer, got [VALUE_BOOLEAN]");
        assertParseError(
                "{\"relevance_feedback\":{\"field\":\"vec\",\"boost\":[]," + vector + "}}",
                "[boost] must be a number, got [START_ARRAY]");
    }

    private void assertFeedbackError(String feedback, String expected) {
        String json = "{\"relevance_feedback\":{\"field\":\"vec\",\"vector\":[1,2,3,4,5,6,7,8],\"feedback\":" + feedback
                + "}}";
        ParsingException e = expectThrows(ParsingException.class, () -> parseQuery(json));
        assertThat(e.getMessage(), containsString(expected));
    }

    /** The search itself is the final kNN pass only where the shards' extra hits cannot show. */
    public void testOuterSearchIsTheFinalPassOnlyForTheTopHits() {
        QueryBuilder rf = new RelevanceFeedbackQueryBuilder(new KnnSpec("vec", new float[] {1, 0}, 10, null, null));
        assertTrue(RelevanceFeedbackQueryBuilder.outerSearchIsGlobalTopK(
                request(new SearchSourceBuilder().query(rf)), 10));
        assertTrue(RelevanceFeedbackQueryBuilder.outerSearchIsGlobalTopK(
                request(new SearchSourceBuilder().query(rf).from(4).size(6)), 10));
        assertFalse(RelevanceFeedbackQueryBuilder.outerSearchIsGlobalTopK(
                request(new SearchSourceBuilder().query(rf).from(4).size(7)), 10));
        assertFalse(
                "default size 10",
                RelevanceFeedbackQueryBuilder.outerSearchIsGlobalTopK(request(new SearchSourceBuilder().query(rf)), 5));
        assertFalse(RelevanceFeedbackQueryBuilder.outerSearchIsGlobalTopK(
                request(new SearchSourceBuilder()
                        .query(QueryBuilders.boolQuery().must(rf))),
                10));
        assertFalse(RelevanceFeedbackQueryBuilder.outerSearchIsGlobalTopK(
                request(new SearchSourceBuilder().query(rf).postFilter(QueryBuilders.matchAllQuery())), 10));
        assertFalse(RelevanceFeedbackQueryBuilder.outerSearchIsGlobalTopK(
                request(new SearchSourceBuilder()
                        .query(rf)
                        .aggregation(AggregationBuilders.count("n").field("f"))),
                10));
        assertFalse(RelevanceFeedbackQueryBuilder.outerSearchIsGlobalTopK(
                request(new SearchSourceBuilder().query(rf).sort("f")), 10));
        assertFalse(RelevanceFeedbackQueryBuilder.outerSearchIsGlobalTopK(new SearchRequest(), 10));
        assertFalse(
                "a scroll pages past the top k",
                RelevanceFeedbackQueryBuilder.outerSearchIsGlobalTopK(
                        request(new SearchSourceBuilder().query(rf)).scroll(TimeValue.timeValueMinutes(1)), 10));
    }

    private static SearchRequest request(SearchSourceBuilder source) {
        return new SearchRequest().source(source);
    }

    /** Exactly tied hits are ranked by index then id (numbers as numbers), not in the shard order they arrive in. */
    public void testTiedHitsRankByIndexThenId() {
        SearchHit[] hits = {
            hit("b", "10", 0.5f), hit("a", "9", 0.5f), hit("a", "x", 0.5f), hit("a", "10", 0.5f), hit("b", "1", 0.9f)
        };
        Arrays.sort(hits, FeedbackSearch.RANKING);
        assertEquals(
                List.of("b/1", "a/9", "a/10", "a/x", "b/10"),
                Arrays.stream(hits).map(h -> h.getIndex() + "/" + h.getId()).toList());
    }

    private static SearchHit hit(String index, String id, float score) {
        SearchHit hit = new SearchHit(0, id, Map.of(), Map.of());
        hit.score(score);
        hit.shard(new SearchShardTarget("node", new ShardId(index, "_na_", 0), null, null));
        return hit;
    }

    public void testNodeLimits() {
        FeedbackSpec tooManyRounds = new FeedbackSpec(
                FeedbackSpec.Strategy.PRF,
                5,
                11,
                Rocchio.Variant.EXTENDED,
                Rocchio.Params.DEFAULTS,
                100,
                null,
                List.of(),
                List.of(),
                FeedbackSpec.Mode.RETRIEVE);
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> tooManyRounds.checkLimits(RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS))
                        .getMessage(),
                containsString(
                        "[feedback.rounds] must be <= 10 (setting [plugins.relevance_feedback.max_rounds]), got [11]"));
        FeedbackSpec wideWindow = new FeedbackSpec(
                FeedbackSpec.Strategy.PRF,
                5,
                1,
                Rocchio.Variant.ORIGINAL,
                Rocchio.Params.DEFAULTS,
                5000,
                null,
                List.of(),
                List.of(),
                FeedbackSpec.Mode.RETRIEVE);
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> wideWindow.checkLimits(RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS))
                        .getMessage(),
                containsString("[feedback.window] must be <= 1000"));
    }
}
