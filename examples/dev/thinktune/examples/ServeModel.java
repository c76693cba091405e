package dev.thinktune.examples;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.serve.OpenAiServer;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import dev.thinktune.tokenizer.Tokenizers;

import java.nio.file.Path;

/**
 * A tuned model behind an OpenAI-compatible endpoint on 127.0.0.1 (any free port), e.g. to be the teacher of
 * another run ({@code guidance.teacher.type: openai}). Stops on Ctrl-C.
 */
public final class ServeModel {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "models/arith-tiny");
        Tokenizer tok = Tokenizers.load(dir);
        try (RolloutEngine engine = RolloutEngine.create(HfCheckpoint.load(dir));
             OpenAiServer server = new OpenAiServer(engine, tok, ChatTemplate.forTokenizer(tok), dir.getFileName().toString())) {
            server.start();
            System.out.println("serving " + dir + " at " + server.baseUrl());
            Thread.currentThread().join();
        }
    }
}
