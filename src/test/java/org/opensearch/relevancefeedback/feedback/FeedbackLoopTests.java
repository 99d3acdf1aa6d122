package org.opensearch.relevancefeedback.feedback;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import org.apache.lucene.tests.util.LuceneTestCase;

/**
 * The round loop without a cluster: a seeded random gallery, an exact-cosine ranking callback, and strategies that
 * answer at once or later (as the summarizer does from the inference pool). The numbers against NumPy are
 * {@link FeedbackCrossCheckTests}'s.
 */
public class FeedbackLoopTests extends LuceneTestCase {

    /** Gallery item i: a vector in "v" and, for every third item, none in "caption". */
    private record Item(int i, float[] v, float[] caption) implements FeedbackLoop.Hit {
        @Override
        public String index() {
            return "g";
        }

        @Override
        public String id() {
            return Integer.toString(i);
        }

        @Override
        public float[] vector(String field) {
            return field.equals("v") ? v : caption;
        }

        @Override
        public byte[] tokens(String field) {
            return null;
        }
    }

    private static List<Item> gallery(int n, int dims) {
        List<Item> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Item(i, unitRandom(dims), i % 3 == 2 ? null : unitRandom(dims)));
        }
        return out;
    }

    private static float[] unitRandom(int dims) {
        double[] v = new double[dims];
        for (int d = 0; d < dims; d++) {
            v[d] = random().nextGaussian();
        }
        return Rocchio.unit(v);
    }

    /** Exact cosine, ties by position; records the sizes it was asked for. */
    private static final class Exact implements FeedbackLoop.Ranking {
        final List<Item> gallery;
        final List<Integer> sizes = new ArrayList<>();

        Exact(List<Item> gallery) {
            this.gallery = gallery;
        }

        List<FeedbackLoop.Hit> top(float[] q, int size) {
            return gallery.stream()
                    .sorted(Comparator.comparingDouble((Item it) -> -Rocchio.cosine(q, it.v()))
                            .thenComparingInt(Item::i))
                    .limit(size)
                    .<FeedbackLoop.Hit>map(it -> it)
                    .toList();
        }

        @Override
        public void rank(float[] vector, int size, FeedbackLoop.Callback<List<FeedbackLoop.Hit>> then) {
            sizes.add(size);
            then.onResponse(top(vector, size));
        }
    }

    /** Collects what the loop reports, and fails the test on a second report. */
    private static final class Done implements FeedbackLoop.Callback<FeedbackLoop.Outcome> {
        FeedbackLoop.Outcome outcome;
        Exception failure;

        @Override
        public void onResponse(FeedbackLoop.Outcome value) {
            assertTrue("reported once", outcome == null && failure == null);
            outcome = value;
        }

        @Override
        public void onFailure(Exception e) {
            assertTrue("reported once", outcome == null && failure == null);
            failure = e;
        }
    }

    public void testRoundsRankAgainWithTheRefinedVector() {
        List<Item> gallery = gallery(60, 8);
        Exact exact = new Exact(gallery);
        float[] q = unitRandom(8);
        PseudoStrategy prf =
                new PseudoStrategy("prf", "v", "field", Rocchio.Variant.EXTENDED, 3, 100, Rocchio.Params.DEFAULTS);
        Done done = new Done();
        FeedbackLoop.run(q, exact.top(q, prf.depth()), 3, prf, exact, done);
        assertNull(done.failure);
        assertEquals("a pass between rounds, each of the strategy's depth", List.of(3, 3), exact.sizes);
        assertEquals(3, done.outcome.rounds().size());
        float[] expected = q;
        for (int round = 0; round < 3; round++) {
            List<float[]> ranking =
                    exact.top(expected, 3).stream().map(h -> h.vector("v")).toList();
            expected = PseudoFeedback.refine(
                            Rocchio.Variant.EXTENDED, expected, ranking, 3, 100, Rocchio.Params.DEFAULTS)
                    .vector();
            assertEquals(
                    "round " + (round + 1) + " weighs the top 3",
                    3,
                    done.outcome.rounds().get(round).size());
        }
        assertArrayEquals(expected, done.outcome.vector(), 0f);
        assertTrue(done.outcome.warnings().isEmpty());
    }

    public void testAnEmptyFirstRankingEndsAtTheQuery() {
        Exact exact = new Exact(gallery(10, 4));
        float[] q = unitRandom(4);
        Done done = new Done();
        FeedbackLoop.run(
                q,
                List.of(),
                2,
                new PseudoStrategy("prf", "v", "field", Rocchio.Variant.EXTENDED, 3, 100, Rocchio.Params.DEFAULTS),
                exact,
                done);
        assertSame(q, done.outcome.vector());
        assertTrue(done.outcome.rounds().isEmpty());
        assertTrue("nothing ranked", exact.sizes.isEmpty());
    }

    public void testHitsWithoutAFeedbackVectorAreLeftOutWithAWarning() {
        // Only item 2 lacks a caption vector, so the top 5 always hold captioned hits (with gallery()'s every third
        // item uncaptioned, a random top 5 could hold none and end the loop instead)
        List<Item> gallery = gallery(30, 6).stream()
                .map(it -> new Item(it.i(), it.v(), it.i() == 2 ? null : unitRandom(6)))
                .toList();
        Exact exact = new Exact(gallery);
        float[] q = gallery.get(2).v(); // item 2 ranks first
        PseudoStrategy grf = new PseudoStrategy(
                "grf", "caption", "feedback.caption_field", Rocchio.Variant.EXTENDED, 5, 100, Rocchio.Params.DEFAULTS);
        Done done = new Done();
        FeedbackLoop.run(q, exact.top(q, 5), 1, grf, exact, done);
        assertNull(done.failure);
        assertTrue(
                done.outcome.warnings().toString(),
                done.outcome
                        .warnings()
                        .contains("round 1: hit [g][2] has no [caption] vector; left out of the feedback"));
        assertTrue(
                "item 2 gets no weight", done.outcome.rounds().get(0).stream().noneMatch(w -> w.id().equals("2")));

        List<Item> noCaptions =
                gallery.stream().map(it -> new Item(it.i(), it.v(), null)).toList();
        Exact bare = new Exact(noCaptions);
        Done failed = new Done();
        FeedbackLoop.run(q, bare.top(q, 5), 2, grf, bare, failed);
        assertEquals(
                "strategy [grf]: none of the top [5] hits has a vector in [feedback.caption_field] = [caption]: it must name an rf_vector field",
                failed.failure.getMessage());
    }

    /** The summarizer answers from another thread later: the loop waits for each round, and a failed pass ends it once. */
    public void testAsynchronousRoundsAndAFailedPass() {
        List<Item> gallery = gallery(40, 8);
        Exact exact = new Exact(gallery);
        Queue<Runnable> pending = new ArrayDeque<>();
        PseudoStrategy prf =
                new PseudoStrategy("prf", "v", "field", Rocchio.Variant.EXTENDED, 4, 100, Rocchio.Params.DEFAULTS);
        FeedbackLoop.Strategy later = new FeedbackLoop.Strategy() {
            @Override
            public int depth() {
                return prf.depth();
            }

            @Override
            public List<String> fields() {
                return prf.fields();
            }

            @Override
            public void refine(
                    int round,
                    float[] query,
                    List<FeedbackLoop.Hit> ranking,
                    FeedbackLoop.Callback<FeedbackLoop.Round> then) {
                pending.add(() -> prf.refine(round, query, ranking, then));
            }
        };
        float[] q = unitRandom(8);
        Done done = new Done();
        FeedbackLoop.run(q, exact.top(q, 4), 3, later, exact, done);
        for (int round = 1; round <= 3; round++) {
            assertNull("round " + round + " still running", done.outcome);
            assertEquals(1, pending.size());
            pending.poll().run();
        }
        Done direct = new Done();
        FeedbackLoop.run(q, exact.top(q, 4), 3, prf, exact, direct);
        assertArrayEquals(direct.outcome.vector(), done.outcome.vector(), 0f);

        int[] passes = {0};
        FeedbackLoop.Ranking failing = (v, size, then) -> {
            if (++passes[0] == 2) {
                then.onFailure(new IllegalStateException("shard lost"));
            } else {
                exact.rank(v, size, then);
            }
        };
        Done failed = new Done();
        FeedbackLoop.run(q, exact.top(q, 4), 5, prf, failing, failed);
        assertEquals("shard lost", failed.failure.getMessage());
        assertNull(failed.outcome);
        assertEquals("no pass after the failure", 2, passes[0]);
    }

    public void testExplicitRoundsAndFeedbackWords() {
        List<Item> gallery = gallery(10, 4);
        float[] q = unitRandom(4);
        List<FeedbackLoop.Hit> rel = List.of(gallery.get(0), gallery.get(1));
        List<FeedbackLoop.Hit> nonRel = List.of(gallery.get(5));
        FeedbackLoop.Outcome o =
                ExplicitFeedback.rounds(q, rel, nonRel, "v", 2, Rocchio.Variant.EXTENDED, Rocchio.Params.DEFAULTS);
        float[][] pos = {gallery.get(0).v(), gallery.get(1).v()};
        float[][] neg = {gallery.get(5).v()};
        float[] expected = q;
        for (int r = 0; r < 2; r++) {
            expected = Rocchio.refine(Rocchio.Variant.EXTENDED, expected, pos, neg, Rocchio.Params.DEFAULTS)
                    .vector();
        }
        assertArrayEquals(expected, o.vector(), 0f);
        assertEquals(2, o.rounds().size());
        assertEquals(
                List.of("0", "1", "5"),
                o.rounds().get(1).stream().map(HitWeight::id).toList());
        IllegalArgumentException e = expectThrows(
                IllegalArgumentException.class,
                () -> ExplicitFeedback.rounds(
                        q,
                        List.of(gallery.get(2)),
                        List.of(),
                        "caption",
                        1,
                        Rocchio.Variant.EXTENDED,
                        Rocchio.Params.DEFAULTS));
        assertEquals("document [2] has no [caption] vector, so it cannot be used as feedback", e.getMessage());

        // q' = unit(mean(q, t1, t2)), as the paper's explicit baseline averages the extra captions in
        float[] mixed = ExplicitFeedback.withTexts(new float[] {1, 0}, new float[][] {{0, 1}, {0, 1}});
        assertEquals(1 / Math.sqrt(5), mixed[0], 1e-7);
        assertEquals(2 / Math.sqrt(5), mixed[1], 1e-7);
        assertSame(q, ExplicitFeedback.withTexts(q, new float[0][]));
    }
}
