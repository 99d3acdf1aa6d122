package org.opensearch.relevancefeedback.feedback;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.relevancefeedback.EmojiEmbeddings;

/**
 * The round loop and the feedback math in Java vs the NumPy reference ({@code tools/eval/feedback_ref.py} via
 * {@code tools/eval/export_feedback_fixtures.py}) on real emoji embeddings: for every strategy x Rocchio variant x
 * rounds 1..5, {@link FeedbackLoop} with {@link PseudoStrategy} (or {@link ExplicitFeedback}) gives the refined vector
 * within 1e-5 and the top-10 ranking identical. The ranking callback here is exact cosine over the fixture gallery;
 * the plugin's own passes (distributed searches) are checked against the same reference on a real node.
 */
public class FeedbackCrossCheckTests extends LuceneTestCase {

    @SuppressWarnings("unchecked")
    public void testMatchesTheNumpyReference() throws IOException {
        Map<String, Object> fixture;
        try (InputStream in = getClass().getResourceAsStream("/feedback_crosscheck.json");
                XContentParser parser = JsonXContent.jsonXContent.createParser(
                        NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, in)) {
            fixture = parser.map();
        }
        int n = ((Number) fixture.get("gallery")).intValue();
        int topK = ((Number) fixture.get("top_k")).intValue();
        int window = ((Number) fixture.get("window")).intValue();
        Map<String, Number> p = (Map<String, Number>) fixture.get("params");
        Rocchio.Params params = new Rocchio.Params(
                p.get("alpha").doubleValue(),
                p.get("beta").doubleValue(),
                p.get("gamma").doubleValue(),
                p.get("temperature").doubleValue());
        float[][] images = EmojiEmbeddings.load("images", n);
        float[][] captions = EmojiEmbeddings.load("captions", n);
        float[][] queries = EmojiEmbeddings.load("queries", Integer.MAX_VALUE);
        List<Map<String, Object>> cases = (List<Map<String, Object>>) fixture.get("cases");
        assertEquals(10 * 3 * 2, cases.size());
        double worst = 0;
        for (Map<String, Object> c : cases) {
            String strategy = (String) c.get("strategy");
            Rocchio.Variant variant = Rocchio.Variant.valueOf(((String) c.get("rocchio")).toUpperCase(Locale.ROOT));
            float[] q0 = queries[((Number) c.get("query")).intValue()];
            List<FeedbackLoop.Hit> relevant = hits((List<Number>) c.get("relevant"), images, captions);
            List<FeedbackLoop.Hit> nonRelevant = hits((List<Number>) c.get("non_relevant"), images, captions);
            PseudoStrategy pseudo = new PseudoStrategy(
                    strategy, strategy.equals("grf") ? "captions" : "images", "field", variant, topK, window, params);
            List<Map<String, Object>> rounds = (List<Map<String, Object>>) c.get("rounds");
            assertEquals(5, rounds.size());
            for (int r = 0; r < rounds.size(); r++) {
                String where = strategy + "/" + variant + " query " + c.get("query") + " round " + (r + 1);
                float[] q;
                if (strategy.equals("explicit")) {
                    q = ExplicitFeedback.rounds(q0, relevant, nonRelevant, "images", r + 1, variant, params)
                            .vector();
                } else {
                    FeedbackLoop.Ranking exact = (v, size, then) -> then.onResponse(hits(
                            Arrays.stream(ranking(images, v))
                                    .limit(size)
                                    .boxed()
                                    .toList(),
                            images,
                            captions));
                    float[][] out = new float[1][];
                    FeedbackLoop.run(
                            q0,
                            first(exact, q0, pseudo.depth()),
                            r + 1,
                            pseudo,
                            exact,
                            FeedbackLoop.Callback.of(o -> out[0] = o.vector(), e -> {
                                throw new AssertionError(where, e);
                            }));
                    q = out[0];
                }
                List<Number> expected = (List<Number>) rounds.get(r).get("vector");
                for (int d = 0; d < q.length; d++) {
                    double diff = Math.abs(q[d] - expected.get(d).doubleValue());
                    worst = Math.max(worst, diff);
                    assertTrue(where + " dim " + d + " differs by " + diff, diff <= 1e-5);
                }
                int[] top = Arrays.stream(ranking(images, q)).limit(10).toArray();
                assertArrayEquals(
                        where,
                        ((List<Number>) rounds.get(r).get("top"))
                                .stream().mapToInt(Number::intValue).toArray(),
                        top);
            }
        }
        assertTrue("worst difference " + worst, worst < 1e-6);
    }

    /** A gallery image as the loop reads it: its image vector and its GRF caption's vector. */
    private record GalleryHit(int i, float[][] images, float[][] captions) implements FeedbackLoop.Hit {
        @Override
        public String index() {
            return "emoji";
        }

        @Override
        public String id() {
            return Integer.toString(i);
        }

        @Override
        public float[] vector(String field) {
            return field.equals("images") ? images[i] : captions[i];
        }

        @Override
        public byte[] tokens(String field) {
            return null;
        }
    }

    private static List<FeedbackLoop.Hit> hits(List<? extends Number> indexes, float[][] images, float[][] captions) {
        return indexes.stream()
                .<FeedbackLoop.Hit>map(i -> new GalleryHit(i.intValue(), images, captions))
                .toList();
    }

    private static List<FeedbackLoop.Hit> first(FeedbackLoop.Ranking ranking, float[] q, int size) {
        List<List<FeedbackLoop.Hit>> out = new ArrayList<>();
        ranking.rank(q, size, FeedbackLoop.Callback.of(out::add, e -> {}));
        return out.get(0);
    }

    /** Gallery order by cosine to q, best first; ties by gallery position (NumPy's stable argsort). */
    private static int[] ranking(float[][] gallery, float[] q) {
        double[] scores = new double[gallery.length];
        for (int i = 0; i < gallery.length; i++) {
            scores[i] = Rocchio.cosine(q, gallery[i]);
        }
        return IntStream.range(0, gallery.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue)
                .toArray();
    }
}
