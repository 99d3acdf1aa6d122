package org.opensearch.relevancefeedback.query;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.opensearch.action.search.SearchPhaseExecutionException;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.common.document.DocumentField;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.relevancefeedback.feedback.AttentiveFeedback;
import org.opensearch.relevancefeedback.feedback.AttentiveStrategy;
import org.opensearch.relevancefeedback.feedback.ExplicitFeedback;
import org.opensearch.relevancefeedback.feedback.FeedbackLoop;
import org.opensearch.relevancefeedback.feedback.HitWeight;
import org.opensearch.relevancefeedback.feedback.PseudoStrategy;
import org.opensearch.relevancefeedback.inference.FeedbackSummarizer;
import org.opensearch.relevancefeedback.inference.Inference;
import org.opensearch.search.SearchHit;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.transport.client.Client;

/**
 * Relevance feedback on the coordinating node. Every pass is an ordinary search over the request's targets
 * (same indices, routing, preference), so the feedback always sees the GLOBAL ranking: results do not depend on
 * the number of shards or nodes. Vectors and token blocks of the feedback hits are read from the index (the search's
 * {@code fields} option: vector values, doc values), so they may be left out of {@code _source}.
 *
 * <p>Flow: first pass -> round 1 refines q from its top hits -> a pass with q' -> round 2 ... -> after the last
 * round, retrieve mode runs a final pass of size k with q'; rescore mode leaves scoring the first-pass hits by q'
 * to the caller. The rounds are {@link FeedbackLoop} with a strategy of the {@code feedback} package; this class
 * supplies the passes (its ranking callback), the hits' fields and the final pass.
 */
public final class FeedbackSearch {

    /**
     * The models, the one that runs (null: the node's default) and the query text's word tokens (none for a query by
     * image or by example documents): what strategies afs / afs_prf need besides the hits.
     */
    public record SummarizerInput(Inference inference, String model, float[][] queryTokens) {}

    /**
     * What a run produced: q', the final hits (retrieve) or the first-pass candidates (rescore), and the why. Hits are
     * null when the caller's own search runs the final kNN pass with q'.
     */
    public record Result(
            float[] vector,
            List<FinalHitsQueryBuilder.FinalHit> hits,
            List<List<HitWeight>> rounds,
            Map<String, Float> firstPassScores,
            List<String> warnings,
            List<Long> passNanos,
            long feedbackNanos,
            long encodeNanos) {
        /** q alone, nothing searched yet: the caller's search is the only pass. */
        static Result unranked(float[] vector) {
            return new Result(vector, null, List.of(), Map.of(), List.of(), List.of(), 0, 0);
        }

        /** The same result, with the time the query's text encoding took (the caller encodes before the search). */
        Result withEncodeNanos(long nanos) {
            return new Result(vector, hits, rounds, firstPassScores, warnings, passNanos, feedbackNanos, nanos);
        }
    }

    private final Client client;
    private final SearchRequest original;
    private final FeedbackSpec spec;
    private final String field;
    /** Where explicit feedback reads the marked documents' vectors: the caption field when given, else {@code field}. */
    private final String explicitField;

    private final QueryBuilder firstPass;
    private final int firstPassSize;
    private final KnnSpec retrieve;
    /** Retrieve mode: the caller's search is the final pass, so a run ends at q'. */
    private final boolean outerFinalPass;
    /** How pseudo feedback refines q (null: explicit feedback or none). */
    private final FeedbackLoop.Strategy strategy;
    /** What the feedback passes read from the hits (the search's {@code fields} option). */
    private final List<String> feedbackFields;
    /** Wall time of every search pass as the coordinator saw it, first pass first. */
    private final List<Long> passNanos = new ArrayList<>();

    private final Map<String, Float> firstPassScores = new LinkedHashMap<>();
    private List<FinalHitsQueryBuilder.FinalHit> candidates;

    /**
     * @param spec the feedback; null for {@link #firstPassOnly}
     * @param field the vector field q lives in: rescore mode scores it, PRF and explicit (without caption field) read
     *        their feedback vectors from it, GRF from the caption field
     * @param firstPass the query of the first pass, run with {@code firstPassSize}; its hits are the rescore candidates
     * @param retrieve retrieve mode: field, k (the final size), num_candidates and filter of the kNN passes with q';
     *        null: rescore mode
     * @param outerFinalPass retrieve mode: end at q' without the final pass, the caller's search runs it
     * @param summarizer for strategies afs / afs_prf, else null
     */
    public FeedbackSearch(
            Client client,
            SearchRequest original,
            FeedbackSpec spec,
            String field,
            QueryBuilder firstPass,
            int firstPassSize,
            KnnSpec retrieve,
            boolean outerFinalPass,
            SummarizerInput summarizer) {
        this.client = client;
        this.original = original;
        this.spec = spec;
        this.field = field;
        this.explicitField = spec != null && spec.captionField() != null ? spec.captionField() : field;
        this.firstPass = firstPass;
        this.firstPassSize = firstPassSize;
        this.retrieve = retrieve;
        this.outerFinalPass = outerFinalPass;
        this.strategy = spec == null
                ? null
                : strategy(
                        spec,
                        field,
                        summarizer == null ? null : model(summarizer.inference(), summarizer.model()),
                        summarizer == null ? null : summarizer.queryTokens());
        this.feedbackFields = strategy != null ? strategy.fields() : List.of(explicitField);
    }

    /**
     * The request's pseudo-feedback strategy as a type of the round loop; null for explicit feedback.
     *
     * @param model the summarizer (strategies afs / afs_prf, else unused)
     * @param queryTokens the query text's word tokens the summarizer reads (afs / afs_prf, else unused)
     */
    static FeedbackLoop.Strategy strategy(
            FeedbackSpec spec, String field, AttentiveStrategy.Model model, float[][] queryTokens) {
        return switch (spec.strategy()) {
            case PRF, GRF -> pseudo(spec, field);
            case AFS, AFS_PRF -> {
                FeedbackSpec.Afs afs = spec.afs();
                Map<String, List<AttentiveFeedback.Box>> regions = afs.regions().stream()
                        .collect(Collectors.groupingBy(
                                FeedbackSpec.Region::id,
                                LinkedHashMap::new,
                                Collectors.mapping(FeedbackSpec.Region::box, Collectors.toList())));
                boolean captions = spec.strategy() == FeedbackSpec.Strategy.AFS;
                yield new AttentiveStrategy(
                        model,
                        field,
                        afs.imageTokensField(),
                        captions ? spec.captionField() : null,
                        captions ? afs.captionTokensField() : null,
                        spec.topK(),
                        spec.params(),
                        queryTokens,
                        regions,
                        afs.regionFactor(),
                        afs.saliency());
            }
            case EXPLICIT, NONE -> null;
        };
    }

    /** PRF over {@code field}'s vectors or GRF over the caption field's, as the request's spec sets them. */
    static PseudoStrategy pseudo(FeedbackSpec spec, String field) {
        boolean captions = spec.strategy() == FeedbackSpec.Strategy.GRF && spec.captionField() != null;
        return new PseudoStrategy(
                spec.strategy().label(),
                captions ? spec.captionField() : field,
                captions ? "feedback.caption_field" : "field",
                spec.rocchio(),
                spec.topK(),
                spec.window(),
                spec.params());
    }

    /**
     * The summarizer of {@code model} (null: the node's default) on the node's inference pool, its memory accounted to
     * the relevance_feedback breaker.
     */
    static AttentiveStrategy.Model model(Inference inference, String model) {
        return new AttentiveStrategy.Model() {
            @Override
            public int imageTokens() {
                return inference.summarizerImageTokens(model);
            }

            @Override
            public Runnable reserve(long bytes, String what) {
                CircuitBreaker breaker = inference.breaker();
                breaker.addEstimateBytesAndMaybeBreak(bytes, what);
                return () -> breaker.addWithoutBreaking(-bytes);
            }

            @Override
            public void summarize(
                    float[][] query,
                    List<float[][]> captions,
                    List<float[][]> images,
                    List<float[]> imageBias,
                    FeedbackLoop.Callback<FeedbackSummarizer.Output> then) {
                inference.summarize(
                        model,
                        query,
                        captions,
                        images,
                        imageBias,
                        ActionListener.wrap(then::onResponse, then::onFailure));
            }
        };
    }

    /** No feedback: the first pass is the result. */
    void firstPassOnly(float[] query, ActionListener<Result> listener) {
        search(
                firstPass,
                firstPassSize,
                false,
                ActionListener.wrap(
                        hits -> listener.onResponse(result(query, finalHits(hits), null)), listener::onFailure));
    }

    /** Runs the rounds; the caller has checked the limits ({@link FeedbackSpec#checkLimits}). */
    public void run(float[] query, ActionListener<Result> listener) {
        search(
                firstPass,
                firstPassSize,
                strategy != null,
                ActionListener.wrap(
                        hits -> {
                            candidates = finalHits(hits);
                            for (SearchHit hit : hits) {
                                firstPassScores.put(key(hit.getIndex(), hit.getId()), hit.getScore());
                            }
                            FeedbackLoop.Callback<FeedbackLoop.Outcome> done =
                                    FeedbackLoop.Callback.of(o -> finish(o, listener), listener::onFailure);
                            if (strategy != null) {
                                FeedbackLoop.run(query, feedbackHits(hits), spec.rounds(), strategy, this::rank, done);
                            } else {
                                explicit(query, done);
                            }
                        },
                        listener::onFailure));
    }

    /** The round loop's ranking: a pass with q' that returns the feedback fields. */
    private void rank(float[] vector, int size, FeedbackLoop.Callback<List<FeedbackLoop.Hit>> then) {
        pass(vector, size, true, ActionListener.wrap(hits -> then.onResponse(feedbackHits(hits)), then::onFailure));
    }

    /** Explicit feedback: the marked documents' vectors, the same in every round. */
    private void explicit(float[] query, FeedbackLoop.Callback<FeedbackLoop.Outcome> done) {
        if (spec.relevant().isEmpty() && spec.nonRelevant().isEmpty()) {
            done.onResponse(new FeedbackLoop.Outcome(
                    query, List.of(), List.of(), 0)); // by words only: the caller mixed them into q
            return;
        }
        List<String> ids = new ArrayList<>(spec.relevant());
        ids.addAll(spec.nonRelevant());
        QueryBuilder byId = QueryBuilders.idsQuery().addIds(ids.toArray(String[]::new));
        // An _id may exist in more than one target index: every copy counts.
        search(
                byId,
                10 * ids.size(),
                true,
                ActionListener.wrap(
                        hits -> {
                            List<FeedbackLoop.Hit> rel = new ArrayList<>();
                            List<FeedbackLoop.Hit> nonRel = new ArrayList<>();
                            Set<String> found = new HashSet<>();
                            for (FeedbackLoop.Hit hit : feedbackHits(hits)) {
                                found.add(hit.id());
                                (spec.relevant().contains(hit.id()) ? rel : nonRel).add(hit);
                                if (spec.relevant().contains(hit.id())
                                        && spec.nonRelevant().contains(hit.id())) {
                                    throw new IllegalArgumentException("document [" + hit.id()
                                            + "] is in both [feedback.relevant] and [feedback.non_relevant]");
                                }
                            }
                            List<String> missing = ids.stream()
                                    .filter(id -> found.contains(id) == false)
                                    .toList();
                            if (missing.isEmpty() == false) {
                                throw new IllegalArgumentException(
                                        "[feedback.relevant] / [feedback.non_relevant]: no documents with ids "
                                                + missing);
                            }
                            done.onResponse(ExplicitFeedback.rounds(
                                    query, rel, nonRel, explicitField, spec.rounds(), spec.rocchio(), spec.params()));
                        },
                        done::onFailure));
    }

    private void finish(FeedbackLoop.Outcome outcome, ActionListener<Result> listener) {
        float[] refined = outcome.vector();
        if (retrieve == null) {
            listener.onResponse(result(refined, candidates, outcome));
        } else if (outerFinalPass) {
            listener.onResponse(result(refined, null, outcome));
        } else {
            pass(
                    refined,
                    retrieve.k(),
                    false,
                    ActionListener.wrap(
                            hits -> listener.onResponse(result(refined, finalHits(hits), outcome)),
                            listener::onFailure));
        }
    }

    private Result result(float[] refined, List<FinalHitsQueryBuilder.FinalHit> hits, FeedbackLoop.Outcome outcome) {
        if (outcome == null) {
            return new Result(refined, hits, List.of(), firstPassScores, List.of(), passNanos, 0, 0);
        }
        return new Result(
                refined,
                hits,
                outcome.rounds(),
                firstPassScores,
                outcome.warnings(),
                passNanos,
                outcome.feedbackNanos(),
                0);
    }

    /** A ranking pass with a refined vector: a new kNN (retrieve) or the candidates re-scored by it (rescore). */
    private void pass(float[] vector, int size, boolean withVectors, ActionListener<SearchHit[]> listener) {
        QueryBuilder query;
        if (retrieve != null) {
            query = new KnnQueryBuilder(retrieve.sized(vector, size));
        } else {
            query = new FinalHitsQueryBuilder(
                    candidates, "rescore", new FinalHitsQueryBuilder.VectorScoring(field, vector));
            size = Math.min(size, Math.max(1, candidates.size()));
        }
        search(query, size, withVectors, listener);
    }

    /** One search over the request's targets; the hits in {@link #RANKING} order. */
    private void search(QueryBuilder query, int size, boolean withVectors, ActionListener<SearchHit[]> listener) {
        SearchSourceBuilder source =
                new SearchSourceBuilder().query(query).size(size).trackTotalHits(false);
        source.fetchSource(false);
        if (withVectors) {
            for (String field : feedbackFields) {
                source.fetchField(field);
            }
        }
        SearchRequest request = new SearchRequest(original.indices())
                .source(source)
                .indicesOptions(original.indicesOptions())
                .routing(original.routing())
                .preference(original.preference());
        long start = System.nanoTime();
        client.search(
                request,
                ActionListener.wrap(
                        response -> {
                            passNanos.add(System.nanoTime() - start);
                            failOnShardFailures(response);
                            SearchHit[] hits = response.getHits().getHits().clone();
                            Arrays.sort(hits, RANKING);
                            listener.onResponse(hits);
                        },
                        listener::onFailure));
    }

    /**
     * Hits with exactly equal scores (identical vectors) come back in shard order, which depends on the shard layout;
     * ranked by index and id instead, the top K that feedback reads is the same for 1, 3 or 5 shards. Ids that are both
     * numbers compare as numbers, so documents with sequential ids keep their indexing order.
     */
    static final Comparator<SearchHit> RANKING = Comparator.comparingDouble((SearchHit h) -> -h.getScore())
            .thenComparing(SearchHit::getIndex)
            .thenComparing(SearchHit::getId, FeedbackSearch::compareIds);

    static int compareIds(String a, String b) {
        boolean numbers = a.length() < 19
                && b.length() < 19
                && a.chars().allMatch(Character::isDigit)
                && b.chars().allMatch(Character::isDigit);
        return numbers && a.isEmpty() == false && b.isEmpty() == false
                ? Long.compare(Long.parseLong(a), Long.parseLong(b))
                : a.compareTo(b);
    }

    /** A partial pass would be a silently wrong ranking, so any shard failure fails the query. */
    static void failOnShardFailures(SearchResponse response) {
        if (response.getShardFailures().length > 0) {
            throw new SearchPhaseExecutionException(
                    "query",
                    "[" + RelevanceFeedbackQueryBuilder.NAME + "] a search pass failed on "
                            + response.getShardFailures().length + " shard(s)",
                    response.getShardFailures());
        }
    }

    static List<FinalHitsQueryBuilder.FinalHit> finalHits(SearchHit[] hits) {
        List<FinalHitsQueryBuilder.FinalHit> out = new ArrayList<>();
        for (SearchHit hit : hits) {
            out.add(new FinalHitsQueryBuilder.FinalHit(
                    hit.getIndex(), hit.getShard().getShardId().id(), hit.getId(), hit.getScore()));
        }
        return out;
    }

    static String key(String index, String id) {
        return index + "/" + id;
    }

    private static List<FeedbackLoop.Hit> feedbackHits(SearchHit[] hits) {
        return Arrays.stream(hits).<FeedbackLoop.Hit>map(IndexedHit::new).toList();
    }

    /** A search hit as feedback reads it: the values of the search's {@code fields} option, read from the index. */
    private record IndexedHit(SearchHit hit) implements FeedbackLoop.Hit {
        @Override
        public String index() {
            return hit.getIndex();
        }

        @Override
        public String id() {
            return hit.getId();
        }

        @Override
        public float[] vector(String field) {
            return vectorOf(hit, field);
        }

        /** The bytes an rf_tokens field returns, or base64 from a field that returns its source (e.g. binary). */
        @Override
        public byte[] tokens(String field) {
            DocumentField values = hit.field(field);
            if (values == null || values.getValues().isEmpty()) {
                return null;
            }
            return switch (values.getValue()) {
                case byte[] block -> block;
                case String base64 -> Base64.getDecoder().decode(base64);
                default -> throw new IllegalArgumentException("not a token block");
            };
        }
    }

    /**
     * The vector in {@code path} as the search's {@code fields} option returned it (read from the index), or null when
     * the hit has none.
     */
    static float[] vectorOf(SearchHit hit, String path) {
        DocumentField field = hit.field(path);
        if (field == null || field.getValues().isEmpty()) {
            return null;
        }
        List<Object> values = field.getValues();
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            if (values.get(i) instanceof Number n) {
                out[i] = n.floatValue();
            } else {
                return null;
            }
        }
        return out;
    }
}
