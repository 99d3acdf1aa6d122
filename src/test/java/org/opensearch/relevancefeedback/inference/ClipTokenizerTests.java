package org.opensearch.relevancefeedback.inference;

import java.nio.file.Path;
import org.apache.lucene.tests.util.LuceneTestCase;

public class ClipTokenizerTests extends LuceneTestCase {

    static final Path MODEL = Path.of("models/emoji-clip");

    public void testClipReferenceAndTruncation() throws Exception {
        try (ClipTokenizer tok = new ClipTokenizer(MODEL.resolve("tokenizer.json"), 77)) {
            assertArrayEquals(new long[] {49406, 320, 1125, 539, 320, 2368, 49407}, tok.encode("a photo of a cat"));
            assertArrayEquals(tok.encode("a photo of a cat"), tok.encode("  A   PHOTO of a\tcat "));
            long[] ids = tok.encode("heart ".repeat(100));
            assertEquals(77, ids.length);
            assertEquals(49406, ids[0]);
            assertEquals(49407, ids[76]);
        }
    }
}
