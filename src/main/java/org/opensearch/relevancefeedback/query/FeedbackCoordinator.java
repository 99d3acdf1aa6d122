package org.opensearch.relevancefeedback.query;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.core.action.ActionListener;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.relevancefeedback.feedback.Rocchio;
import org.opensearch.relevancefeedback.inference.ClipEncoder;
import org.opensearch.relevancefeedback.inference.Inference;
import org.opensearch.transport.client.Client;

/**
 * What the {@code relevance_feedback} query, its rescorer and the feedback endpoint do on the coordinating node before
 * their first search pass, in one place: check the request's limits, pick the model, encode the query text and the
 * feedback texts (one batch) and the image, or read the example documents' vectors, and compose q. Each runs once per
 * request; the passes and rounds that follow are {@link FeedbackSearch}.
 */
public final class FeedbackCoordinator {

    /**
     * q, the model that encoded it (null: the node's default), the feedback texts' vectors, the query text's word
     * tokens (none without text) and the time the encoding took.
     */
    public record Resolved(
            float[] vector, String model, float[][] feedbackTexts, float[][] queryTokens, long encodeNanos) {}

    /** The node's models; null in unit tests, where nothing can be encoded. */
    private final Inference inference;

    private final Client client;
    private final SearchRequest request;

    public FeedbackCoordinator(Inference inference, Client client, SearchRequest request) {
        this.inference = inference;
        this.client = client;
        this.request = request;
    }

    /**
     * @param field the vector field searched: the model bound to it encodes, example documents are read from it
     * @param vector the query vector, or null when {@code input} gives q; with a vector, {@code input.text()} only
     *        supplies the words the summarizer reads (the rescorer's {@code text})
     * @param feedback the feedback (null: none); its limits are checked before anything is encoded
     */
    public void resolve(
            String field, float[] vector, QueryInput input, FeedbackSpec feedback, ActionListener<Resolved> listener) {
        List<String> texts = new ArrayList<>();
        if (input.text() != null) {
            texts.add(input.text());
        }
        if (feedback != null) {
            texts.addAll(feedback.texts());
        }
        boolean runsModel = texts.isEmpty() == false
                || input.image() != null
                || (feedback != null && feedback.strategy().attentive());
        String model = input.model();
        try {
            RelevanceFeedbackSettings.FeedbackLimits limits = Inference.limits(inference);
            if (feedback != null) {
                feedback.checkLimits(limits);
            }
            if (input.like() != null) {
                LikeDocuments.checkLimit(input.like(), limits);
            }
            if (inference == null && (texts.isEmpty() == false || input.image() != null)) {
                throw new IllegalArgumentException("[text] and [image] need the model, which is not available here");
            }
            if (inference != null && runsModel) {
                model = inference.model(input.model(), field, request);
            }
        } catch (IllegalArgumentException e) {
            listener.onFailure(e);
            return;
        }
        long start = System.nanoTime();
        String chosen = model;
        ActionListener<ClipEncoder.Encoded> encodedTexts = ActionListener.wrap(
                encoded -> reference(
                        field,
                        input,
                        chosen,
                        ActionListener.wrap(
                                reference -> {
                                    int words = input.text() == null ? 0 : 1;
                                    float[][] vectors = encoded == null ? new float[0][] : encoded.embeds();
                                    float[] q = vector;
                                    if (reference != null) {
                                        q = words == 0 ? reference : Rocchio.mix(reference, vectors[0], input.weight());
                                    } else if (words == 1 && vector == null) {
                                        q = vectors[0];
                                    }
                                    listener.onResponse(new Resolved(
                                            q,
                                            chosen,
                                            Arrays.copyOfRange(vectors, words, vectors.length),
                                            words == 1 ? encoded.tokens()[0] : new float[0][],
                                            System.nanoTime() - start));
                                },
                                listener::onFailure)),
                listener::onFailure);
        if (texts.isEmpty()) {
            encodedTexts.onResponse(null);
        } else {
            inference.encodeTexts(model, texts, encodedTexts);
        }
    }

    /** The reference vector: the encoded image, the examples' mean, or null when the input has neither. */
    private void reference(String field, QueryInput input, String model, ActionListener<float[]> listener) {
        if (input.image() != null) {
            inference.encodeImage(
                    model,
                    input.image(),
                    ActionListener.wrap(
                            listener::onResponse,
                            e -> listener.onFailure(
                                    e instanceof IllegalArgumentException
                                            ? new IllegalArgumentException("[image] " + e.getMessage(), e)
                                            : e)));
        } else if (input.like() != null) {
            LikeDocuments.vector(client, request, field, input.like(), listener);
        } else {
            listener.onResponse(null);
        }
    }

    /** What strategies afs / afs_prf need besides the hits; null for the other strategies and without feedback. */
    public FeedbackSearch.SummarizerInput summarizer(Resolved q, FeedbackSpec feedback) {
        return feedback != null && feedback.strategy().attentive()
                ? new FeedbackSearch.SummarizerInput(inference, q.model(), q.queryTokens())
                : null;
    }
}
