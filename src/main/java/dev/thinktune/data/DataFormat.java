package dev.thinktune.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The dataset formats thinktune reads, by the names the command line and configurations use. */
public enum DataFormat {
    GSM8K("gsm8k", "GSM8K JSONL: question, answer ending in '#### n'"),
    MATH("math", "MATH-style JSONL (MATH-500): problem, solution, answer (else the solution's last \\boxed{})"),
    AIME("aime", "AIME JSONL: problem/question, answer (integer)"),
    COMMONSENSEQA("commonsenseqa", "CommonsenseQA JSONL: question.stem, question.choices, answerKey"),
    ARC("arc", "ARC JSONL: question.stem, question.choices (3 to 5), answerKey"),
    GPQA("gpqa", "GPQA CSV: Question, Correct Answer, Incorrect Answer 1..3 (shuffled with the seed)"),
    STRATEGYQA("strategyqa", "StrategyQA BIG-bench JSON: examples[{input, target_scores}]"),
    MMLU_PRO("mmlu-pro", "MMLU-Pro JSONL: question, options (up to 10), answer letter"),
    CSV("csv", "generic CSV with a header, through a column mapping"),
    JSONL("jsonl", "generic JSONL, through a column mapping (dotted paths)");

    private final String id;
    private final String description;

    DataFormat(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The name on the command line. */
    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /** The names of all formats. */
    public static List<String> ids() {
        return Arrays.stream(values()).map(DataFormat::id).toList();
    }

    /** The format named {@code name} (case-insensitive); the error lists the known names. */
    public static DataFormat byId(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (DataFormat f : values()) {
            if (f.id.equals(n)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown data format '" + name + "'; known: " + String.join(", ", ids()));
    }

    /** The reader of this format; csv and jsonl need {@link ReadOptions#mapping()}, gpqa uses its seed. */
    public DatasetReader reader(ReadOptions options) {
        return switch (this) {
            case GSM8K -> new JsonlReader(new Gsm8kFormat());
            case MATH -> new JsonlReader(new MathFormat());
            case AIME -> new JsonlReader(new AimeFormat());
            case COMMONSENSEQA -> new JsonlReader(ChoiceQuestionFormat.COMMONSENSE_QA);
            case ARC -> new JsonlReader(ChoiceQuestionFormat.ARC);
            case GPQA -> new CsvReader(new GpqaFormat(options.seed()));
            case STRATEGYQA -> new StrategyQaReader();
            case MMLU_PRO -> new JsonlReader(new MmluProFormat());
            case CSV -> new CsvReader(new MappedCsvFormat(requireMapping(options)));
            case JSONL -> new JsonlReader(new MappedJsonFormat(requireMapping(options)));
        };
    }

    private ColumnMapping requireMapping(ReadOptions options) {
        if (options.mapping() == null) {
            throw new IllegalArgumentException("format '" + id + "' needs a column mapping (question field, answer"
                    + " field, answer type)");
        }
        return options.mapping();
    }
}
