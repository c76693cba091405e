package dev.thinktune.teacher;

import java.util.List;

/**
 * How to build a teacher ({@link TeacherFactory}); the fields of the {@code guidance.teacher} config section.
 *
 * @param type           {@code reference}, {@code local} or {@code openai}
 * @param model          local: a Hugging Face model directory, empty for the frozen initial student;
 *                       openai: the model name sent with each request
 * @param baseUrl        openai: the API base URL ({@code http://localhost:8000/v1})
 * @param apiKeyEnv      openai: the environment variable that holds the API key; empty for no key
 * @param timeoutSeconds openai: the longest wait for one response, in seconds
 * @param maxRetries     openai: retries of a request that timed out or got 429/5xx
 * @param concurrency    openai: requests in flight at once
 * @param maxNewTokens   local and openai: the longest reply, in tokens
 * @param prompts        a directory of prompt files replacing the built-in ones; empty for the built-in set
 */
public record TeacherSettings(String type, String model, String baseUrl, String apiKeyEnv, double timeoutSeconds,
                              int maxRetries, int concurrency, int maxNewTokens, String prompts) {

    public static final List<String> TYPES = List.of("reference", "local", "openai");

    /** The reference teacher with the built-in prompts. */
    public static final TeacherSettings DEFAULTS =
            new TeacherSettings("reference", "", "", "", 60.0, 3, 8, 256, "");

    public TeacherSettings {
        type = type == null ? "" : type.strip();
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("teacher type must be reference, local or openai, got '" + type + "'");
        }
        model = model == null ? "" : model.strip();
        baseUrl = baseUrl == null ? "" : baseUrl.strip();
        apiKeyEnv = apiKeyEnv == null ? "" : apiKeyEnv.strip();
        prompts = prompts == null ? "" : prompts.strip();
        if (!(timeoutSeconds > 0) || Double.isInfinite(timeoutSeconds)) {
            throw new IllegalArgumentException("teacher timeout_seconds must be > 0, got " + timeoutSeconds);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("teacher max_retries must be >= 0, got " + maxRetries);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("teacher concurrency must be >= 1, got " + concurrency);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("teacher max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        if (type.equals("openai") && baseUrl.isEmpty()) {
            throw new IllegalArgumentException("the openai teacher needs base_url (http://host:port/v1)");
        }
    }

    public TeacherSettings withType(String newType) {
        return new TeacherSettings(newType, model, baseUrl, apiKeyEnv, timeoutSeconds, maxRetries, concurrency,
                maxNewTokens, prompts);
    }

    public TeacherSettings withPrompts(String dir) {
        return new TeacherSettings(type, model, baseUrl, apiKeyEnv, timeoutSeconds, maxRetries, concurrency,
                maxNewTokens, dir);
    }
}
