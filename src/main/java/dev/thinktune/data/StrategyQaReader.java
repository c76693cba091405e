package dev.thinktune.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * StrategyQA as BIG-bench ships it: one JSON document {@code {"examples": [{"input": "...", "target_scores":
 * {"Yes": 1, "No": 0}, "target": "Yes. ..."}]}}; the answer is the yes/no key with the higher score, the
 * {@code target} text (when present) the solution. The original release's array of
 * {@code {"qid", "question", "answer": true}} objects is read too. Answer type YES_NO, answers "yes" and "no".
 * Errors name the example ("examples[3].target_scores") and the line where it starts.
 */
public final class StrategyQaReader implements DatasetReader {

    /** Reads one value after another from a stream, so no trailing-token check. */
    private static final ObjectMapper STREAM = new ObjectMapper();

    @Override
    public ReadResult read(Path file, ReadOptions options) {
        RowSink sink = new RowSink(file, options);
        try (JsonParser p = STREAM.createParser(Files.newBufferedReader(file))) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                readArray(p, file, "", sink, this::mapOriginal);
            } else if (t == JsonToken.START_OBJECT) {
                boolean found = false;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken value = p.nextToken();
                    if (name.equals("examples")) {
                        if (value != JsonToken.START_ARRAY) {
                            throw new DataFormatException(file, p.currentTokenLocation().getLineNr(), "examples",
                                    "expected a list");
                        }
                        readArray(p, file, "examples", sink, this::mapBigBench);
                        found = true;
                    } else {
                        p.skipChildren();
                    }
                }
                if (!found) {
                    throw new DataFormatException(file, 1, "examples", "missing; expected a BIG-bench task with an"
                            + " examples list");
                }
            } else {
                throw new DataFormatException(file, 1, "json", "expected a JSON object with examples, or a list");
            }
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            sink.fail(new DataFormatException(file, line, "json", "malformed JSON, reading stops here: "
                    + e.getOriginalMessage(), e));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return sink.result();
    }

    private interface ExampleMapper {
        Example map(JsonRow row, int index);
    }

    private static void readArray(JsonParser p, Path file, String field, RowSink sink, ExampleMapper mapper)
            throws IOException {
        int index = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw new DataFormatException(file, p.currentLocation().getLineNr(), "json", "unexpected end");
            }
            long line = p.currentTokenLocation().getLineNr();
            JsonNode node = p.readValueAsTree();
            String prefix = field + "[" + index + "]";
            try {
                if (!node.isObject()) {
                    throw new DataFormatException(file, line, prefix.isEmpty() ? "json" : prefix,
                            "expected an object, got " + JsonRow.kind(node));
                }
                sink.add(mapper.map(new JsonRow(file, line, node, prefix + "."), index));
            } catch (DataFormatException e) {
                sink.fail(e);
            }
            index++;
        }
    }

    private Example mapBigBench(JsonRow row, int index) {
        String input = questionText(row.text("input"));
        JsonNode scores = row.find("target_scores").orElseThrow(() -> row.error("target_scores", "missing"));
        if (!scores.isObject()) {
            throw row.error("target_scores", "expected an object like {\"Yes\": 1, \"No\": 0}, got "
                    + JsonRow.kind(scores));
        }
        String best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        boolean tie = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = scores.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Optional<String> yn = yesNo(e.getKey());
            if (yn.isEmpty()) {
                throw row.error("target_scores." + e.getKey(), "expected only the keys Yes and No");
            }
            if (!e.getValue().isNumber()) {
                throw row.error("target_scores." + e.getKey(), "expected a number, got " + JsonRow.kind(e.getValue()));
            }
            double s = e.getValue().asDouble();
            if (s > bestScore) {
                best = yn.get();
                bestScore = s;
                tie = false;
            } else if (s == bestScore) {
                tie = true;
            }
        }
        if (best == null || tie) {
            throw row.error("target_scores", "no single highest-scoring answer");
        }
        String id = row.optScalar("qid").or(() -> row.optScalar("id"))
                .orElse(row.file().getFileName() + ":" + row.line());
        return new Example(id, input, best, row.optText("target").orElse(""), List.of(), Example.AnswerType.YES_NO);
    }

    private Example mapOriginal(JsonRow row, int index) {
        String question = row.text("question");
        JsonNode answer = row.find("answer").orElseThrow(() -> row.error("answer", "missing"));
        String yn = answer.isBoolean() ? (answer.asBoolean() ? "yes" : "no")
                : answer.isTextual() ? yesNo(answer.asText()).orElseThrow(() -> row.error("answer",
                "expected true/false or yes/no, got '" + answer.asText() + "'"))
                : null;
        if (yn == null) {
            throw row.error("answer", "expected true or false, got " + JsonRow.kind(answer));
        }
        String id = row.optScalar("qid").orElse(row.file().getFileName() + ":" + row.line());
        return new Example(id, question, yn, "", List.of(), Example.AnswerType.YES_NO);
    }

    /** BIG-bench inputs sometimes read "Q: ...\nA:"; the question is the part in between. */
    private static String questionText(String input) {
        String s = input.strip();
        if (s.startsWith("Q:")) {
            s = s.substring(2).strip();
        }
        if (s.endsWith("A:")) {
            s = s.substring(0, s.length() - 2).strip();
        }
        return s;
    }

    /** "yes" for yes/true, "no" for no/false (case and a trailing period ignored). */
    static Optional<String> yesNo(String s) {
        String w = s.strip().toLowerCase(Locale.ROOT);
        if (w.endsWith(".")) {
            w = w.substring(0, w.length() - 1);
        }
        return switch (w) {
            case "yes", "true" -> Optional.of("yes");
            case "no", "false" -> Optional.of("no");
            default -> Optional.empty();
        };
    }
}
