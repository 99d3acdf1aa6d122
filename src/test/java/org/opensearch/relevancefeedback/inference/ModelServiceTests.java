package org.opensearch.relevancefeedback.inference;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.file.Path;

import static org.hamcrest.Matchers.containsString;

public class ModelServiceTests extends LuceneTestCase {

    private static final Path CONFIG = Path.of("/etc/opensearch");
    private static final Path BUNDLED = Path.of("/usr/share/opensearch/plugins/relevance-feedback/models/emoji-clip");

    public void testModelPathStaysUnderTheConfigDirectory() {
        assertEquals(BUNDLED, ModelService.resolve("", CONFIG, BUNDLED));
        assertEquals(Path.of("/etc/opensearch/models/mine"), ModelService.resolve("models/mine", CONFIG, BUNDLED));
        assertEquals(Path.of("/etc/opensearch/mine"), ModelService.resolve("models/../mine", CONFIG, BUNDLED));
        for (String bad : new String[] { "../secrets", "models/../../x", "/tmp/model" }) {
            assertThat(
                expectThrows(IllegalArgumentException.class, () -> ModelService.resolve(bad, CONFIG, BUNDLED)).getMessage(),
                containsString("must be a directory under the config directory")
            );
        }
    }
}
