package dev.thinktune.cli;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.PeftAdapter;
import dev.thinktune.model.DType;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.testing.TestAdapters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --adapter} of generate, eval and serve, and {@code merge}, through the command line. */
class AdapterCommandsTest {
    private static final String IDS = "1,17,33,101,7";

    private static Path adapter(String model, Path dir, long seed) {
        LoraAdapters a = TestAdapters.random(TestAdapters.ALL, HfCheckpoint.readConfig(Fixtures.model(model)), seed,
                0.3);
        PeftAdapter.write(dir, a, model, DType.F32);
        return dir;
    }

    private static void assertOneLineError(CliRun r, String... parts) {
        assertEquals(1, r.code(), r.out() + r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), "'" + p + "' not in: " + r.err());
        }
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
    }

    /**
     * Greedy generation with the adapter equals greedy generation from the model that merge writes, and differs
     * from the base model's.
     */
    @Test
    void generateWithAnAdapterEqualsTheMergedModel(@TempDir Path tmp) {
        String base = Fixtures.model("tiny-llama3").toString();
        Path dir = adapter("tiny-llama3", tmp.resolve("adapter"), 1);
        Path merged = tmp.resolve("merged");
        CliRun m = CliRun.of("merge", "--model", base, "--adapter", dir.toString(), "--out", merged.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(m.out().contains("14 adapted modules merged"), m.out()); // 2 layers x 7 projections
        String[] greedy = {"--prompt-ids", IDS, "--temperature", "0", "--max-new-tokens", "12", "--threads", "1"};
        CliRun withAdapter = CliRun.of(concat(new String[]{"generate", "--model", base, "--adapter", dir.toString()},
                greedy));
        CliRun fromMerged = CliRun.of(concat(new String[]{"generate", "--model", merged.toString()}, greedy));
        CliRun plain = CliRun.of(concat(new String[]{"generate", "--model", base}, greedy));
        assertEquals(0, withAdapter.code(), withAdapter.err());
        assertEquals(fromMerged.out(), withAdapter.out());
        assertNotEquals(plain.out(), withAdapter.out());
        assertEquals(12, withAdapter.out().strip().split(" ").length, withAdapter.out());
    }

    /**
     * score --adapter (the training graph with the adapters) equals score of the model merge writes in float32
     * (the graph on W + (alpha/r) B A), on both fixture models, and differs from the base model's.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void scoreWithAnAdapterEqualsScoreOfTheMergedModel(String model, @TempDir Path tmp) throws IOException {
        String base = Fixtures.model(model).toString();
        Path dir = adapter(model, tmp.resolve("adapter"), 4);
        Path merged = tmp.resolve("merged");
        assertEquals(0, CliRun.of("merge", "--model", base, "--adapter", dir.toString(), "--out", merged.toString(),
                "--dtype", "f32").code());
        String ids = "1,17,33,101,7,9,42,5,250,3";
        double[] adapted = logprobs(CliRun.of("score", "--model", base, "--adapter", dir.toString(), "--ids", ids));
        double[] fromMerged = logprobs(CliRun.of("score", "--model", merged.toString(), "--ids", ids));
        double[] plain = logprobs(CliRun.of("score", "--model", base, "--ids", ids));
        double worst = 0, moved = 0;
        for (int i = 0; i < adapted.length; i++) {
            worst = Math.max(worst, Math.abs(adapted[i] - fromMerged[i]));
            moved = Math.max(moved, Math.abs(adapted[i] - plain[i]));
        }
        assertTrue(worst < 1e-4, "max |diff| against the merged model: " + worst);
        assertTrue(moved > 1e-2, "the adapter changes the scores: " + moved);
    }

    /** The log-probabilities (after the first token's null) that score prints. */
    private static double[] logprobs(CliRun r) throws IOException {
        assertEquals(0, r.code(), r.err());
        com.fasterxml.jackson.databind.JsonNode lp = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(r.out()).get("logprobs");
        double[] out = new double[lp.size() - 1];
        for (int i = 1; i < lp.size(); i++) {
            out[i - 1] = lp.get(i).asDouble();
        }
        return out;
    }

    @Test
    void anAdapterDirectoryThatIsNotOneIsNamed(@TempDir Path tmp) throws IOException {
        String base = Fixtures.model("tiny-llama3").toString();
        Path empty = Files.createDirectories(tmp.resolve("not-an-adapter"));
        assertOneLineError(CliRun.of("generate", "--model", base, "--adapter", empty.toString(), "--prompt-ids", IDS),
                empty.toString(), "is not a PEFT adapter directory", "adapter_config.json");
        Path missing = tmp.resolve("missing");
        assertOneLineError(CliRun.of("generate", "--model", base, "--adapter", missing.toString(), "--prompt-ids",
                IDS), "adapter directory " + missing + " not found");
        assertOneLineError(CliRun.of("eval", "--model", base, "--adapter", empty.toString(), "--benchmark",
                "gsm8k=" + tmp.resolve("none.jsonl"), "--out", tmp.resolve("eval").toString()), empty.toString(),
                "is not a PEFT adapter directory");
        assertOneLineError(CliRun.of("serve", "--model", base, "--adapter", empty.toString(), "--port", "0"),
                empty.toString(), "is not a PEFT adapter directory");
    }

    /** An adapter of another model (other shapes) is refused naming the adapter, the model and the tensor. */
    @Test
    void anAdapterOfAnotherModelIsRefused(@TempDir Path tmp) {
        Path other = adapter("tiny-llama2", tmp.resolve("llama2-adapter"), 2);
        String base = Fixtures.model("tiny-llama3").toString();
        for (String command : new String[]{"generate", "merge"}) {
            CliRun r = command.equals("generate")
                    ? CliRun.of("generate", "--model", base, "--adapter", other.toString(), "--prompt-ids", IDS)
                    : CliRun.of("merge", "--model", base, "--adapter", other.toString(), "--out",
                    tmp.resolve("out").toString());
            assertOneLineError(r, "adapter " + other + " does not fit the model " + base, "has shape");
        }
        assertTrue(!Files.exists(tmp.resolve("out")));
    }

    @Test
    void mergeRefusesToOverwriteWhatIsNotAModelAndNamesBadDtypes(@TempDir Path tmp) throws IOException {
        String base = Fixtures.model("tiny-llama3").toString();
        Path dir = adapter("tiny-llama3", tmp.resolve("adapter"), 3);
        Path notes = Files.createDirectories(tmp.resolve("notes"));
        Files.writeString(notes.resolve("keep.txt"), "mine");
        assertOneLineError(CliRun.of("merge", "--model", base, "--adapter", dir.toString(), "--out",
                notes.toString()), "--out " + notes + " already exists and is not empty", "--overwrite");
        assertOneLineError(CliRun.of("merge", "--model", base, "--adapter", dir.toString(), "--out",
                notes.toString(), "--overwrite"), "is not a model directory");
        assertEquals("mine", Files.readString(notes.resolve("keep.txt")));
        assertOneLineError(CliRun.of("merge", "--model", base, "--adapter", dir.toString(), "--out",
                tmp.resolve("m").toString(), "--dtype", "int8"), "--dtype int8 is invalid", "bf16, f16 or f32");
        assertOneLineError(CliRun.of("merge", "--model", base, "--adapter", dir.toString(), "--out",
                dir.toString()), "is the directory of --adapter");

        Path merged = tmp.resolve("merged");
        assertEquals(0, CliRun.of("merge", "--model", base, "--adapter", dir.toString(), "--out", merged.toString(),
                "--dtype", "bf16").code());
        assertEquals(0, CliRun.of("merge", "--model", base, "--adapter", dir.toString(), "--out", merged.toString(),
                "--overwrite").code());
        assertEquals(HfCheckpoint.readConfig(Fixtures.model("tiny-llama3")), HfCheckpoint.readConfig(merged));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
