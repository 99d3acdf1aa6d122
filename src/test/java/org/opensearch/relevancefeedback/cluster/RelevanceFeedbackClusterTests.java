package org.opensearch.relevancefeedback.cluster;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.lessThan;
import static org.opensearch.test.hamcrest.OpenSearchAssertions.assertAcked;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.opensearch.ExceptionsHelper;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.search.SearchPhaseExecutionException;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.plugins.Plugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackPlugin;
import org.opensearch.relevancefeedback.TestVectors;
import org.opensearch.relevancefeedback.feedback.PseudoFeedback;
import org.opensearch.relevancefeedback.feedback.Rocchio;
import org.opensearch.relevancefeedback.query.FeedbackSpec;
import org.opensearch.relevancefeedback.query.KnnSpec;
import org.opensearch.relevancefeedback.query.RelevanceFeedbackQueryBuilder;
import org.opensearch.relevancefeedback.rescore.RelevanceFeedbackRescorerBuilder;
import org.opensearch.search.SearchHit;
import org.opensearch.search.profile.ProfileResult;
import org.opensearch.test.OpenSearchIntegTestCase;

/** The coordinator-side rewrite on a real (in-JVM) multi-node cluster: global top k, shard invariant. */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.SUITE, numDataNodes = 2)
public class RelevanceFeedbackClusterTests extends OpenSearchIntegTestCase {

    private static final int N = 400;
    private static final int DIMS = 16;

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(RelevanceFeedbackPlugin.class);
    }

    private float[][] indexVectors(String index, int shards) {
        return indexVectors(index, shards, false, true);
    }

    /**
     * @param vectorsOutOfSource leave both vector fields out of _source: feedback reads them from the index
     * @param derivedSource {@code index.relevance_feedback.derived_source}
     */
    private float[][] indexVectors(String index, int shards, boolean vectorsOutOfSource, boolean derivedSource) {
        String mapping =
                "{\"_source\":{\"excludes\":" + (vectorsOutOfSource ? "[\"vec\",\"cap\"]" : "[]") + "},\"properties\":{"
                        + "\"vec\":{\"type\":\"rf_vector\",\"dimension\":" + DIMS
                        + "},\"cap\":{\"type\":\"rf_vector\",\"dimension\":" + DIMS + "},"
                        + "\"color\":{\"type\":\"keyword\"},\"text\":{\"type\":\"text\"}}}";
        assertAcked(prepareCreate(index)
                .setSettings(Settings.builder()
                        .put("index.number_of_shards", shards)
                        .put("index.number_of_replicas", 0)
                        .put("index.relevance_feedback.derived_source", derivedSource))
                .setMapping(mapping));
        float[][] vectors = vectors(1234);
        float[][] captions = vectors(5678);
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        for (int i = 0; i < N; i++) {
            String color = i % 3 == 0 ? "red" : "blue";
            bulk.add(client().prepareIndex(index)
                    .setId(Integer.toString(i))
                    .setSource(
                            "vec",
                            vectors[i],
                            "cap",
                            captions[i],
                            "color",
                            color,
                            "text",
                            color + " item " + (i % 7 == 0 ? "star" : "plain")));
        }
        assertFalse(bulk.get().hasFailures());
        ensureGreen(index);
        return vectors;
    }

    private static float[][] vectors(long seed) {
        Random random = new Random(seed);
        float[][] out = new float[N][];
        for (int i = 0; i < N; i++) {
            out[i] = TestVectors.gaussian(random, DIMS);
        }
        return out;
    }

    private static String[] ids(SearchResponse response) {
        return Arrays.stream(response.getHits().getHits()).map(SearchHit::getId).toArray(String[]::new);
    }

    private SearchResponse search(String index, KnnSpec spec, int size) {
        return client().prepareSearch(index)
                .setQuery(new RelevanceFeedbackQueryBuilder(spec))
                .setSize(size)
                .get();
    }

    public void testGlobalTopKIsShardInvariantAndExact() {
        float[][] vectors = indexVectors("one", 1);
        indexVectors("three", 3);
        indexVectors("five", 5);
        Random random = new Random(99);
        for (int round = 0; round < 10; round++) {
            float[] q = vectors[random.nextInt(N)].clone();
            q[0] += 0.5f;
            int k = 1 + random.nextInt(15);
            // num_candidates = N makes each shard's HNSW search exhaustive: results are exact.
            KnnSpec spec = new KnnSpec("vec", q, k, N, null);
            SearchResponse one = search("one", spec, 100);
            assertEquals("global top k, not k per shard", k, one.getHits().getHits().length);
            assertEquals(k, one.getHits().getTotalHits().value());
            assertArrayEquals(exactTopK(vectors, q, k, i -> true), ids(one));
            assertArrayEquals(ids(one), ids(search("three", spec, 100)));
            assertArrayEquals(ids(one), ids(search("five", spec, 100)));
            // size <= k: the search itself is the kNN pass; the shards' top k merged hold the same global top hits
            for (String index : List.of("one", "three", "five")) {
                SearchResponse single = search(index, spec, k);
                assertArrayEquals("one pass on " + index, ids(one), ids(single));
                assertArrayEquals("one pass on " + index, scores(one), scores(single), 1e-6f);
                // one pass: each shard matched its own top k (the two-phase path matches exactly k in all)
                int shards = index.equals("one") ? 1 : index.equals("three") ? 3 : 5;
                assertEquals(
                        "hits.total counts each shard's top k",
                        (long) shards * k,
                        single.getHits().getTotalHits().value());
                int from = random.nextInt(k);
                SearchResponse page = client().prepareSearch(index)
                        .setQuery(new RelevanceFeedbackQueryBuilder(spec))
                        .setFrom(from)
                        .setSize(k - from)
                        .get();
                assertArrayEquals(Arrays.copyOfRange(ids(one), from, k), ids(page));
            }
        }
    }

    /**
     * Derived source (the default): the vectors are stored once, in the index, and every read of the source gets them back
     * as the float32 values indexed: GET, search, a partial update (which reindexes the source it reads), a force merge,
     * a replica built by peer recovery. The same documents with derived source off take more store.
     */
    public void testDerivedSourceGivesTheVectorsBack() {
        internalCluster().ensureAtLeastNumDataNodes(2);
        float[][] vectors = indexVectors("derived", 2);
        indexVectors("plain", 2, false, false);
        assertAcked(client().admin()
                .indices()
                .prepareUpdateSettings("derived")
                .setSettings(Settings.builder().put("index.number_of_replicas", 1)));
        ensureGreen("derived");
        client().prepareUpdate("derived", "3")
                .setDoc("color", "green")
                .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
                .get();
        for (String index : List.of("derived", "plain")) {
            client().admin()
                    .indices()
                    .prepareForceMerge(index)
                    .setMaxNumSegments(1)
                    .setFlush(true)
                    .get();
        }
        client().admin().indices().prepareRefresh("derived").get();
        for (String preference : List.of("_primary", "_replica")) {
            SearchResponse response = client().prepareSearch("derived")
                    .setPreference(preference)
                    .setSize(N)
                    .get();
            assertEquals(N, response.getHits().getHits().length);
            for (SearchHit hit : response.getHits().getHits()) {
                assertVector(
                        vectors[Integer.parseInt(hit.getId())],
                        hit.getSourceAsMap().get("vec"));
            }
        }
        Map<String, Object> updated =
                client().prepareGet("derived", "3").setRealtime(false).get().getSourceAsMap();
        assertEquals("green", updated.get("color"));
        assertVector(vectors[3], updated.get("vec"));
        long derived = client().admin()
                .indices()
                .prepareStats("derived")
                .setStore(true)
                .get()
                .getPrimaries()
                .getStore()
                .sizeInBytes();
        long plain = client().admin()
                .indices()
                .prepareStats("plain")
                .setStore(true)
                .get()
                .getPrimaries()
                .getStore()
                .sizeInBytes();
        assertThat("derived " + derived + " bytes vs stored " + plain, derived, lessThan(plain));
    }

    private static void assertVector(float[] expected, Object actual) {
        List<?> values = (List<?>) actual;
        assertEquals(expected.length, values.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], ((Number) values.get(i)).floatValue(), 0f);
        }
    }

    /** Vectors left out of _source are still returned by the fields option, read from the index. */
    public void testVectorsOutOfSourceComeFromTheIndex() {
        float[][] vectors = indexVectors("nosource", 2, true, true);
        SearchResponse response = client().prepareSearch("nosource")
                .setQuery(QueryBuilders.idsQuery().addIds("3", "41"))
                .addFetchField("vec")
                .get();
        assertEquals(2, response.getHits().getHits().length);
        for (SearchHit hit : response.getHits().getHits()) {
            assertFalse(hit.getSourceAsMap().containsKey("vec"));
            List<Object> values = hit.field("vec").getValues();
            float[] expected = vectors[Integer.parseInt(hit.getId())];
            assertEquals(expected.length, values.size());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], ((Number) values.get(i)).floatValue(), 0f);
            }
        }
    }

    public void testFilterAppliesDuringSearch() {
        float[][] vectors = indexVectors("filtered", 3);
        float[] q = vectors[1].clone(); // a blue document
        KnnSpec spec = new KnnSpec("vec", q, 10, N, QueryBuilders.termQuery("color", "red"));
        SearchResponse response = search("filtered", spec, 10);
        assertEquals(10, response.getHits().getHits().length);
        for (SearchHit hit : response.getHits().getHits()) {
            assertEquals(0, Integer.parseInt(hit.getId()) % 3);
        }
        assertArrayEquals(exactTopK(vectors, q, 10, i -> i % 3 == 0), ids(response));
    }

    public void testBadQueryIsAClientError() {
        indexVectors("errors", 3);
        SearchPhaseExecutionException e = expectThrows(
                SearchPhaseExecutionException.class,
                () -> search("errors", new KnnSpec("vec", new float[DIMS + 1], 5, null, null), 10));
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertThat(
                e.getDetailedMessage(),
                containsString("vector has [17] dimensions but field [vec] has dimension [16]"));
    }

    public void testFeedbackIsShardInvariantAndMatchesTheJavaReference() {
        float[][] vectors = indexVectors("fb1", 1);
        float[][] captions = vectors(5678);
        indexVectors("fb3", 3);
        indexVectors("fb5", 5, true, true);
        Random random = new Random(7);
        int changed = 0;
        for (FeedbackSpec.Strategy strategy :
                List.of(FeedbackSpec.Strategy.PRF, FeedbackSpec.Strategy.GRF, FeedbackSpec.Strategy.EXPLICIT)) {
            for (Rocchio.Variant variant : Rocchio.Variant.values()) {
                for (FeedbackSpec.Mode mode : FeedbackSpec.Mode.values()) {
                    float[] q = vectors[random.nextInt(N)].clone();
                    q[1] += 0.7f;
                    int k = 10;
                    FeedbackSpec feedback = new FeedbackSpec(
                            strategy,
                            3,
                            1 + random.nextInt(3),
                            variant,
                            new Rocchio.Params(0.6, 0.3, 0.1, 0.05),
                            mode == FeedbackSpec.Mode.RESCORE ? k : 20,
                            strategy == FeedbackSpec.Strategy.GRF ? "cap" : null,
                            strategy == FeedbackSpec.Strategy.EXPLICIT ? List.of("5", "17") : List.of(),
                            strategy == FeedbackSpec.Strategy.EXPLICIT ? List.of("3") : List.of(),
                            mode);
                    QueryBuilder query = parsedOnANode(
                            new RelevanceFeedbackQueryBuilder(new KnnSpec("vec", q, k, N, null), feedback));
                    String what = strategy + "/" + variant + "/" + mode + " rounds " + feedback.rounds();
                    SearchResponse one = client().prepareSearch("fb1")
                            .setQuery(query)
                            .setSize(100)
                            .get();
                    assertEquals(what, k, one.getHits().getHits().length);
                    assertArrayEquals(what, expectedFeedbackTopK(vectors, captions, q, k, feedback), ids(one));
                    if (Arrays.equals(ids(one), exactTopK(vectors, q, k, i -> true)) == false) {
                        changed++;
                    }
                    for (String index : List.of("fb1", "fb3", "fb5")) {
                        SearchResponse other = client().prepareSearch(index)
                                .setQuery(query)
                                .setSize(100)
                                .get();
                        assertArrayEquals(what + " on " + index, ids(one), ids(other));
                        assertArrayEquals(what + " on " + index, scores(one), scores(other), 1e-6f);
                        // size k: retrieve mode's final kNN pass is the search itself
                        SearchResponse single = client().prepareSearch(index)
                                .setQuery(query)
                                .setSize(k)
                                .get();
                        assertArrayEquals(what + " in one pass on " + index, ids(one), ids(single));
                        assertArrayEquals(what + " in one pass on " + index, scores(one), scores(single), 1e-6f);
                        boolean inShard = index.equals("fb1") && strategy != FeedbackSpec.Strategy.EXPLICIT;
                        List<String> ran = luceneQueries(client().prepareSearch(index)
                                .setQuery(query)
                                .setSize(k)
                                .setProfile(true)
                                .get());
                        assertEquals(
                                what + ": the rounds run inside the shard exactly when the search has one: " + ran,
                                inShard,
                                ran.stream().allMatch(d -> d.contains("feedback in the shard")));
                    }
                    if (strategy == FeedbackSpec.Strategy.EXPLICIT) {
                        continue; // its marked documents need not be in the routed shard
                    }
                    // Routing narrows fb3 to one shard: the rounds run inside it, with the ranking the coordinator's
                    // round gives over the same routed shard (size > k takes that route).
                    SearchResponse routed = client().prepareSearch("fb3")
                            .setRouting("r")
                            .setQuery(query)
                            .setSize(100)
                            .get();
                    SearchResponse routedInOnePass = client().prepareSearch("fb3")
                            .setRouting("r")
                            .setQuery(query)
                            .setSize(k)
                            .setProfile(true)
                            .get();
                    assertArrayEquals(what + " routed", ids(routed), ids(routedInOnePass));
                    assertArrayEquals(what + " routed", scores(routed), scores(routedInOnePass), 1e-6f);
                    List<String> routedRan = luceneQueries(routedInOnePass);
                    assertTrue(
                            what + ": a routed search of one shard runs the rounds there: " + routedRan,
                            routedRan.stream().allMatch(d -> d.contains("feedback in the shard")));
                }
            }
        }
        assertTrue("feedback changed the ranking in " + changed + " of 12 cases", changed >= 6);
    }

    /** The query as a REST request gives it to a node: parsed there, with that node's models and cluster view. */
    private static QueryBuilder parsedOnANode(QueryBuilder query) {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(
                internalCluster().getInstance(NamedXContentRegistry.class),
                DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
                query.toString())) {
            return AbstractQueryBuilder.parseInnerQueryBuilder(parser);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Lucene queries the shards ran, as the profile describes them. */
    private static List<String> luceneQueries(SearchResponse response) {
        return response.getProfileResults().values().stream()
                .flatMap(shard -> shard.getQueryProfileResults().stream())
                .flatMap(search -> search.getQueryResults().stream())
                .map(ProfileResult::getLuceneDescription)
                .toList();
    }

    /** The feedback loop by brute force in plain Java: exact rankings, the plugin's feedback math. */
    private static String[] expectedFeedbackTopK(
            float[][] vectors, float[][] captions, float[] q, int k, FeedbackSpec f) {
        IntPredicate all = i -> true;
        List<Integer> candidates = exactTop(vectors, q, k, all);
        float[] current = q;
        for (int round = 1; round <= f.rounds(); round++) {
            List<Integer> ranked;
            if (f.mode() == FeedbackSpec.Mode.RESCORE) {
                ranked = exactTop(vectors, current, k, candidates::contains);
            } else {
                ranked = exactTop(vectors, current, f.feedbackDepth(), all);
            }
            if (f.strategy() == FeedbackSpec.Strategy.EXPLICIT) {
                float[][] pos = f.relevant().stream()
                        .map(id -> vectors[Integer.parseInt(id)])
                        .toArray(float[][]::new);
                float[][] neg = f.nonRelevant().stream()
                        .map(id -> vectors[Integer.parseInt(id)])
                        .toArray(float[][]::new);
                current = Rocchio.refine(f.rocchio(), current, pos, neg, f.params())
                        .vector();
            } else {
                float[][] source = f.strategy() == FeedbackSpec.Strategy.GRF ? captions : vectors;
                List<float[]> items = ranked.stream().map(i -> source[i]).toList();
                current = PseudoFeedback.refine(f.rocchio(), current, items, f.topK(), f.window(), f.params())
                        .vector();
            }
        }
        List<Integer> last = f.mode() == FeedbackSpec.Mode.RESCORE
                ? exactTop(vectors, current, k, candidates::contains)
                : exactTop(vectors, current, k, all);
        return last.stream().map(i -> Integer.toString(i)).toArray(String[]::new);
    }

    private static List<Integer> exactTop(float[][] vectors, float[] q, int k, IntPredicate filter) {
        return Arrays.stream(exactTopK(vectors, q, k, filter))
                .map(Integer::parseInt)
                .toList();
    }

    private static float[] scores(SearchResponse response) {
        float[] out = new float[response.getHits().getHits().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = response.getHits().getHits()[i].getScore();
        }
        return out;
    }

    public void testRescorerRefinesAfterABm25FirstPass() {
        float[][] vectors = indexVectors("bm25", 1);
        float[] q = vectors[42].clone();
        FeedbackSpec prf = new FeedbackSpec(
                FeedbackSpec.Strategy.PRF,
                5,
                1,
                Rocchio.Variant.EXTENDED,
                Rocchio.Params.DEFAULTS,
                100,
                null,
                List.of(),
                List.of(),
                FeedbackSpec.Mode.RETRIEVE);
        QueryBuilder bm25 = QueryBuilders.matchQuery("text", "red star");
        SearchResponse firstPass = client().prepareSearch("bm25")
                .setQuery(bm25)
                .setSize(5)
                .setFetchSource(false)
                .get();
        float[][] top = Arrays.stream(firstPass.getHits().getHits())
                .map(h -> vectors[Integer.parseInt(h.getId())])
                .toArray(float[][]::new);
        float[] refined = Rocchio.refine(Rocchio.Variant.EXTENDED, q, top, top, Rocchio.Params.DEFAULTS)
                .vector();

        SearchResponse rescored = client().prepareSearch("bm25")
                .setQuery(bm25)
                .setSize(30)
                .addRescorer(
                        new RelevanceFeedbackRescorerBuilder("vec", q, prf)
                                .queryWeight(0f)
                                .rescoreQueryWeight(1f),
                        30)
                .setExplain(true)
                .get();
        SearchHit[] hits = rescored.getHits().getHits();
        assertEquals(30, hits.length);
        for (int i = 1; i < hits.length; i++) {
            double before = TestVectors.cosine(refined, vectors[Integer.parseInt(hits[i - 1].getId())]);
            double after = TestVectors.cosine(refined, vectors[Integer.parseInt(hits[i].getId())]);
            assertTrue("window re-ranked by similarity to q' at " + i, before >= after - 1e-6);
            // cosine score on Lucene's scale: (1 + cos) / 2
            assertEquals((1 + after) / 2, hits[i].getScore(), 1e-5);
        }
        assertThat(hits[0].getExplanation().toString(), containsString("similarity to the feedback-refined query"));
    }

    public void testExplainShowsFirstPassScoreAndFeedbackWeights() {
        float[][] vectors = indexVectors("explain", 3);
        FeedbackSpec prf = new FeedbackSpec(
                FeedbackSpec.Strategy.PRF,
                5,
                2,
                Rocchio.Variant.EXTENDED,
                Rocchio.Params.DEFAULTS,
                100,
                null,
                List.of(),
                List.of(),
                FeedbackSpec.Mode.RETRIEVE);
        SearchResponse response = client().prepareSearch("explain")
                .setQuery(new RelevanceFeedbackQueryBuilder(new KnnSpec("vec", vectors[9], 10, N, null), prf))
                .setExplain(true)
                .get();
        String top = response.getHits().getHits()[0].getExplanation().toString();
        assertThat(top, containsString("after 2 round(s) of prf feedback (extended Rocchio, retrieve)"));
        assertThat(top, containsString("first-pass score"));
        assertThat(top, containsString("positive feedback weight in round 2"));
        assertThat(top, containsString("negative feedback weight in round 1"));
    }

    public void testFeedbackBadInput() {
        indexVectors("fberrors", 3);
        FeedbackSpec missing = new FeedbackSpec(
                FeedbackSpec.Strategy.EXPLICIT,
                5,
                1,
                Rocchio.Variant.EXTENDED,
                Rocchio.Params.DEFAULTS,
                100,
                null,
                List.of("1", "nope"),
                List.of(),
                FeedbackSpec.Mode.RETRIEVE);
        Exception e = expectThrows(
                Exception.class,
                () -> client().prepareSearch("fberrors")
                        .setQuery(new RelevanceFeedbackQueryBuilder(
                                new KnnSpec("vec", vectors(1)[0], 5, null, null), missing))
                        .get());
        assertThat(e.getMessage(), containsString("no documents with ids [nope]"));
        assertEquals(RestStatus.BAD_REQUEST, ExceptionsHelper.status(e));
        FeedbackSpec grfOnVectorlessField = new FeedbackSpec(
                FeedbackSpec.Strategy.GRF,
                5,
                1,
                Rocchio.Variant.EXTENDED,
                Rocchio.Params.DEFAULTS,
                100,
                "color",
                List.of(),
                List.of(),
                FeedbackSpec.Mode.RETRIEVE);
        e = expectThrows(
                Exception.class,
                () -> client().prepareSearch("fberrors")
                        .setQuery(new RelevanceFeedbackQueryBuilder(
                                new KnnSpec("vec", vectors(1)[0], 5, null, null), grfOnVectorlessField))
                        .get());
        assertThat(
                e.getMessage(),
                containsString("none of the top [5] hits has a vector in [feedback.caption_field] = [color]"));
        assertEquals(RestStatus.BAD_REQUEST, ExceptionsHelper.status(e));
    }

    private static String[] exactTopK(float[][] vectors, float[] q, int k, IntPredicate filter) {
        return IntStream.range(0, vectors.length)
                .filter(filter)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -TestVectors.cosine(q, vectors[i]))
                        .thenComparing(i -> Integer.toString(i)))
                .limit(k)
                .map(i -> Integer.toString(i))
                .toArray(String[]::new);
    }
}
