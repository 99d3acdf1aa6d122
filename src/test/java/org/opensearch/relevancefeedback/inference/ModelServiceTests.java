package org.opensearch.relevancefeedback.inference;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.hamcrest.Matchers.containsString;

public class ModelServiceTests extends LuceneTestCase {

    private static final Path CONFIG = Path.of("/etc/opensearch");
    private static final Path BUNDLED = Path.of("/usr/share/opensearch/plugins/relevance-feedback/models/emoji-clip");

    public void testModelPathStaysUnderTheConfigDirectory() throws Exception {
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

    /** config/linkmodel -> a directory elsewhere: the link is followed and refused. */
    public void testSymbolicLinkOutOfTheConfigDirectory() throws Exception {
        Path root = createTempDir();
        Path config = Files.createDirectories(root.resolve("config"));
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        Files.createDirectories(config.resolve("models/mine"));
        Files.createSymbolicLink(config.resolve("linkmodel"), elsewhere);
        Files.createSymbolicLink(config.resolve("inside"), config.resolve("models/mine"));
        assertEquals(config.resolve("models/mine"), ModelService.resolve("models/mine", config, BUNDLED));
        assertEquals("a link that stays inside is fine", config.resolve("inside"), ModelService.resolve("inside", config, BUNDLED));
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> ModelService.resolve("linkmodel", config, BUNDLED)).getMessage(),
            containsString("must be a directory under the config directory [" + config + "], got [linkmodel] (a link to [" + elsewhere.toRealPath() + "])")
        );
    }
}
