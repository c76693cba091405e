package dev.thinktune.teacher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The teacher prompts of the four behaviours. The built-in set lives in the resources
 * {@code dev/thinktune/teacher/prompts/<behavior-id>.md} (format: {@link PromptFile}); a run replaces any of them
 * with files {@code <behavior-id>.md} (or {@code .txt}) from a directory, the {@code guidance.teacher.prompts}
 * setting. Behaviours the directory has no file for keep their built-in prompt ({@link #sources} says which
 * file each came from). A directory without any prompt file, or with a file named for no behaviour, is refused,
 * since either is most likely a mistyped path or name.
 */
public final class PromptSet {

    /** The classpath folder of the built-in prompts. */
    public static final String RESOURCE_FOLDER = "/dev/thinktune/teacher/prompts/";
    private static final List<String> EXTENSIONS = List.of(".md", ".txt");

    private final Map<Behavior, BehaviorPrompt> prompts;

    private PromptSet(Map<Behavior, BehaviorPrompt> prompts) {
        this.prompts = Collections.unmodifiableMap(new EnumMap<>(prompts));
        for (Behavior b : Behavior.values()) {
            Objects.requireNonNull(this.prompts.get(b), () -> "no prompt for " + b.id());
        }
    }

    /** A set from given prompts, one per behaviour (tests, programmatic prompts). */
    public static PromptSet of(Map<Behavior, BehaviorPrompt> prompts) {
        return new PromptSet(prompts);
    }

    /** The prompts shipped with thinktune. */
    public static PromptSet builtIn() {
        EnumMap<Behavior, BehaviorPrompt> m = new EnumMap<>(Behavior.class);
        for (Behavior b : Behavior.values()) {
            String resource = RESOURCE_FOLDER + b.id() + ".md";
            try (InputStream in = PromptSet.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("built-in teacher prompt " + resource + " is missing");
                }
                m.put(b, PromptFile.parse(b, "classpath:" + resource,
                        new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
        return new PromptSet(m);
    }

    /** The built-in prompts with those of {@code dir} in their place (see the class comment). */
    public static PromptSet load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new PromptFormatException("teacher prompts directory " + dir + " does not exist");
        }
        List<String> allowed = new ArrayList<>();
        for (Behavior b : Behavior.values()) {
            EXTENSIONS.forEach(ext -> allowed.add(b.id() + ext));
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> unknown = files.map(p -> p.getFileName().toString())
                    .filter(n -> EXTENSIONS.stream().anyMatch(n::endsWith))
                    .filter(n -> !allowed.contains(n)).sorted().toList();
            if (!unknown.isEmpty()) {
                throw new PromptFormatException(dir + ": " + unknown + " name no behaviour; prompt files are "
                        + Arrays.stream(Behavior.values()).map(b -> b.id() + ".md").collect(Collectors.joining(", ")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        EnumMap<Behavior, BehaviorPrompt> m = new EnumMap<>(builtIn().prompts);
        int replaced = 0;
        for (Behavior b : Behavior.values()) {
            List<Path> found = EXTENSIONS.stream().map(ext -> dir.resolve(b.id() + ext))
                    .filter(Files::isRegularFile).toList();
            if (found.size() > 1) {
                throw new PromptFormatException(dir + ": both " + found.get(0).getFileName() + " and "
                        + found.get(1).getFileName() + " for " + b.id() + "; keep one");
            }
            if (found.size() == 1) {
                Path file = found.get(0);
                try {
                    m.put(b, PromptFile.parse(b, file.toString(), Files.readString(file, StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read teacher prompt " + file, e);
                }
                replaced++;
            }
        }
        if (replaced == 0) {
            throw new PromptFormatException(dir + " holds no teacher prompt file (" + Behavior.SELF_CRITIQUE.id()
                    + ".md and the like)");
        }
        return new PromptSet(m);
    }

    /** The set a {@code guidance.teacher.prompts} setting names: blank for the built-in set, else a directory. */
    public static PromptSet fromSetting(String promptsDir) {
        return promptsDir == null || promptsDir.isBlank() ? builtIn() : load(Path.of(promptsDir.strip()));
    }

    public BehaviorPrompt get(Behavior behavior) {
        return prompts.get(behavior);
    }

    /** Where each behaviour's prompt was read from. */
    public Map<Behavior, String> sources() {
        EnumMap<Behavior, String> m = new EnumMap<>(Behavior.class);
        prompts.forEach((b, p) -> m.put(b, p.source()));
        return Collections.unmodifiableMap(m);
    }

    @Override
    public String toString() {
        return "teacher prompts " + sources();
    }
}
