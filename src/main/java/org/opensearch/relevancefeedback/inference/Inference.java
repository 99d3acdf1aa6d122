package org.opensearch.relevancefeedback.inference;

import org.opensearch.core.action.ActionListener;

import java.util.List;

/** What queries ask of the node's model; both run asynchronously on the inference pool. */
public interface Inference {

    /** Embeddings and word tokens of texts (one batch): the query text, explicit feedback words. */
    void encodeTexts(List<String> texts, ActionListener<ClipEncoder.Encoded> listener);

    /** One Attentive Feedback Summarizer pass, see {@link FeedbackSummarizer#summarize}. */
    void summarize(
        float[][] query,
        List<float[][]> captions,
        List<float[][]> images,
        List<float[]> imageBias,
        ActionListener<FeedbackSummarizer.Output> listener
    );
}
