package org.opensearch.relevancefeedback.inference;

import org.opensearch.core.action.ActionListener;

import java.util.List;

/** Encodes texts asynchronously (on the inference pool); what queries with {@code text} use. */
@FunctionalInterface
public interface TextEncoder {
    void encode(List<String> texts, ActionListener<float[][]> listener);
}
