package dev.thinktune.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.cli.Main;
import dev.thinktune.cli.ServeCommand;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code thinktune serve} on a model directory. */
@Timeout(60)
class ServeCommandTest {

    @Test
    void servesAModelDirectoryUntilInterrupted(@TempDir Path dir) throws Exception {
        HfCheckpoint.save(dir, TestModels.tinyLlama3Widened(1024));
        Files.copy(Fixtures.root().resolve("tokenizer").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        AtomicInteger exit = new AtomicInteger(-1);
        Thread serving = new Thread(() -> exit.set(cli.execute("--model", dir.toString(), "--port", "0",
                "--name", "tiny")));
        serving.start();
        Pattern listening = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/v1)");
        Matcher m = listening.matcher("");
        long deadline = System.nanoTime() + 40_000_000_000L;
        while (!(m = listening.matcher(out.toString())).find()) {
            assertTrue(serving.isAlive(), "serve exited early: " + out + err);
            assertTrue(System.nanoTime() < deadline, "serve did not start: " + out + err);
            Thread.sleep(20);
        }
        String base = m.group(1);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        JsonNode models = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/models"))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("tiny", models.path("data").path(0).path("id").asText());
        HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], "
                        + "\"max_tokens\": 2, \"temperature\": 0}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, chat.statusCode(), chat.body());
        assertEquals(2, new ObjectMapper().readTree(chat.body()).path("usage").path("completion_tokens").asInt());

        serving.interrupt();
        serving.join(10_000);
        assertEquals(0, exit.get());
        assertTrue(err.toString().isEmpty(), err.toString());
    }

    @Test
    void aDirectoryThatIsNoModelIsAClearError(@TempDir Path dir) {
        assertNotEquals(0, Main.run("serve", "--model", dir.toString()));
        assertEquals(0, Main.run("serve", "--help"));
    }
}
