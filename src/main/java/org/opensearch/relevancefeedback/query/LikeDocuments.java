package org.opensearch.relevancefeedback.query;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.opensearch.action.search.MultiSearchRequest;
import org.opensearch.action.search.MultiSearchResponse;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.core.action.ActionListener;
import org.opensearch.index.query.BoolQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.relevancefeedback.feedback.Rocchio;
import org.opensearch.search.SearchHit;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.transport.client.Client;

/**
 * A query by example documents ({@code like}): their stored vectors' normalized mean is the query vector, and the
 * examples are left out of the hits unless {@code include_like} is true.
 */
final class LikeDocuments {

    /** The examples count against the feedback window: both are documents read back for one query. */
    static void checkLimit(List<QueryInput.Example> like, RelevanceFeedbackSettings.FeedbackLimits limits) {
        int max = limits.maxWindow();
        if (like.size() > max) {
            throw new IllegalArgumentException("[like] must list <= " + max + " documents (setting ["
                    + RelevanceFeedbackSettings.MAX_FEEDBACK_WINDOW.getKey() + "]), got [" + like.size() + "]");
        }
    }

    /**
     * Reads the examples' vectors in {@code field} from the index: plain ids from the search's own targets (every
     * copy of an id counts, as in explicit feedback), {@code {_index, _id}} from that index; one multi-search.
     */
    static void vector(
            Client client,
            SearchRequest original,
            String field,
            List<QueryInput.Example> like,
            ActionListener<float[]> listener) {
        Map<String, List<QueryInput.Example>> byIndex = new LinkedHashMap<>();
        like.forEach(
                e -> byIndex.computeIfAbsent(e.index(), i -> new ArrayList<>()).add(e));
        MultiSearchRequest multi = new MultiSearchRequest();
        for (Map.Entry<String, List<QueryInput.Example>> group : byIndex.entrySet()) {
            String[] ids = group.getValue().stream()
                    .map(QueryInput.Example::id)
                    .distinct()
                    .toArray(String[]::new);
            SearchSourceBuilder source = new SearchSourceBuilder()
                    .query(QueryBuilders.idsQuery().addIds(ids))
                    .size(10 * ids.length)
                    .fetchSource(false)
                    .fetchField(field)
                    .trackTotalHits(false);
            SearchRequest request = group.getKey() == null
                    ? new SearchRequest(original.indices())
                            .indicesOptions(original.indicesOptions())
                            .routing(original.routing())
                            .preference(original.preference())
                    : new SearchRequest(group.getKey());
            multi.add(request.source(source));
        }
        client.multiSearch(
                multi,
                ActionListener.wrap(
                        response -> listener.onResponse(mean(response, byIndex, original, field)),
                        listener::onFailure));
    }

    private static float[] mean(
            MultiSearchResponse response,
            Map<String, List<QueryInput.Example>> byIndex,
            SearchRequest original,
            String field)
            throws Exception {
        List<float[]> vectors = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, List<QueryInput.Example>> group : byIndex.entrySet()) {
            MultiSearchResponse.Item item = response.getResponses()[i++];
            if (item.isFailure()) {
                throw item.getFailure();
            }
            FeedbackSearch.failOnShardFailures(item.getResponse());
            Set<String> found = new HashSet<>();
            for (SearchHit hit : item.getResponse().getHits().getHits()) {
                found.add(hit.getId());
                float[] v = FeedbackSearch.vectorOf(hit, field);
                if (v == null) {
                    throw new IllegalArgumentException("[like] document [" + hit.getIndex() + "][" + hit.getId()
                            + "] has no [" + field + "] vector, so it cannot be a query");
                }
                vectors.add(v);
            }
            List<String> missing = group.getValue().stream()
                    .map(QueryInput.Example::id)
                    .filter(id -> found.contains(id) == false)
                    .toList();
            if (missing.isEmpty() == false) {
                String where =
                        group.getKey() == null ? Arrays.toString(original.indices()) : "[" + group.getKey() + "]";
                throw new IllegalArgumentException("[like] no documents with ids " + missing + " in " + where);
            }
        }
        return Rocchio.mean(vectors.toArray(float[][]::new));
    }

    /** The kNN filter that leaves the examples out of the hits (unless include_like), on top of the user's filter. */
    static QueryBuilder excluding(QueryBuilder filter, QueryInput input) {
        if (input.like() == null || Boolean.TRUE.equals(input.includeLike())) {
            return filter;
        }
        BoolQueryBuilder bool = QueryBuilders.boolQuery();
        if (filter != null) {
            bool.filter(filter);
        }
        String[] plain = input.like().stream()
                .filter(e -> e.index() == null)
                .map(QueryInput.Example::id)
                .toArray(String[]::new);
        if (plain.length > 0) {
            bool.mustNot(QueryBuilders.idsQuery().addIds(plain));
        }
        input.like().stream()
                .filter(e -> e.index() != null)
                .forEach(e -> bool.mustNot(QueryBuilders.boolQuery()
                        .filter(QueryBuilders.termQuery("_index", e.index()))
                        .filter(QueryBuilders.idsQuery().addIds(e.id()))));
        return bool;
    }

    private LikeDocuments() {}
}
