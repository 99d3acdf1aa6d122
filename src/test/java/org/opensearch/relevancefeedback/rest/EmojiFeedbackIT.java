package org.opensearch.relevancefeedback.rest;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.client.WarningsHandler;
import org.opensearch.relevancefeedback.EmojiEmbeddings;
import org.opensearch.relevancefeedback.TestVectors;
import org.opensearch.relevancefeedback.feedback.Rocchio;

/**
 * The emoji test split (3,445 real image embeddings + their GRF caption embeddings, exported by
 * {@code tools/eval/export_feedback_fixtures.py}) on the real cluster (2 nodes, 3 shards), queried through the
 * plugin's feedback endpoint as a stateless client loop: each round sends the previous round's refined vector.
 * The target's rank after every round must equal the Python reference ({@code emoji/ranks.json}) and so must
 * Hits@1 / Hits@5 / MRR@5 over the sampled queries.
 */
public class EmojiFeedbackIT extends RealClusterTestCase {

    private static final String INDEX = "emoji_test";
    private static final int ROUNDS = 5;
    /** Every 20th query of the split: 173 queries x (1 + 4 strategies x 5 rounds) requests. */
    private static final int STRIDE = 20;

    private static final int K = 10;

    @SuppressWarnings("unchecked")
    public void testFeedbackRanksEqualThePythonReference() throws IOException {
        float[][] images = EmojiEmbeddings.load("images", Integer.MAX_VALUE);
        float[][] captions = EmojiEmbeddings.load("captions", Integer.MAX_VALUE);
        float[][] queries = EmojiEmbeddings.load("queries", Integer.MAX_VALUE);
        createIndex(INDEX, 3);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < images.length; i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
            bulk.append("{\"image\":")
                    .append(json(images[i]))
                    .append(",\"caption\":")
                    .append(json(captions[i]))
                    .append("}\n");
        }
        bulk(INDEX, bulk.toString());

        Map<String, Object> reference =
                (Map<String, Object>) resource("/emoji/ranks.json").get("ranks");
        Map<String, String> feedback = new LinkedHashMap<>();
        feedback.put("prf", "{\"strategy\":\"prf\"}");
        feedback.put("grf", "{\"strategy\":\"grf\",\"caption_field\":\"caption\"}");
        feedback.put("prf_original", "{\"strategy\":\"prf\",\"rocchio\":\"original\"}");
        feedback.put("grf_original", "{\"strategy\":\"grf\",\"rocchio\":\"original\",\"caption_field\":\"caption\"}");

        StringBuilder table = new StringBuilder(
                "strategy round  plugin H@1/H@5/MRR@5  python H@1/H@5/MRR@5  ranks differing (of top-10)\n");
        int mismatches = 0;
        int compared = 0;
        List<Integer> sample = new ArrayList<>();
        for (int qi = 0; qi < queries.length; qi += STRIDE) {
            sample.add(qi);
        }
        // round 0: plain kNN
        List<Integer> plain = new ArrayList<>();
        for (int qi : sample) {
            plain.add(rankOf(qi, search(queries[qi], null), K));
        }
        mismatches += compare("none", 0, sample, plain, (Map<String, Object>) reference.get("none"), table);
        compared += sample.size();
        // the same queries as text: the plugin's own encoder (DJL + ONNX Runtime) on the coordinating node
        List<String> texts = queryTexts();
        List<Integer> byText = new ArrayList<>();
        for (int qi : sample) {
            byText.add(rankOf(qi, textSearch(INDEX, texts.get(qi), K, null), K));
        }
        mismatches += compare("none (text)", 0, sample, byText, (Map<String, Object>) reference.get("none"), table);
        compared += sample.size();
        for (Map.Entry<String, String> strategy : feedback.entrySet()) {
            List<List<Integer>> perRound = new ArrayList<>();
            for (int r = 0; r < ROUNDS; r++) {
                perRound.add(new ArrayList<>());
            }
            for (int qi : sample) {
                float[] q = queries[qi];
                for (int r = 0; r < ROUNDS; r++) {
                    Map<String, Object> response = search(q, strategy.getValue());
                    perRound.get(r).add(rankOf(qi, response, K));
                    q = vector((List<Number>) ((Map<String, Object>) response.get("relevance_feedback")).get("vector"));
                }
            }
            for (int r = 0; r < ROUNDS; r++) {
                mismatches += compare(
                        strategy.getKey(),
                        r + 1,
                        sample,
                        perRound.get(r),
                        (Map<String, Object>) reference.get(strategy.getKey()),
                        table);
                compared += sample.size();
            }
        }
        // explicit feedback by words, the paper's protocol: round r adds the target's next non-label caption, and the
        // request carries the original query with all captions so far (the plugin encodes and averages them in)
        List<List<String>> extra = explicitTexts();
        for (int r = 1; r <= ROUNDS; r++) {
            List<Integer> ranks = new ArrayList<>();
            for (int qi : sample) {
                List<String> own = extra.get(qi);
                StringBuilder words = new StringBuilder("[");
                for (int i = 0; i < r && own.isEmpty() == false; i++) {
                    words.append(i == 0 ? "" : ",")
                            .append('"')
                            .append(escape(own.get(i % own.size())))
                            .append('"');
                }
                String byWords =
                        own.isEmpty() ? null : "{\"strategy\":\"explicit\",\"text\":" + words.append(']') + "}";
                ranks.add(rankOf(qi, search(queries[qi], byWords), K));
            }
            mismatches += compare("explicit", r, sample, ranks, (Map<String, Object>) reference.get("explicit"), table);
            compared += sample.size();
        }
        logger.info("\n{}", table);
        // float32 scores on the shards vs float64 in NumPy may swap a near-tie; nothing more.
        assertTrue(
                "ranks differing from the reference: " + mismatches + " of " + compared + "\n" + table,
                mismatches <= Math.max(1, compared / 500));
    }

    /**
     * Appends one table row and returns how many top-10 ranks differ. The metrics must be equal, except that one
     * query whose rank moved by a float32 near-tie may shift them by its own weight (1 / queries).
     */
    private int compare(
            String strategy,
            int round,
            List<Integer> sample,
            List<Integer> plugin,
            Map<String, Object> reference,
            StringBuilder table) {
        @SuppressWarnings("unchecked")
        List<Number> all = (List<Number>) reference.get(Integer.toString(round));
        List<Integer> python = new ArrayList<>();
        int differing = 0;
        for (int i = 0; i < sample.size(); i++) {
            int p = all.get(sample.get(i)).intValue();
            python.add(p);
            int expected = p <= K ? p : K + 1;
            if (expected != plugin.get(i)) {
                differing++;
                table.append(String.format(
                        Locale.ROOT,
                        "  %s round %d query %d: plugin rank %d, reference %d%n",
                        strategy,
                        round,
                        sample.get(i),
                        plugin.get(i),
                        expected));
            }
        }
        String mine = metrics(plugin);
        String theirs = metrics(python);
        table.append(String.format(Locale.ROOT, "%-12s %d  %s  %s  %d%n", strategy, round, mine, theirs, differing));
        if (differing == 0) {
            assertEquals(strategy + " round " + round, theirs, mine);
        }
        // Original Rocchio takes its negatives from the edge of the top-100 window, where near-tied scores among 3,445
        // images decide; a flip there changes that query's later rounds (2 of 173 at round 5 with the 1,584-step
        // model).
        // Near-ties also compound over rounds: with the 2,634-step model GRF round 4 swaps two pairs of neighbours
        // (query 80: rank 1 vs 2, query 180: 2 vs 3) after identical rounds 1-3.
        int allowed = strategy.endsWith("_original") || round >= 4 ? 2 : 1;
        assertTrue(strategy + " round " + round + ": " + differing + " ranks differ\n" + table, differing <= allowed);
        return differing;
    }

    /** Hits@1 / Hits@5 / MRR@5 to 3 decimals (ranks > 5 count as misses). */
    private static String metrics(List<Integer> ranks) {
        double h1 = 0, h5 = 0, mrr = 0;
        for (int r : ranks) {
            h1 += r == 1 ? 1 : 0;
            h5 += r <= 5 ? 1 : 0;
            mrr += r <= 5 ? 1.0 / r : 0;
        }
        int n = ranks.size();
        return String.format(Locale.ROOT, "%.3f/%.3f/%.3f", h1 / n, h5 / n, mrr / n);
    }

    private List<String> queryTexts() throws IOException {
        return meta("queries");
    }

    private List<List<String>> explicitTexts() throws IOException {
        return meta("explicit_texts");
    }

    @SuppressWarnings("unchecked")
    private <T> List<T> meta(String key) throws IOException {
        return (List<T>) resource("/emoji/meta.json").get(key);
    }

    private Map<String, Object> search(float[] q, String feedback) throws IOException {
        Request request = new Request("POST", "/" + INDEX + "/_plugins/relevance_feedback/_search");
        request.setJsonEntity("{\"size\":" + K
                + ",\"_source\":false,\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"vector\":" + json(q)
                + ",\"k\":" + K + ",\"num_candidates\":2000" + (feedback == null ? "" : ",\"feedback\":" + feedback)
                + "}}}");
        return entityAsMap(client().performRequest(request));
    }

    @SuppressWarnings("unchecked")
    public void testServerSideRoundsEqualTheClientLoopAndResponseCarriesWeights() throws IOException {
        float[][] images = EmojiEmbeddings.load("images", 400);
        float[][] captions = EmojiEmbeddings.load("captions", 400);
        createIndex("emoji_small", 2);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < images.length; i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
            // every 4th document has no caption embedding: GRF must skip it and say so
            bulk.append("{\"image\":")
                    .append(json(images[i]))
                    .append(i % 4 == 0 ? "" : ",\"caption\":" + json(captions[i]))
                    .append("}\n");
        }
        bulk("emoji_small", bulk.toString());
        float[] q = EmojiEmbeddings.load("queries", 1)[0];

        String grf = "\"strategy\":\"grf\",\"caption_field\":\"caption\",\"top_k\":8";
        Map<String, Object> serverSide = feedbackSearch("emoji_small", q, "{" + grf + ",\"rounds\":3}");
        float[] loop = q;
        Map<String, Object> last = null;
        for (int r = 0; r < 3; r++) {
            last = feedbackSearch("emoji_small", loop, "{" + grf + "}");
            loop = vector((List<Number>) ((Map<String, Object>) last.get("relevance_feedback")).get("vector"));
        }
        Map<String, Object> section = (Map<String, Object>) serverSide.get("relevance_feedback");
        assertEquals(ids(last), ids(serverSide));
        float[] serverVector = vector((List<Number>) section.get("vector"));
        for (int d = 0; d < q.length; d++) {
            assertEquals(loop[d], serverVector[d], 1e-6f);
        }
        List<Map<String, Object>> rounds = (List<Map<String, Object>>) section.get("rounds");
        assertEquals(3, rounds.size());
        for (Map<String, Object> round : rounds) {
            double positive = 0;
            for (Map<String, Object> w : (List<Map<String, Object>>) round.get("feedback")) {
                positive += ((Number) w.get("positive_weight")).doubleValue();
                assertNotEquals("skipped hits get no weight", 0, Integer.parseInt((String) w.get("_id")) % 4);
            }
            assertEquals(1.0, positive, 1e-9);
        }
        List<String> warnings = (List<String>) section.get("warnings");
        assertFalse("some top-8 hit lacks a caption", warnings.isEmpty());
        assertThat(warnings.get(0), containsString("has no [caption] vector; left out of the feedback"));

        // explicit feedback in a later turn: the client passes the refined vector, the ids it marked and the weights
        // of its marks. With one relevant r and one non-relevant n, q' = alpha q + beta r - gamma n ranks r above n
        // exactly when alpha (q.r - q.n) + (beta + gamma) (1 - r.n) > 0. This query's top hits are skin tones of one
        // emoji (r.n 0.93-0.97), which the default beta = gamma = 0.1 cannot reorder; at 0.5 the best-ranked hit that
        // the margin lifts is marked relevant.
        List<String> top = ids(last);
        String nonRelevant = top.get(0);
        float[] n = images[Integer.parseInt(nonRelevant)];
        float[] refined = loop;
        double alpha = Rocchio.Params.DEFAULTS.alpha(), weight = 0.5;
        String relevant = top.subList(1, top.size()).stream()
                .filter(id -> {
                    float[] r = images[Integer.parseInt(id)];
                    double margin = alpha * (TestVectors.cosine(refined, r) - TestVectors.cosine(refined, n))
                            + 2 * weight * (1 - TestVectors.cosine(r, n));
                    return margin > 0.01;
                })
                .findFirst()
                .orElseThrow();
        Map<String, Object> explicit = feedbackSearch(
                "emoji_small",
                loop,
                String.format(
                        Locale.ROOT,
                        "{\"strategy\":\"explicit\",\"beta\":%s,\"gamma\":%s,\"relevant\":[\"%s\"],\"non_relevant\":[\"%s\"]}",
                        weight,
                        weight,
                        relevant,
                        nonRelevant));
        List<String> explicitIds = ids(explicit);
        assertTrue(
                "the marked relevant hit moves above the marked non-relevant one",
                explicitIds.indexOf(relevant) < explicitIds.indexOf(nonRelevant)
                        || explicitIds.contains(nonRelevant) == false);

        assertBadRequest(
                q, "{\"strategy\":\"explicit\",\"relevant\":[\"missing-doc\"]}", "no documents with ids [missing-doc]");
        assertBadRequest(q, "{\"strategy\":\"prf\",\"rounds\":11}", "[feedback.rounds] must be <= 10");
        assertBadRequest(q, "{\"strategy\":\"afs\"}", "[feedback.image_tokens_field] is required for strategy [afs]");
        assertBadRequest(
                q,
                "{\"strategy\":\"prf\",\"temperature\":-1}",
                "[feedback.temperature] must be a number in [1.0E-9, 1.0E9], got [-1.0]");
        assertBadRequest(
                q,
                "{\"strategy\":\"grf\",\"caption_field\":\"nothing_here\"}",
                "none of the top [5] hits has a vector in [feedback.caption_field] = [nothing_here]");
    }

    /** The same feedback query on 1, 3 and 5 shards of the real 2-node cluster: identical hits and scores. */
    @SuppressWarnings("unchecked")
    public void testShardCountDoesNotChangeFeedbackResults() throws IOException {
        float[][] images = EmojiEmbeddings.load("images", 600);
        float[][] captions = EmojiEmbeddings.load("captions", 600);
        float[][] queries = EmojiEmbeddings.load("queries", 600);
        for (int shards : new int[] {1, 3, 5}) {
            createIndex("emoji_shards_" + shards, shards);
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < images.length; i++) {
                bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
                bulk.append("{\"image\":")
                        .append(json(images[i]))
                        .append(",\"caption\":")
                        .append(json(captions[i]))
                        .append("}\n");
            }
            bulk("emoji_shards_" + shards, bulk.toString());
        }
        String[] feedbacks = {
            "{\"strategy\":\"prf\",\"rounds\":2}",
            // the window is the whole index: which hits sit at a default window's edge (100th vs 101st) is decided by
            // the last float bit of near-tied scores, which differs between shard layouts and changes the negatives
            "{\"strategy\":\"grf\",\"caption_field\":\"caption\",\"rounds\":3,\"rocchio\":\"original\",\"window\":600}",
            "{\"strategy\":\"grf\",\"caption_field\":\"caption\",\"mode\":\"rescore\",\"rounds\":2}"
        };
        for (int qi = 0; qi < 600; qi += 60) {
            for (String feedback : feedbacks) {
                Map<String, Object> one = feedbackSearch("emoji_shards_1", queries[qi], feedback);
                for (int shards : new int[] {3, 5}) {
                    Map<String, Object> other = feedbackSearch("emoji_shards_" + shards, queries[qi], feedback);
                    String what = feedback + " query " + qi + " on " + shards + " shards";
                    // Same hits with the same scores. Lucene may score a small segment by exact search and a large
                    // one through the graph: the same similarity summed in another order can differ in the last bit
                    // of a float, and hits with tied scores (identical images) come in shard order.
                    // A hit tied with another at the k-th place may be either of the two (doc 82 or 88 of query 360
                    // with the 1,584-step model): a hit in one answer only must be tied with a hit in the other only.
                    // Near-duplicate images (embeddings equal to ~6e-8, e.g. docs 68, 96 and 157) score apart only in
                    // the
                    // last float bit, which differs between shard layouts: when one of them takes the other's place in
                    // a round's feedback, q' differs by design and only that swap is checked.
                    if (swappedNearDuplicates(what, images, one, other)) {
                        continue;
                    }
                    Map<String, Double> a = scoresById(one);
                    Map<String, Double> b = scoresById(other);
                    assertEquals(what, a.size(), b.size());
                    for (Map.Entry<String, Double> e : a.entrySet()) {
                        if (b.containsKey(e.getKey())) {
                            assertEquals(what + " " + e.getKey(), e.getValue(), b.get(e.getKey()), 1e-6);
                        } else {
                            assertTrue(
                                    what + ": " + e.getKey() + " (" + e.getValue() + ") is not tied with a hit of " + b,
                                    b.entrySet().stream()
                                            .anyMatch(o -> a.containsKey(o.getKey()) == false
                                                    && Math.abs(o.getValue() - e.getValue()) <= 1e-6));
                        }
                    }
                }
            }
        }
    }

    /**
     * True when the two answers read different feedback documents in some round; then every document read by one only
     * must be a near-duplicate (cosine >= 1 - 1e-6) of one read by the other only, else the test fails.
     */
    @SuppressWarnings("unchecked")
    private static boolean swappedNearDuplicates(
            String what, float[][] images, Map<String, Object> one, Map<String, Object> other) {
        List<Object> roundsA = (List<Object>) ((Map<String, Object>) one.get("relevance_feedback")).get("rounds");
        List<Object> roundsB = (List<Object>) ((Map<String, Object>) other.get("relevance_feedback")).get("rounds");
        boolean swapped = false;
        for (int r = 0; r < roundsA.size(); r++) {
            Set<String> a = feedbackIds(roundsA.get(r));
            Set<String> b = feedbackIds(roundsB.get(r));
            for (String id : a) {
                if (b.contains(id) == false) {
                    swapped = true;
                    float[] v = images[Integer.parseInt(id)];
                    assertTrue(
                            what + " round " + (r + 1) + ": feedback document " + id
                                    + " is no near-duplicate of one in " + b,
                            b.stream()
                                    .filter(o -> a.contains(o) == false)
                                    .anyMatch(o -> TestVectors.cosine(v, images[Integer.parseInt(o)]) >= 1 - 1e-6));
                }
            }
        }
        return swapped;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> feedbackIds(Object round) {
        Set<String> ids = new HashSet<>();
        for (Object f : (List<Object>) ((Map<String, Object>) round).get("feedback")) {
            ids.add((String) ((Map<String, Object>) f).get("_id"));
        }
        return ids;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Double> scoresById(Map<String, Object> response) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Object hit : (List<Object>) ((Map<String, Object>) response.get("hits")).get("hits")) {
            Map<String, Object> h = (Map<String, Object>) hit;
            out.put((String) h.get("_id"), ((Number) h.get("_score")).doubleValue());
        }
        return out;
    }

    private void assertBadRequest(float[] q, String feedback, String expected) throws IOException {
        ResponseException e = expectThrows(ResponseException.class, () -> feedbackSearch("emoji_small", q, feedback));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertThat(e.getMessage(), containsString(expected));
        assertEquals(
                200,
                client().performRequest(new Request("GET", "/_cluster/health"))
                        .getStatusLine()
                        .getStatusCode());
    }

    private Map<String, Object> feedbackSearch(String index, float[] q, String feedback) throws IOException {
        Request request = new Request("POST", "/" + index + "/_plugins/relevance_feedback/_search");
        request.setJsonEntity(
                "{\"size\":10,\"_source\":false,\"query\":{\"relevance_feedback\":{\"field\":\"image\",\"vector\":"
                        + json(q) + ",\"k\":10,\"num_candidates\":1000,\"feedback\":" + feedback + "}}}");
        // GRF over hits without captions answers with Warning headers; they are checked in the body here.
        RequestOptions.Builder options = RequestOptions.DEFAULT.toBuilder();
        options.setWarningsHandler(WarningsHandler.PERMISSIVE);
        request.setOptions(options);
        Response response = client().performRequest(request);
        return entityAsMap(response);
    }

    @SuppressWarnings("unchecked")
    private static List<String> ids(Map<String, Object> response) {
        List<String> out = new ArrayList<>();
        for (Object hit : (List<Object>) ((Map<String, Object>) response.get("hits")).get("hits")) {
            out.add((String) ((Map<String, Object>) hit).get("_id"));
        }
        return out;
    }

    private void createIndex(String index, int shards) throws IOException {
        Request create = new Request("PUT", "/" + index);
        create.setJsonEntity(
                "{\"settings\":{\"number_of_shards\":" + shards
                        + ",\"number_of_replicas\":0},\"mappings\":{\"properties\":{"
                        + "\"image\":{\"type\":\"rf_vector\",\"dimension\":256},\"caption\":{\"type\":\"rf_vector\",\"dimension\":256}}}}");
        client().performRequest(create);
    }

    private void bulk(String index, String body) throws IOException {
        Request bulk = new Request("POST", "/" + index + "/_bulk?refresh=true");
        bulk.setJsonEntity(body);
        assertEquals(Boolean.FALSE, entityAsMap(client().performRequest(bulk)).get("errors"));
    }

    private static float[] vector(List<Number> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }
}
