package dev.thinktune.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/config.md is what the code says: every key, its default and its meaning. */
class ConfigReferenceTest {

    @Test
    void theCommittedPageIsTheGeneratedOne() throws Exception {
        String committed = Files.readString(Path.of("docs/config.md"));
        assertEquals(ConfigReference.markdown(), committed, "docs/config.md is out of date; regenerate it with "
                + "java -cp \"target/thinktune.jar:target/lib/*\" dev.thinktune.train.ConfigReference > docs/config.md");
    }

    @Test
    void everyKeyOfTheDefaultsAndOfTheOptionalSectionsHasARowWithItsDefault() {
        String page = ConfigReference.markdown();
        List<String> keys = new ArrayList<>();
        leaves("", ConfigLoader.tree(TrainConfig.defaults()), keys);
        ConfigLoader.OPTIONAL_SECTIONS.forEach((path, node) -> leaves(path + ".", node, keys));
        assertTrue(keys.size() > 70, "keys found: " + keys.size());
        for (String key : keys) {
            assertTrue(page.contains("| `" + key + "` | "), "no row for " + key);
        }
        assertTrue(page.contains("| `training.steps` | `50` | training steps"), "a default and its meaning");
        assertTrue(page.contains("| `model.lora.r` | `16` |"), "an optional section's default");
    }

    /** Every scalar or list under {@code node}, as dotted keys (a null section is an optional one, listed apart). */
    private static void leaves(String prefix, JsonNode node, List<String> out) {
        node.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v instanceof ObjectNode) {
                leaves(prefix + e.getKey() + ".", v, out);
            } else if (!v.isNull()) {
                out.add(prefix + e.getKey());
            }
        });
    }
}
