package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.data.PromptFormatter;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import dev.thinktune.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A model directory's tokenizer, chat template and prompt encoder, and the tokenizer files that travel with it. */
public record ModelAssets(Tokenizer tokenizer, PromptEncoder prompts, List<Path> tokenizerFiles) {
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "tokenizer.model", "special_tokens_map.json");

    /**
     * @param tokenizerPath a tokenizer file or a directory holding one
     * @param chatTemplate  auto, chatml, llama3 or plain
     * @param instruction   replaces the prompt's task instruction for every answer type; empty = defaults
     * @param systemPrompt  system message; empty = none
     */
    public static ModelAssets load(Path tokenizerPath, String chatTemplate, String instruction, String systemPrompt) {
        Tokenizer tok = Tokenizers.load(tokenizerPath);
        ChatTemplate template = ChatTemplate.named(chatTemplate, tok);
        PromptFormatter formatter = PromptFormatter.defaults();
        if (!instruction.isEmpty()) {
            for (Example.AnswerType t : Example.AnswerType.values()) {
                formatter = formatter.withInstruction(t, instruction);
            }
        }
        Path dir = Files.isDirectory(tokenizerPath) ? tokenizerPath : tokenizerPath.getParent();
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(tokenizerPath)) {
            for (String n : TOKENIZER_FILES) {
                if (Files.isRegularFile(dir.resolve(n))) {
                    files.add(dir.resolve(n));
                }
            }
        } else {
            files.add(tokenizerPath);
            if (dir != null && Files.isRegularFile(dir.resolve("tokenizer_config.json"))) {
                files.add(dir.resolve("tokenizer_config.json"));
            }
        }
        return new ModelAssets(tok, new PromptEncoder(tok, template, formatter, systemPrompt), List.copyOf(files));
    }
}
