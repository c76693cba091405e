package dev.thinktune.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Generic CSV with a header, read through a {@link ColumnMapping} (column names; the choices field lists the choice
 * columns separated by commas, labelled A, B, ... in that order).
 *
 * @param mapping where the fields are
 */
public record MappedCsvFormat(ColumnMapping mapping) implements CsvRowMapper {

    public MappedCsvFormat {
        Objects.requireNonNull(mapping, "mapping");
    }

    @Override
    public List<String> requiredColumns() {
        List<String> cols = new ArrayList<>(List.of(mapping.question(), mapping.answer()));
        cols.addAll(choiceColumns());
        return cols;
    }

    @Override
    public Example map(CsvRow row) {
        String question = row.text(mapping.question());
        List<Example.Choice> choices = new ArrayList<>();
        List<String> columns = choiceColumns();
        for (int i = 0; i < columns.size(); i++) {
            choices.add(new Example.Choice(MappedAnswers.label(i), row.text(columns.get(i))));
        }
        String answer = MappedAnswers.normalize(row.text(mapping.answer()), mapping.type(), choices,
                mapping.answer(), row::error);
        String solution = mapping.solution() == null ? "" : row.optText(mapping.solution()).orElse("");
        String id = mapping.id() == null ? row.defaultId() : row.optText(mapping.id()).orElse(row.defaultId());
        return new Example(id, question, answer, solution, choices, mapping.type());
    }

    private List<String> choiceColumns() {
        return mapping.choices() == null ? List.of()
                : Arrays.stream(mapping.choices().split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
