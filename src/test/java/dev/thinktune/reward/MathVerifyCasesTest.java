package dev.thinktune.reward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The string-pair cases of Hugging Face Math-Verify's own test suite (math-verify/cases.jsonl, exported by
 * math-verify/export_cases.py with the verdicts that suite expects), checked the way Math-Verify checks them: the
 * answer of the gold text and of the predicted text are both extracted ({@link AnswerExtractor#LENIENT}) and
 * compared ({@link MathEquivalence}, with the case's decimal precision). Where thinktune decides otherwise on
 * purpose, or does not read a form, the case is listed in math-verify/disagreements.tsv with the reason, and the
 * test holds thinktune to that opposite verdict, so the list stays exact.
 */
class MathVerifyCasesTest {

    private static final String DIR = "math-verify/";

    /** One case: its place in Math-Verify's tests, the two texts, the expected verdict and the options used. */
    record Case(String source, String gold, String pred, boolean expected, int precision) {
        @Override
        public String toString() {
            return source;
        }
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : lines("cases.jsonl")) {
            try {
                JsonNode n = json.readTree(line);
                out.add(new Case(n.get("source").asText(), n.get("gold").asText(), n.get("pred").asText(),
                        n.get("expected").asBoolean(), n.get("precision").asInt()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** source -> reason, from disagreements.tsv. */
    static Map<String, String> disagreements() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : lines("disagreements.tsv")) {
            if (line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", 2);
            out.put(f[0], f.length > 1 ? f[1] : "");
        }
        return out;
    }

    private static List<String> lines(String name) {
        List<String> out = new ArrayList<>();
        try (InputStream in = MathVerifyCasesTest.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + DIR + name);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank()) {
                    out.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** thinktune's verdict on a case: both answers extracted, then compared. */
    static boolean verdict(Case c) {
        MathEquivalence eq = new MathEquivalence(MathEquivalence.DEFAULT_REL_TOL,
                Math.max(MathEquivalence.DEFAULT_ABS_TOL, 0.5 * Math.pow(10, -c.precision())));
        Optional<String> gold = AnswerExtractor.LENIENT.extractMath(c.gold());
        Optional<String> pred = AnswerExtractor.LENIENT.extractMath(c.pred());
        return gold.isPresent() && pred.isPresent() && eq.equivalent(pred.get(), gold.get());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void agreesWithMathVerifyOrSaysWhyNot(Case c) {
        String reason = disagreements().get(c.source());
        if (reason == null) {
            assertEquals(c.expected(), verdict(c), "Math-Verify's verdict");
        } else {
            assertEquals(!c.expected(), verdict(c), "listed as a disagreement: " + reason);
        }
    }

    @Test
    void everyListedDisagreementIsACase() {
        List<String> sources = cases().stream().map(Case::source).toList();
        for (String s : disagreements().keySet()) {
            assertTrue(sources.contains(s), "disagreements.tsv names " + s + ", which is not a case");
        }
        assertTrue(cases().size() >= 260, "cases exported: " + cases().size());
    }

    /** Prints every case on which thinktune and Math-Verify differ (run with -Dmathverify.report=true). */
    @Test
    void report() {
        if (!Boolean.getBoolean("mathverify.report")) {
            return;
        }
        int agree = 0;
        for (Case c : cases()) {
            boolean v = verdict(c);
            if (v == c.expected()) {
                agree++;
            } else {
                System.out.println("DISAGREE\t" + c.source() + "\texpected " + c.expected() + "\tgold "
                        + AnswerExtractor.LENIENT.extractMath(c.gold()) + "\tpred "
                        + AnswerExtractor.LENIENT.extractMath(c.pred()));
            }
        }
        System.out.println("AGREE " + agree + " of " + cases().size());
    }
}
