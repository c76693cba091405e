package dev.thinktune.cli;

import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user who mistypes or brings a damaged model reads: what they wrote, and what would be valid. */
class UserMessagesTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void aMistypedModelDirectoryIsNotFoundWithADidYouMean(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("arith-tiny"));
        Files.writeString(dir.resolve("arith-tiny").resolve("config.json"), "{}");
        Files.writeString(dir.resolve("arith-tiny").resolve("model.safetensors"), "");
        Path typo = dir.resolve("arith_tiny");
        for (String command : new String[]{"generate", "score", "serve"}) {
            CliRun r = command.equals("generate") ? run(command, "--model", typo.toString(), "--prompt", "hi")
                    : command.equals("score") ? run(command, "--model", typo.toString(), "--ids", "1,2")
                    : run(command, "--model", typo.toString());
            assertEquals(1, r.code(), command);
            assertTrue(r.err().contains("model directory " + typo + " not found; did you mean "
                    + dir.resolve("arith-tiny") + "?"), command + ": " + r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
        CliRun notModel = run("generate", "--model", dir.toString(), "--prompt", "hi");
        assertTrue(notModel.err().contains("is not a Hugging Face model directory: it needs config.json"),
                notModel.err());
    }

    @Test
    void serveTakesItsApiKeyFromTheEnvironmentOrAFileNeverTheCommandLine(@TempDir Path dir) {
        String model = Path.of("models", "arith-tiny").toString();
        CliRun unset = run("serve", "--model", model, "--api-key-env", "THINKTUNE_TEST_KEY_THAT_IS_NOT_SET");
        assertEquals(1, unset.code());
        assertTrue(unset.err().contains("environment variable THINKTUNE_TEST_KEY_THAT_IS_NOT_SET is not set"),
                unset.err());
        CliRun missing = run("serve", "--model", model, "--api-key-file", dir.resolve("key").toString());
        assertTrue(missing.err().contains("API key file " + dir.resolve("key") + " not found"), missing.err());
        CliRun both = run("serve", "--model", model, "--api-key-env", "X", "--api-key-file", "k");
        assertTrue(both.err().contains("not both"), both.err());
        String help = run("serve", "--help").out();
        assertTrue(help.contains("--api-key-env") && help.contains("--api-key-file"), help);
        assertFalse(help.contains("--api-key=") || help.contains("--api-key "), help);
    }

    @Test
    void scoreRefusesACheckpointWithANanWeightNamingTheTensor(@TempDir Path dir) {
        ModelWeights w = TestModels.tinyLlama3Widened(1024);
        w.get("model.layers.0.self_attn.q_proj.weight").putScalar(new long[]{1, 2}, Float.NaN);
        HfCheckpoint.save(dir, w);
        CliRun r = run("score", "--model", dir.toString(), "--ids", "1,2,3");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("'model.layers.0.self_attn.q_proj.weight' has 1 non-finite value"), r.err());
        assertFalse(r.out().contains("NaN"), r.out());
    }

    @Test
    void trainHelpNamesTheDefaultConfigAndAMissingConfigIsNotFound(@TempDir Path dir) throws IOException {
        CliRun help = run("train", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().replaceAll("\\s+", "").contains("default:configs/quickstart.yamlwhenpresent"), help.out());
        assertFalse(help.out().contains("null"), help.out());
        Files.writeString(dir.resolve("quickstart.yaml"), "seed: 1\n");
        CliRun missing = run("train", "--config", dir.resolve("quickstrat.yaml").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("quickstrat.yaml not found; did you mean "
                + dir.resolve("quickstart.yaml") + "?"), missing.err());
        CliRun set = run("train", "--config", dir.resolve("quickstart.yaml").toString(), "--set",
                "guidance.gamma=two");
        assertTrue(set.err().contains("--set guidance.gamma=two: guidance.gamma = two is invalid: must be a whole "
                + "number"), set.err());
    }

    @Test
    void aHeadCountThatDoesNotDivideTheWidthIsNamedAsSuch() {
        String json = "{\"vocab_size\": 64, \"hidden_size\": 128, \"intermediate_size\": 256, "
                + "\"num_hidden_layers\": 1, \"num_attention_heads\": 6, \"max_position_embeddings\": 64}";
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LlamaConfig.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json)));
        assertTrue(e.getMessage().contains("hidden_size 128 is not divisible by num_attention_heads 6"),
                e.getMessage());
        assertTrue(e.getMessage().contains("e.g. 4"), e.getMessage());
        assertFalse(e.getMessage().contains("even"), e.getMessage());
    }
}
