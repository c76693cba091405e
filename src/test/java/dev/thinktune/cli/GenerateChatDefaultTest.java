package dev.thinktune.cli;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.testing.TinyRun;
import dev.thinktune.tokenizer.ChatMessage;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Llama3ChatTemplate;
import dev.thinktune.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** generate wraps a text prompt in the chat template by default when the model directory was trained with one. */
class GenerateChatDefaultTest {

    private static String[] generate(String model, String... extra) {
        String[] base = {"generate", "--model", model, "--prompt", "Tom has 3 apples and buys 4 more. How many "
                + "apples does he have?", "--temperature", "0", "--max-new-tokens", "48", "--threads", "1"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        CliRun r = CliRun.of(all);
        assertEquals(0, r.code(), r.err());
        return new String[]{String.valueOf(r.code()), r.out(), r.err()};
    }

    @Test
    void theEmbeddedStudentIsAskedThroughItsChatTemplateUnlessToldOtherwise() {
        String model = Path.of("models", "arith-tiny").toString();
        String[] byDefault = generate(model);
        assertTrue(byDefault[2].contains("[chat template: pretrain.yaml"), byDefault[2]);
        String[] chat = generate(model, "--chat");
        String[] raw = generate(model, "--no-chat");
        assertEquals(chat[1], byDefault[1], "the default is the chat template");
        assertNotEquals(raw[1], byDefault[1], "--no-chat sends the raw prompt");
        assertFalse(raw[2].contains("[chat template"), raw[2]);
        assertTrue(byDefault[1].contains("answer"), "the student answers through its template: " + byDefault[1]);
    }

    @Test
    void aDirectoryIsTakenAsChatTrainedOnlyOnASign(@TempDir Path dir) throws IOException {
        HfCheckpoint.save(dir, ModelWeights.initialize(LlamaConfig.of(1024, 64, 128, 2, 4, 2, 512, true, 0, 1),
                0.02, 3));
        Files.copy(Fixtures.root().resolve("tokenizer").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        assertTrue(ChatDefault.of(dir).isEmpty());
        assertFalse(generate(dir.toString())[2].contains("[chat template"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{{ bos_token }}\"}");
        assertTrue(ChatDefault.of(dir).isEmpty(), "a template thinktune does not render is not assumed");
        Files.writeString(dir.resolve("tokenizer_config.json"), new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode().put("chat_template", Llama3ChatTemplate.JINJA).toString());
        assertEquals("llama3", ChatDefault.of(dir).orElseThrow().template());
        assertTrue(generate(dir.toString())[2].contains("[chat template: tokenizer_config.json"));
        Files.writeString(dir.resolve("train_config.yaml"), "model:\n  chat_template: plain\n");
        assertEquals("plain", ChatDefault.of(dir).orElseThrow().template(), "a training run's own setting first");
    }

    @Test
    void aQwen2StudentIsAskedInChatMl(@TempDir Path tmp) throws IOException {
        Path dir = TinyRun.qwen2Student(tmp);
        assertEquals("chatml", ChatDefault.of(dir).orElseThrow().template(), "model_type qwen2");
        String question = "Tom has 3 apples and buys 4 more. How many apples does he have?";
        int chatMl = ChatTemplate.named("chatml", Tokenizers.load(dir))
                .encode(List.of(ChatMessage.user(question)), true).length;
        String[] byDefault = generate(dir.toString());
        assertTrue(byDefault[2].contains("[chat template: config.json: model_type qwen2"), byDefault[2]);
        assertTrue(byDefault[2].contains("prompt " + chatMl + " tokens"), chatMl + " tokens? " + byDefault[2]);
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"{% for m in messages %}<|im_start|>{{ m.role }}...\"}");
        assertEquals("chatml", ChatDefault.of(dir).orElseThrow().template());
        assertTrue(generate(dir.toString())[2].contains("tokenizer_config.json has a ChatML chat_template"));
    }
}
