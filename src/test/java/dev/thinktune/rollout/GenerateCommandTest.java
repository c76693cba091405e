package dev.thinktune.rollout;

import dev.thinktune.cli.Main;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.tokenizer.Tokenizer;
import dev.thinktune.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code thinktune generate} through the command line entry point. */
class GenerateCommandTest {

    /** Runs the command line, returning exit code, standard output and standard error. */
    private static String[] run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new String[]{Integer.toString(code), o.toString(StandardCharsets.UTF_8),
                    e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void promptIdsGiveTheEnginesGreedyIds() {
        Path dir = Fixtures.model("tiny-llama2");
        String[] r = run("generate", "--model", dir.toString(), "--prompt-ids", "1,17,33,101", "--temperature", "0",
                "--max-new-tokens", "7");
        assertEquals("0", r[0], r[2]);
        int[] printed = Arrays.stream(r[1].trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
        try (RolloutEngine engine = RolloutEngine.create(HfCheckpoint.load(dir))) {
            Completion c = engine.generate(List.of(new GenerationRequest(new int[]{1, 17, 33, 101}, 1,
                    SamplingParams.greedy(7, Set.of(2))))).get(0).get(0);
            assertEquals(Arrays.toString(c.tokenIds()), Arrays.toString(printed));
        }
        assertTrue(r[2].contains("prompt 4 tokens"), r[2]);
    }

    @Test
    void severalSamplesArePrintedOneAfterAnother() {
        String[] r = run("generate", "--model", Fixtures.model("tiny-llama2").toString(), "--prompt-ids", "1,5",
                "--n", "3", "--max-new-tokens", "4", "--top-k", "50", "--seed", "9");
        assertEquals("0", r[0], r[2]);
        assertEquals(3, r[1].split("--- sample").length - 1, r[1]);
    }

    @Test
    void badInputIsOneClearErrorLine() {
        String dir = Fixtures.model("tiny-llama2").toString();
        String[] r = run("generate", "--model", dir, "--prompt-ids", "1,999");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("999") && r[2].contains("vocabulary"), r[2]);
        r = run("generate", "--model", dir, "--prompt", "hello");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("no tokenizer") && r[2].contains("--prompt-ids"), r[2]);
        r = run("generate", "--model", dir, "--prompt-ids", "1,2", "--max-new-tokens", "5000");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("maximum sequence length"), r[2]);
    }

    @Test
    void textPromptsUseTheDirectorysTokenizerAndChatTemplate(@TempDir Path tmp) throws Exception {
        // a random model over the fixture tokenizer's 1024 ids
        Path tokenizerJson = Fixtures.root().resolve("tokenizer").resolve("tokenizer.json");
        LlamaConfig cfg = LlamaConfig.of(1024, 64, 128, 2, 4, 2, 512, true, 0, 1);
        HfCheckpoint.save(tmp, ModelWeights.initialize(cfg, 0.02, 3));
        Files.copy(tokenizerJson, tmp.resolve("tokenizer.json"));
        Tokenizer tok = Tokenizers.load(tmp);

        String[] r = run("generate", "--model", tmp.toString(), "--prompt", "Two plus two is", "--temperature", "0",
                "--max-new-tokens", "6");
        assertEquals("0", r[0], r[2]);
        try (RolloutEngine engine = RolloutEngine.create(HfCheckpoint.load(tmp))) {
            int[] prompt = tok.encode("Two plus two is", true);
            Completion c = engine.generate(List.of(new GenerationRequest(prompt, 1,
                    SamplingParams.greedy(6, Set.copyOf(cfg.eosTokenIds()))))).get(0).get(0);
            assertEquals(tok.decode(c.tokenIds(), true), r[1].stripTrailing());
            assertTrue(r[2].contains("prompt " + prompt.length + " tokens"), r[2]);
        }

        r = run("generate", "--model", tmp.toString(), "--prompt", "Hi", "--chat", "--max-new-tokens", "3");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("new tokens"), r[2]);
    }
}
