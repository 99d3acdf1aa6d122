package org.opensearch.relevancefeedback.inference;

import java.util.List;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;

/** What queries ask of the node's models; the model calls run asynchronously on the inference pool. */
public interface Inference {

    /**
     * The model a query on {@code field} uses: {@code requested} when the query names one, else the model the field is
     * bound to in the indices {@code request} targets, else null (the node's default). An IllegalArgumentException when
     * the query names a model the field is not bound to, or the indices bind the field to different models.
     */
    String model(String requested, String field, SearchRequest request);

    /**
     * How many shards {@code request} searches (its indices' shards, narrowed by routing and a {@code _shards}
     * preference): a query over one shard can run its feedback rounds inside that shard. -1 when that is not known
     * here (remote clusters, a missing index) or when a filtered alias narrows a target, which the rounds inside a
     * shard would not see.
     */
    int targetShards(SearchRequest request);

    /** Embeddings and word tokens of texts (one batch): the query text, explicit feedback words. */
    void encodeTexts(String model, List<String> texts, ActionListener<ClipEncoder.Encoded> listener);

    /**
     * The embedding of a query image given as base64 PNG / JPEG, decoded within the node's image limits (a bad or
     * oversized image is an IllegalArgumentException).
     */
    void encodeImage(String model, String base64, ActionListener<float[]> listener);

    /** One Attentive Feedback Summarizer pass, see {@link FeedbackSummarizer#summarize}. */
    void summarize(
            String model,
            float[][] query,
            List<float[][]> captions,
            List<float[][]> images,
            List<float[]> imageBias,
            ActionListener<FeedbackSummarizer.Output> listener);

    /**
     * The same pass on the calling thread, for a caller that would only wait for the pool: the rounds inside a shard's
     * query, on a search thread (the model still runs one call at a time).
     */
    FeedbackSummarizer.Output summarizeHere(
            String model, float[][] query, List<float[][]> captions, List<float[][]> images, List<float[]> imageBias);

    /**
     * Tokens per image block (CLS + patches) the named model's summarizer reads; an IllegalArgumentException, the one
     * {@link #summarize} fails with, when the model has none.
     */
    int summarizerImageTokens(String model);

    /**
     * The node's {@code relevance_feedback} circuit breaker: what a request holds for the model (stored token blocks
     * as read, decoded and flattened into model inputs) is accounted to it, so an overloaded node answers 429 early.
     */
    CircuitBreaker breaker();

    /** The node's current request limits (cluster settings). */
    RelevanceFeedbackSettings.FeedbackLimits limits();

    /** The node's limits, or the settings' defaults where a builder has no node's model (unit tests). */
    static RelevanceFeedbackSettings.FeedbackLimits limits(Inference inference) {
        return inference == null ? RelevanceFeedbackSettings.FeedbackLimits.DEFAULTS : inference.limits();
    }
}
