package dev.thinktune.cli;

import dev.thinktune.data.ColumnMapping;
import dev.thinktune.data.DataFormat;
import dev.thinktune.data.DataFormatException;
import dev.thinktune.data.Datasets;
import dev.thinktune.data.Example;
import dev.thinktune.data.PromptFormatter;
import dev.thinktune.data.QuoteKnowledge;
import dev.thinktune.data.ReadOptions;
import dev.thinktune.data.ReadResult;
import dev.thinktune.data.ReflectiveSolutions;
import dev.thinktune.data.SyntheticTasks;
import dev.thinktune.teacher.Behavior;
import dev.thinktune.teacher.PromptSet;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/** {@code thinktune data}: look at datasets and make the synthetic task family. */
@Command(name = "data",
        mixinStandardHelpOptions = true,
        description = "Inspect datasets and generate synthetic arithmetic tasks.",
        subcommands = {DataCommand.Inspect.class, DataCommand.Synth.class})
public final class DataCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code thinktune data inspect --format NAME PATH}. */
    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Read a dataset leniently and show its row count, its bad rows and its first example "
                    + "as the model sees it.")
    static final class Inspect implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--format", required = true,
                description = "gsm8k, math, aime, commonsenseqa, arc, gpqa, strategyqa, mmlu-pro, csv, jsonl")
        String format;

        @Parameters(index = "0", paramLabel = "PATH", description = "the dataset file")
        Path path;

        @Option(names = "--seed", defaultValue = "0",
                description = "choice shuffle seed (gpqa), default ${DEFAULT-VALUE}")
        long seed;

        @Option(names = "--errors", defaultValue = "5", description = "bad rows to show, default ${DEFAULT-VALUE}")
        int errors;

        @Option(names = "--question-field", description = "csv/jsonl: the question field")
        String questionField;

        @Option(names = "--answer-field", description = "csv/jsonl: the answer field")
        String answerField;

        @Option(names = "--solution-field", description = "csv/jsonl: the solution field")
        String solutionField;

        @Option(names = "--choices-field", description = "csv/jsonl: the choices field (csv: columns, comma-separated)")
        String choicesField;

        @Option(names = "--id-field", description = "csv/jsonl: the id field")
        String idField;

        @Option(names = "--type", description = "csv/jsonl: answer type, one of ${COMPLETION-CANDIDATES}")
        Example.AnswerType type;

        @Override
        public Integer call() {
            DataFormat f = DataFormat.byId(format);
            ReadOptions options = ReadOptions.lenient().withSeed(seed).withMaxErrors(Math.max(0, errors));
            if (f == DataFormat.CSV || f == DataFormat.JSONL) {
                if (questionField == null || answerField == null || type == null) {
                    throw new IllegalArgumentException("--format " + f.id() + " needs --question-field, "
                            + "--answer-field and --type");
                }
                options = options.withMapping(new ColumnMapping(questionField, answerField, solutionField,
                        choicesField, idField, type));
            }
            ReadResult result = Datasets.read(f, path, options);
            PrintWriter out = spec.commandLine().getOut();
            out.println("file:   " + path);
            out.println("format: " + f.id() + " (" + f.description() + ")");
            out.println("rows:   " + result.examples().size());
            out.println("failed: " + result.failedRows());
            if (!result.firstErrors().isEmpty()) {
                out.println("first errors:");
                for (DataFormatException e : result.firstErrors()) {
                    out.println("  " + e.getMessage());
                }
            }
            if (result.examples().isEmpty()) {
                out.println("no example could be read");
            } else {
                Example first = result.examples().get(0);
                out.println();
                out.println("first example (id " + first.id() + ", type " + first.type() + "):");
                out.println("--- prompt ---");
                out.println(PromptFormatter.defaults().render(first));
                out.println("--- reference answer ---");
                out.println(first.answer());
                if (!first.choices().isEmpty()) {
                    out.println("--- choices ---");
                    out.println(String.join(", ", first.labels()) + " (" + first.choices().size() + ")");
                }
                if (!first.solution().isEmpty()) {
                    out.println("--- solution ---");
                    out.println(first.solution());
                }
            }
            out.flush();
            return 0;
        }
    }

    /** {@code thinktune data synth --seed S --train N --test M --out DIR}. */
    @Command(name = "synth", mixinStandardHelpOptions = true,
            description = "Write multi-step arithmetic word problems in GSM8K's JSONL format: train.jsonl and "
                    + "test.jsonl (disjoint), the same bytes for the same seed.")
    static final class Synth implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--seed", required = true, description = "random seed")
        long seed;

        @Option(names = "--train", required = true, description = "number of training problems")
        int train;

        @Option(names = "--test", required = true, description = "number of test problems")
        int test;

        @Option(names = "--out", required = true, description = "output directory")
        Path out;

        @Option(names = "--difficulty", defaultValue = "medium",
                description = "easy (2 steps, numbers to 100), medium (2-3 steps, to 999), hard (3-4 steps, to 999);"
                        + " default ${DEFAULT-VALUE}")
        String difficulty;

        @Option(names = "--min-steps", description = "fewest steps, overrides the difficulty's")
        Integer minSteps;

        @Option(names = "--max-steps", description = "most steps, overrides the difficulty's")
        Integer maxSteps;

        @Option(names = "--max-operand", description = "largest number in one step, overrides the difficulty's")
        Integer maxOperand;

        @Option(names = "--max-result", description = "largest result of a step, overrides the difficulty's")
        Integer maxResult;

        @Option(names = "--reflective", defaultValue = "0", paramLabel = "F",
                description = "also write pretrain.jsonl: the training problems with this share of them given a "
                        + "reflective worked solution (a first attempt, a reflection on it, the working again), "
                        + "for pretraining a student; default ${DEFAULT-VALUE} (no file)")
        double reflective;

        @Option(names = "--quotes", paramLabel = "DIR",
                description = "with --reflective: also write pretrain-quotes.jsonl, the pretraining file with "
                        + "--quote-rows rows that quote the closing lines of the teacher prompts in DIR (world "
                        + "knowledge for the student of the unknown-behaviour experiment)")
        Path quotes;

        @Option(names = "--quote-rows", defaultValue = "200", paramLabel = "N",
                description = "rows that quote a closing line, default ${DEFAULT-VALUE}")
        int quoteRows;

        @Override
        public Integer call() {
            ReflectiveSolutions reflections = new ReflectiveSolutions(reflective);
            if (quotes != null && reflective <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--quotes needs --reflective");
            }
            QuoteKnowledge knowledge = quotes == null ? null : new QuoteKnowledge(closingLines(quotes), quoteRows);
            SyntheticTasks.Difficulty base = SyntheticTasks.Difficulty.byName(difficulty);
            SyntheticTasks.Difficulty d = new SyntheticTasks.Difficulty(
                    minSteps != null ? minSteps : base.minSteps(),
                    maxSteps != null ? maxSteps : Math.max(base.maxSteps(), minSteps != null ? minSteps : 0),
                    maxOperand != null ? maxOperand : base.maxOperand(),
                    maxResult != null ? maxResult : base.maxResult());
            SyntheticTasks tasks = new SyntheticTasks(d);
            SyntheticTasks.Split split = tasks.split(seed, train, test);
            SyntheticTasks.write(split, out);
            PrintWriter w = spec.commandLine().getOut();
            w.println("wrote " + split.train().size() + " training problems to "
                    + out.resolve(SyntheticTasks.TRAIN_FILE) + " and " + split.test().size() + " test problems to "
                    + out.resolve(SyntheticTasks.TEST_FILE) + " (seed " + seed + ", " + d + ")");
            if (reflective > 0) {
                List<SyntheticTasks.Task> pretrain = reflections.apply(split.train(), seed);
                Path file = out.resolve(ReflectiveSolutions.PRETRAIN_FILE);
                SyntheticTasks.writeJsonl(pretrain, file);
                long changed = IntStream.range(0, pretrain.size())
                        .filter(i -> pretrain.get(i) != split.train().get(i)).count();
                w.println("wrote " + pretrain.size() + " pretraining problems to " + file + ", " + changed
                        + " of them with reflective solutions");
                if (knowledge != null) {
                    Path withQuotes = out.resolve(QuoteKnowledge.PRETRAIN_FILE);
                    SyntheticTasks.writeJsonl(knowledge.mixInto(pretrain, seed), withQuotes);
                    w.println("wrote " + (pretrain.size() + knowledge.rows()) + " pretraining problems to " + withQuotes
                            + ", the same with " + knowledge.rows() + " rows quoting " + knowledge.lines().size()
                            + " closing lines of " + quotes);
                }
            }
            w.flush();
            return 0;
        }

        /** The closing lines of every behaviour prompt in {@code dir}, each once, in behaviour order. */
        private static List<String> closingLines(Path dir) {
            PromptSet set = PromptSet.load(dir);
            LinkedHashSet<String> lines = new LinkedHashSet<>();
            for (Behavior b : Behavior.values()) {
                lines.addAll(set.get(b).closingLines());
            }
            if (lines.isEmpty()) {
                throw new IllegalArgumentException("the prompts in " + dir + " have no closing lines to quote");
            }
            return List.copyOf(lines);
        }
    }
}
