package org.opensearch.relevancefeedback.inference;

import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;

import java.util.List;

/** What queries ask of the node's model; both run asynchronously on the inference pool. */
public interface Inference {

    /** Embeddings and word tokens of texts (one batch): the query text, explicit feedback words. */
    void encodeTexts(List<String> texts, ActionListener<ClipEncoder.Encoded> listener);

    /**
     * The embedding of a query image given as base64 PNG / JPEG, decoded within the node's image limits (a bad or
     * oversized image is an IllegalArgumentException).
     */
    void encodeImage(String base64, ActionListener<float[]> listener);

    /** One Attentive Feedback Summarizer pass, see {@link FeedbackSummarizer#summarize}. */
    void summarize(
        float[][] query,
        List<float[][]> captions,
        List<float[][]> images,
        List<float[]> imageBias,
        ActionListener<FeedbackSummarizer.Output> listener
    );

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
