package dev.thinktune.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `eval score` through the command line: it needs no model, and `eval` without one says what is missing. */
class EvalScoreCommandTest {

    @TempDir
    Path dir;

    private static int run(StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli.execute(args);
    }

    @Test
    void scoresAFileWithoutAModel() throws Exception {
        Path bench = dir.resolve("gsm8k.jsonl");
        Files.writeString(bench, "{\"question\": \"1+1?\", \"answer\": \"1+1=2\\n#### 2\"}\n"
                + "{\"question\": \"2+2?\", \"answer\": \"2+2=4\\n#### 4\"}\n");
        Path completions = dir.resolve("c.jsonl");
        Files.writeString(completions, "{\"id\": 0, \"completion\": \"It is \\\\boxed{2}.\"}\n"
                + "{\"id\": 1, \"completion\": \"It is 5.\"}\n");
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        int code = run(err, "eval", "score", "--benchmark", "gsm8k=" + bench, "--completions", completions.toString(),
                "--out", out.toString());
        assertEquals(0, code, err.toString());
        String csv = Files.readString(out.resolve("results.csv"));
        assertTrue(csv.contains("gsm8k,gsm8k,completions,2,1,0.5"), csv);
    }

    @Test
    void evalWithoutAModelNamesTheOption() {
        StringWriter err = new StringWriter();
        int code = run(err, "eval", "--benchmark", "gsm8k=x.jsonl");
        assertNotEquals(0, code);
        assertTrue(err.toString().contains("--model"), err.toString());
    }
}
