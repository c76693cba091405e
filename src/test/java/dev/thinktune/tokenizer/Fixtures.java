package dev.thinktune.tokenizer;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the shared reference files; a test that needs them is skipped only when they are absent. */
final class Fixtures {

    static final Path ROOT = Path.of("../shared/fixtures");
    static final Path TOKENIZER_DIR = ROOT.resolve("tokenizer");
    static final Path TOKENIZER_JSON = TOKENIZER_DIR.resolve("tokenizer.json");
    static final Path CASES_JSON = TOKENIZER_DIR.resolve("cases.json");
    static final Path GSM8K_TRAIN = Path.of("../shared/data/gsm8k/train.jsonl");

    private Fixtures() {
    }

    static Path tokenizerJson() {
        Assumptions.assumeTrue(Files.isDirectory(ROOT), "shared fixtures not present at " + ROOT.toAbsolutePath());
        return TOKENIZER_JSON;
    }

    static Path casesJson() {
        Assumptions.assumeTrue(Files.isDirectory(ROOT), "shared fixtures not present at " + ROOT.toAbsolutePath());
        return CASES_JSON;
    }

    static Path gsm8kTrain() {
        Assumptions.assumeTrue(Files.isRegularFile(GSM8K_TRAIN), "GSM8K not present at " + GSM8K_TRAIN.toAbsolutePath());
        return GSM8K_TRAIN;
    }

    /** The fixture tokenizer (skips the test when the fixtures are absent). */
    static Tokenizer fixtureTokenizer() {
        return Tokenizers.load(tokenizerJson());
    }
}
