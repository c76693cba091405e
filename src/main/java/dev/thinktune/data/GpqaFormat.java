package dev.thinktune.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * GPQA CSV: {@code Question}, {@code Correct Answer}, {@code Incorrect Answer 1} to {@code 3}, optional
 * {@code Record ID} and {@code Explanation} (the solution). The release lists the correct answer first, so the four
 * answers are shuffled, with {@code seed + row index} (deterministic per row and independent of other rows), and
 * labelled A to D; the answer is the label the correct one got. Answer type CHOICE.
 *
 * @param seed the shuffle seed
 */
public record GpqaFormat(long seed) implements CsvRowMapper {

    static final String QUESTION = "Question";
    static final String CORRECT = "Correct Answer";
    static final List<String> INCORRECT = List.of("Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3");
    private static final String[] LABELS = {"A", "B", "C", "D"};

    @Override
    public List<String> requiredColumns() {
        List<String> cols = new ArrayList<>(List.of(QUESTION, CORRECT));
        cols.addAll(INCORRECT);
        return cols;
    }

    @Override
    public Example map(CsvRow row) {
        String question = row.text(QUESTION);
        List<String> answers = new ArrayList<>();
        answers.add(row.text(CORRECT));
        for (String column : INCORRECT) {
            answers.add(row.text(column));
        }
        int[] order = shuffledOrder(answers.size(), seed + row.index());
        List<Example.Choice> choices = new ArrayList<>();
        String key = null;
        for (int pos = 0; pos < order.length; pos++) {
            choices.add(new Example.Choice(LABELS[pos], answers.get(order[pos])));
            if (order[pos] == 0) {
                key = LABELS[pos];
            }
        }
        String id = row.optText("Record ID").orElse(row.defaultId());
        return new Example(id, question, key, row.optText("Explanation").orElse(""), choices,
                Example.AnswerType.CHOICE);
    }

    /** A Fisher-Yates permutation of 0..n-1 from {@code seed}: position i shows answer {@code order[i]}. */
    static int[] shuffledOrder(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
