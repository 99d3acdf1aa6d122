package org.opensearch.relevancefeedback.feedback;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The pseudo-feedback round loop, with no search engine in it: a strategy refines q from the top of the current
 * ranking, q' ranks the collection again, and so on for the given number of rounds. The plugin's {@link Ranking}
 * is a distributed search on the coordinating node ({@code query.FeedbackSearch}); the tests rank by exact cosine.
 * Every step may be asynchronous (the summarizer runs on the inference pool), so steps report to callbacks.
 */
public final class FeedbackLoop {

    /** A ranked document as feedback reads it. */
    public interface Hit {
        String index();

        String id();

        /** The vector in {@code field}, or null when the hit has none. */
        float[] vector(String field);

        /**
         * The token block ({@code inference.TokenCodec} bytes) in {@code field}, or null when the hit has none; an
         * IllegalArgumentException when the value is not a block.
         */
        byte[] tokens(String field);

        /**
         * What a round's weights keep of the hit: its index and id, not the feedback fields read with it (token blocks
         * of up to max_afs_top_k hits per round). A hit whose id is costly to read (a stored-fields read in a shard)
         * returns itself, so the id is read only where the weights are reported.
         */
        default Hit reference() {
            return new Reference(index(), id());
        }
    }

    /** A hit by index and id alone, with no feedback fields. */
    private record Reference(String index, String id) implements Hit {
        @Override
        public float[] vector(String field) {
            return null;
        }

        @Override
        public byte[] tokens(String field) {
            return null;
        }

        @Override
        public Hit reference() {
            return this;
        }
    }

    /** Where an asynchronous step reports: exactly one of the two, once. */
    public interface Callback<T> {
        void onResponse(T value);

        void onFailure(Exception e);

        static <T> Callback<T> of(Consumer<T> onResponse, Consumer<Exception> onFailure) {
            return new Callback<>() {
                @Override
                public void onResponse(T value) {
                    onResponse.accept(value);
                }

                @Override
                public void onFailure(Exception e) {
                    onFailure.accept(e);
                }
            };
        }
    }

    /** Ranks the collection by a vector: the top {@code size} hits, best first, with the strategy's fields. */
    public interface Ranking {
        void rank(float[] vector, int size, Callback<List<Hit>> then);
    }

    /** How a round turns the current ranking into q': which fields it reads and which math it runs. */
    public interface Strategy {
        /** How many hits of a ranking one round reads: the size of every feedback pass. */
        int depth();

        /** The hit fields the strategy reads, for the ranking to return with the hits. */
        List<String> fields();

        void refine(int round, float[] query, List<Hit> ranking, Callback<Round> then);
    }

    /** One round's q', the weights the hits received and what was left out (as warnings). */
    public record Round(float[] vector, List<HitWeight> weights, List<String> warnings) {}

    /** q' after the last round, every round's weights, the warnings, and the time spent in the strategies. */
    public record Outcome(float[] vector, List<List<HitWeight>> rounds, List<String> warnings, long feedbackNanos) {}

    private final int rounds;
    private final Strategy strategy;
    private final Ranking ranking;
    private final Callback<Outcome> done;
    private final List<List<HitWeight>> weights = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private long feedbackNanos;

    private FeedbackLoop(int rounds, Strategy strategy, Ranking ranking, Callback<Outcome> done) {
        this.rounds = rounds;
        this.strategy = strategy;
        this.ranking = ranking;
        this.done = done;
    }

    /**
     * Runs {@code rounds} rounds from q and its first ranking (at least {@link Strategy#depth()} hits where the
     * collection has them). An empty first ranking (nothing matched) ends at q with no rounds, as kNN would.
     */
    public static void run(
            float[] query,
            List<Hit> firstRanking,
            int rounds,
            Strategy strategy,
            Ranking ranking,
            Callback<Outcome> done) {
        if (rounds < 1) {
            throw new IllegalArgumentException("[rounds] must be >= 1, got [" + rounds + "]");
        }
        FeedbackLoop loop = new FeedbackLoop(rounds, strategy, ranking, done);
        if (firstRanking.isEmpty()) {
            done.onResponse(loop.outcome(query));
        } else {
            loop.round(1, query, firstRanking);
        }
    }

    private void round(int round, float[] query, List<Hit> hits) {
        long start = System.nanoTime();
        try {
            strategy.refine(
                    round,
                    query,
                    hits,
                    Callback.of(
                            r -> {
                                // the summarizer's time includes its queue on the pool
                                feedbackNanos += System.nanoTime() - start;
                                weights.add(r.weights());
                                warnings.addAll(r.warnings());
                                if (round == rounds) {
                                    done.onResponse(outcome(r.vector()));
                                } else {
                                    rank(r.vector(), next -> round(round + 1, r.vector(), next));
                                }
                            },
                            done::onFailure));
        } catch (RuntimeException e) {
            done.onFailure(e);
        }
    }

    private void rank(float[] vector, Consumer<List<Hit>> then) {
        try {
            ranking.rank(vector, strategy.depth(), Callback.of(then, done::onFailure));
        } catch (RuntimeException e) {
            done.onFailure(e);
        }
    }

    private Outcome outcome(float[] vector) {
        return new Outcome(vector, weights, warnings, feedbackNanos);
    }
}
