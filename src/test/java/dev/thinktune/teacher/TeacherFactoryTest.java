package dev.thinktune.teacher;

import dev.thinktune.testing.ScriptedGenerator;
import dev.thinktune.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Teachers built from settings. */
class TeacherFactoryTest {

    private static TeacherSettings settings(String type, String model, String baseUrl, String keyEnv, String prompts) {
        return new TeacherSettings(type, model, baseUrl, keyEnv, 2.5, 4, 3, 128, prompts);
    }

    @Test
    void referenceIsTheDefault() {
        try (Teacher t = TeacherFactory.create(TeacherSettings.DEFAULTS)) {
            assertInstanceOf(ReferenceTeacher.class, t);
            assertEquals("reference", t.name());
        }
    }

    @Test
    void openAiTakesItsKeyFromTheNamedEnvironmentVariable() {
        TeacherSettings s = settings("openai", "qwen", "http://127.0.0.1:9/v1/", "TEACHER_KEY", "");
        try (Teacher t = TeacherFactory.create(s, null, Map.of("TEACHER_KEY", "sk-123")::get)) {
            OpenAiTeacher.Options o = assertInstanceOf(OpenAiTeacher.class, t).options();
            assertEquals("sk-123", o.apiKey());
            assertEquals("qwen", o.model());
            assertEquals(Duration.ofMillis(2500), o.timeout());
            assertEquals(4, o.maxRetries());
            assertEquals(3, o.concurrency());
            assertEquals(128, o.maxTokens());
            assertEquals("http://127.0.0.1:9/v1/chat/completions", o.endpoint().toString());
            assertEquals("openai:qwen", t.name());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TeacherFactory.create(s, null, Map.<String, String>of()::get));
        assertTrue(e.getMessage().contains("TEACHER_KEY"), e.getMessage());
        try (Teacher t = TeacherFactory.create(settings("openai", "m", "http://127.0.0.1:9/v1", "", ""), null,
                Map.<String, String>of()::get)) {
            assertEquals("", ((OpenAiTeacher) t).options().apiKey());
        }
    }

    @Test
    void localWithoutAModelIsTheInitialStudent() {
        ScriptedGenerator gen = ScriptedGenerator.replying(1);
        try (Teacher t = TeacherFactory.create(settings("local", "", "", "", ""),
                () -> new TeacherFactory.LocalModel(gen, TestModels.fixtureTokenizer()))) {
            assertInstanceOf(LocalTeacher.class, t);
            assertEquals("local:initial-student", t.name());
        }
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TeacherFactory.create(settings("local", "", "", "", ""))).getMessage().contains("initial student"));
    }

    @Test
    void localWithAPathThatIsNoModelIsRefused(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TeacherFactory.create(settings("local", dir.toString(), "", "", "")));
        assertTrue(e.getMessage().contains("not a Hugging Face model directory"), e.getMessage());
    }

    @Test
    void thePromptsSettingReachesTheTeacher() {
        try (Teacher t = TeacherFactory.create(settings("reference", "", "", "", PromptSetTest.QUOTE_SET.toString()))) {
            String reply = ((ReferenceTeacher) t).write(new TeacherQuery(
                    new dev.thinktune.data.Example("a", "What is 1 + 1?", "2", "1 + 1 = 2", java.util.List.of(),
                            dev.thinktune.data.Example.AnswerType.NUMBER), "What is 1 + 1?", "\\boxed{2}",
                    Behavior.SELF_AGREEMENT));
            assertTrue(reply.contains("Thalapathy Vijay"), reply);
        }
        assertThrows(PromptFormatException.class,
                () -> TeacherFactory.create(settings("reference", "", "", "", "no/such/dir")));
    }

    @Test
    void settingsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> settings("oracle", "", "", "", ""));
        assertThrows(IllegalArgumentException.class, () -> settings("openai", "m", "", "", ""));
        assertThrows(IllegalArgumentException.class,
                () -> new TeacherSettings("reference", "", "", "", 0, 1, 1, 1, ""));
        assertThrows(IllegalArgumentException.class,
                () -> new TeacherSettings("reference", "", "", "", 1, -1, 1, 1, ""));
        assertThrows(IllegalArgumentException.class,
                () -> new TeacherSettings("reference", "", "", "", 1, 1, 0, 1, ""));
        assertThrows(IllegalArgumentException.class,
                () -> TeacherFactory.create(settings("openai", "m", "ftp://host/v1", "", "")));
    }
}
