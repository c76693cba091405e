package dev.thinktune.teacher;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import dev.thinktune.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/** Builds the teacher a run's settings ask for. */
public final class TeacherFactory {

    /**
     * A model for the {@code local} teacher: its generator (which the teacher then owns and closes) and its
     * tokenizer. The trainer supplies one over a frozen copy of the initial student.
     */
    public record LocalModel(Generator generator, Tokenizer tokenizer) {
        public LocalModel {
            Objects.requireNonNull(generator, "generator");
            Objects.requireNonNull(tokenizer, "tokenizer");
        }
    }

    private TeacherFactory() {
    }

    /** A teacher that needs no student ({@code reference}, {@code openai}, {@code local} with a model path). */
    public static Teacher create(TeacherSettings settings) {
        return create(settings, null);
    }

    /**
     * @param initialStudent the frozen initial student, asked for only by a {@code local} teacher without a model
     *                       path (may be null when the run has none)
     */
    public static Teacher create(TeacherSettings settings, Supplier<LocalModel> initialStudent) {
        return create(settings, initialStudent, System::getenv);
    }

    /** As {@link #create(TeacherSettings, Supplier)}, reading environment variables through {@code environment}. */
    public static Teacher create(TeacherSettings settings, Supplier<LocalModel> initialStudent,
                                 Function<String, String> environment) {
        PromptSet prompts = PromptSet.fromSetting(settings.prompts());
        return switch (settings.type()) {
            case "reference" -> new ReferenceTeacher(prompts);
            case "openai" -> new OpenAiTeacher(openAiOptions(settings, environment), prompts);
            case "local" -> local(settings, initialStudent, prompts);
            default -> throw new IllegalArgumentException("unknown teacher type '" + settings.type() + "'");
        };
    }

    static OpenAiTeacher.Options openAiOptions(TeacherSettings s, Function<String, String> environment) {
        String key = "";
        if (!s.apiKeyEnv().isEmpty()) {
            key = environment.apply(s.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("the openai teacher's API key variable " + s.apiKeyEnv()
                        + " (guidance.teacher.api_key_env) is not set in the environment");
            }
        }
        Duration timeout = Duration.ofMillis(Math.max(1, Math.round(s.timeoutSeconds() * 1000)));
        return OpenAiTeacher.Options.of(s.baseUrl(), s.model(), key.strip(), timeout, s.maxRetries(),
                s.concurrency(), s.maxNewTokens());
    }

    private static Teacher local(TeacherSettings s, Supplier<LocalModel> initialStudent, PromptSet prompts) {
        LocalModel model;
        String name;
        if (s.model().isEmpty()) {
            if (initialStudent == null) {
                throw new IllegalArgumentException("the local teacher without a model directory "
                        + "(guidance.teacher.model) is the initial student, and none was given");
            }
            model = initialStudent.get();
            name = "local:initial-student";
        } else {
            Path dir = Path.of(s.model());
            if (!Files.isDirectory(dir) || !HfCheckpoint.isCheckpoint(dir)) {
                throw new IllegalArgumentException("the local teacher's model " + dir
                        + " is not a Hugging Face model directory (config.json and safetensors)");
            }
            Tokenizer tokenizer = Tokenizers.load(dir);
            model = new LocalModel(RolloutEngine.create(dir,
                    RolloutEngine.Options.defaults().withTokenizer(tokenizer)), tokenizer);
            name = "local:" + dir.getFileName();
        }
        return new LocalTeacher(model.generator(), model.tokenizer(), ChatTemplate.forTokenizer(model.tokenizer()),
                prompts, s.maxNewTokens(), name);
    }
}
