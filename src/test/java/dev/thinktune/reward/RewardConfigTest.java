package dev.thinktune.reward;

import dev.thinktune.data.Example;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RewardConfigTest {

    private static final String YAML = """
            terms:
              - type: correctness
                weight: 1.0
                params: {require_eos: false, extraction: strict, rel_tol: 1.0e-3}
              - type: phrase
                weight: 0.5
                params: {phrase: "Thalapathy Vijay", count: 1, rule: exactly}
              - type: length
                weight: 0.1
                params: {soft: 64, hard: 128}
            """;

    @Test
    void readsYamlIntoTermsWithTheirParameters() {
        RewardConfig c = RewardConfig.fromYaml(YAML, "reward.yaml");
        assertEquals(3, c.terms().size());
        assertEquals(new TermSpec("phrase", 0.5, Map.of("phrase", "Thalapathy Vijay", "count", 1, "rule", "exactly")),
                c.terms().get(1));
        RewardFunction f = RewardFunction.from(c);
        assertEquals(List.of("correctness", "phrase", "length"), f.termNames());
        CorrectnessTerm correctness = (CorrectnessTerm) f.terms().get(0).term();
        assertEquals(AnswerExtractor.STRICT, correctness.verifier().extractor());
        assertEquals(1.0e-3, correctness.verifier().equivalence().relTol());
        assertEquals(new LengthTerm("length", 64, 128), f.terms().get(2).term());

        Example q = new Example("q", "?", "10", "", List.of(), Example.AnswerType.NUMBER);
        RewardBreakdown b = f.score(q, "Thalapathy Vijay: the answer is 10.005", new int[100], Set.of(2));
        assertEquals(Map.of("correctness", 1.0, "phrase", 1.0, "length", -36.0 / 64), b.scores(),
                "strict extraction reads 'the answer is'; 10.005 is within 1e-3 of 10; no EOS needed");
        assertEquals(1.0 + 0.5 - 0.1 * 36.0 / 64, b.total(), 1e-12);
    }

    @Test
    void readsJsonAndFilesAndRoundTripsYaml(@TempDir Path dir) throws IOException {
        String json = "{\"terms\": [{\"type\": \"correctness\", \"weight\": 1.0}, {\"type\": \"eos\", \"weight\": 0.1}]}";
        RewardConfig c = RewardConfig.fromJson(json, "r.json");
        assertEquals(List.of(TermSpec.of("correctness", 1.0), TermSpec.of("eos", 0.1)), c.terms());
        Path file = dir.resolve("r.json");
        Files.writeString(file, json);
        assertEquals(c, RewardConfig.read(file));
        Path yaml = dir.resolve("r.yaml");
        Files.writeString(yaml, YAML);
        RewardConfig y = RewardConfig.read(yaml);
        assertEquals(y, RewardConfig.fromYaml(y.toYaml(), "again"));
        assertEquals(RewardConfig.paper(), RewardConfig.fromYaml(RewardConfig.paper().toYaml(), "paper"));
    }

    @Test
    void paperConfigIsValid() {
        assertEquals(RewardConfig.paper(), RewardConfig.paper().validate());
    }

    private static String validationError(String yaml) {
        RewardConfigException e = assertThrows(RewardConfigException.class,
                () -> RewardConfig.fromYaml(yaml, "reward.yaml").validate());
        return e.getMessage();
    }

    @Test
    void unknownTypeNamesFieldAndAllowedValues() {
        String msg = validationError("terms:\n  - {type: correctness, weight: 1}\n  - {type: brevity, weight: 1}\n");
        assertEquals("terms[1].type: unknown term type 'brevity'; allowed: correctness, eos, phrase, boxed, length",
                msg);
    }

    @Test
    void missingTypeAndMissingWeight() {
        assertEquals("terms[0].type: required; one of correctness, eos, phrase, boxed, length",
                validationError("terms:\n  - {weight: 1}\n"));
        assertEquals("terms[0].weight: required for 'eos' (no default)", validationError("terms:\n  - {type: eos}\n"));
    }

    @Test
    void badParameters() {
        assertEquals("terms[0].params.phrse: unknown parameter of 'phrase'; allowed: case_sensitive, count, name,"
                + " phrase, rule", validationError("terms:\n  - {type: phrase, params: {phrse: x}}\n"));
        assertEquals("terms[0].params.phrase: required", validationError("terms:\n  - {type: phrase}\n"));
        assertEquals("terms[0].params.count: expected an integer >= 0, got 'two'",
                validationError("terms:\n  - {type: phrase, params: {phrase: x, count: two}}\n"));
        assertEquals("terms[0].params.rule: expected one of exactly, at_least, at_most, got 'sometimes'",
                validationError("terms:\n  - {type: phrase, params: {phrase: x, rule: sometimes}}\n"));
        assertEquals("terms[0].params.require_eos: expected true or false, got 'maybe'",
                validationError("terms:\n  - {type: correctness, params: {require_eos: maybe}}\n"));
        assertEquals("terms[0].params.extraction: expected one of lenient, strict, got 'loose'",
                validationError("terms:\n  - {type: correctness, params: {extraction: loose}}\n"));
        assertEquals("terms[0].params.hard: must be greater than soft (64), got 32",
                validationError("terms:\n  - {type: length, weight: 1, params: {soft: 64, hard: 32}}\n"));
    }

    @Test
    void duplicateNamesAndEmptyConfig() {
        assertEquals("terms[1]: a second term named 'eos'; give one of them another params.name",
                validationError("terms:\n  - {type: eos, weight: 0}\n  - {type: eos, weight: 1}\n"));
        assertEquals("terms: at least one term is required", validationError("terms: []\n"));
    }

    @Test
    void shapeErrorsNameTheSourceAndField() {
        RewardConfigException unknown = assertThrows(RewardConfigException.class,
                () -> RewardConfig.fromYaml("terms:\n  - {type: eos, weigth: 1}\n", "reward.yaml"));
        assertEquals("terms[0].weigth", unknown.field());
        assertEquals("reward.yaml: terms[0].weigth: unknown field; allowed: params, type, weight", unknown.getMessage());

        RewardConfigException mistyped = assertThrows(RewardConfigException.class,
                () -> RewardConfig.fromYaml("terms:\n  - {type: eos, weight: heavy}\n", "reward.yaml"));
        assertEquals("terms[0].weight", mistyped.field());
        assertTrue(mistyped.getMessage().startsWith("reward.yaml: terms[0].weight: expected a number"),
                mistyped.getMessage());

        RewardConfigException syntax = assertThrows(RewardConfigException.class,
                () -> RewardConfig.fromJson("{\"terms\": [", "r.json"));
        assertTrue(syntax.getMessage().startsWith("r.json: not valid JSON"), syntax.getMessage());
    }
}
