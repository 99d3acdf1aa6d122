package org.opensearch.relevancefeedback.inference;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * CLIP BPE through the Hugging Face tokenizers library (DJL binding) on the model's {@code tokenizer.json}.
 * Truncation rule: at most {@code maxLength} ids including the start and end tokens; longer texts lose their
 * tail words, never the end token (the text tower pools at the end token).
 */
public final class ClipTokenizer implements Closeable {

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;

    public ClipTokenizer(Path tokenizerJson, int maxLength) throws IOException {
        this.maxLength = maxLength;
        this.tokenizer = HuggingFaceTokenizer.newInstance(
                tokenizerJson,
                Map.of(
                        "addSpecialTokens",
                        "true",
                        "truncation",
                        "true",
                        "maxLength",
                        Integer.toString(maxLength),
                        "padding",
                        "false"));
    }

    public int maxLength() {
        return maxLength;
    }

    /** Token ids of one text, start and end tokens included. */
    public long[] encode(String text) {
        Encoding encoding = tokenizer.encode(text);
        return encoding.getIds();
    }

    /** The BPE tokens of one text as strings, the same ones {@link #encode} gives ids of ("</w>" ends a word). */
    public String[] tokens(String text) {
        return tokenizer.encode(text).getTokens();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
