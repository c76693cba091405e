package dev.thinktune.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.thinktune.config.Help;

import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference page of the training config, {@code docs/config.md}: every key with its default (the
 * {@link dev.thinktune.config.Default} beside it, as {@link TrainConfig#defaults()} holds it) and its meaning (its
 * {@link Help}), a table per section. A test checks the committed page against this; {@link #main} writes it.
 */
public final class ConfigReference {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private ConfigReference() {
    }

    /** Prints the page: {@code java -cp "target/thinktune.jar:target/lib/*" dev.thinktune.train.ConfigReference > docs/config.md}. */
    public static void main(String[] args) {
        System.out.print(markdown());
    }

    /** The page's text. */
    public static String markdown() {
        StringBuilder sb = new StringBuilder("""
                # Training configuration reference

                Every key of a `train` config (YAML or JSON, snake_case), its default and what it means. Keys left out
                take their default; `--set key=value` overrides one from the command line (`--set training.steps=10`).
                Values are validated when the config is read, and errors name the key. Generated from the code by
                `java -cp "target/thinktune.jar:target/lib/*" dev.thinktune.train.ConfigReference > docs/config.md`;
                a test fails when this page and the code disagree.
                """);
        section(sb, "", TrainConfig.class, ConfigLoader.tree(TrainConfig.defaults()), false);
        return sb.toString();
    }

    private static void section(StringBuilder sb, String prefix, Class<?> type, JsonNode defaults, boolean optional) {
        List<RecordComponent> nested = new ArrayList<>();
        sb.append("\n## ").append(prefix.isEmpty() ? "Top level" : "`" + prefix + "`").append("\n\n");
        if (optional) {
            sb.append("Absent by default. Setting any of its keys (in the file, or one `--set`) turns it on with the"
                    + " defaults below for the others.\n\n");
        }
        StringBuilder rows = new StringBuilder();
        for (RecordComponent c : type.getRecordComponents()) {
            String key = SNAKE.translate(c.getName());
            if (!defaults.has(key)) {
                throw new IllegalStateException(type.getSimpleName() + "." + c.getName() + ": no key '" + key
                        + "' in the defaults");
            }
            if (c.getType().isRecord()) {
                nested.add(c);
                continue;
            }
            Help help = c.getAnnotation(Help.class);
            if (help == null) {
                throw new IllegalStateException(type.getName() + "." + c.getName() + " has no @Help");
            }
            rows.append("| `").append(prefix.isEmpty() ? key : prefix + "." + key).append("` | ")
                    .append(value(defaults.get(key))).append(" | ").append(text(help.value())).append(" |\n");
        }
        if (!rows.isEmpty()) {
            sb.append("| key | default | meaning |\n|---|---|---|\n").append(rows);
        } else {
            sb.append("Sections only.\n");
        }
        for (RecordComponent c : nested) {
            String key = SNAKE.translate(c.getName());
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            JsonNode d = defaults.get(key);
            boolean off = d == null || d.isNull();
            section(sb, path, c.getType(), off ? ConfigLoader.OPTIONAL_SECTIONS.get(path) : d, off);
        }
    }

    private static String value(JsonNode v) {
        if (v == null || v.isNull()) {
            return "(none)";
        }
        if (v.isTextual()) {
            return v.asText().isEmpty() ? "`\"\"`" : "`" + v.asText().replace("|", "\\|") + "`";
        }
        try {
            return "`" + JSON.writeValueAsString(v).replace("|", "\\|") + "`";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Javadoc markup as Markdown. */
    private static String text(String help) {
        return help.replaceAll("\\{@code ([^}]*)}", "`$1`").replaceAll("\\{@link #?([^}]*)}", "`$1`")
                .replace("|", "\\|");
    }
}
