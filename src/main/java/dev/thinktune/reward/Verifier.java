package dev.thinktune.reward;

import dev.thinktune.data.Example;
import dev.thinktune.data.Example.AnswerType;
import dev.thinktune.data.Example.Choice;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks a completion against an {@link Example}: extracts its final answer for the example's answer type and
 * compares it with the reference answer (numbers and math with {@link MathEquivalence}, choices by label, yes/no
 * by word). Immutable and safe to share between threads.
 *
 * @param extractor   how the final answer is found
 * @param equivalence how numeric and mathematical answers are compared
 */
public record Verifier(AnswerExtractor extractor, MathEquivalence equivalence) {

    public Verifier {
        Objects.requireNonNull(extractor, "extractor");
        Objects.requireNonNull(equivalence, "equivalence");
    }

    /** Lenient extraction (last-number fallback) and the default tolerances. */
    public static Verifier lenient() {
        return new Verifier(AnswerExtractor.LENIENT, MathEquivalence.DEFAULT);
    }

    /** Explicit answers only, default tolerances. */
    public static Verifier strict() {
        return new Verifier(AnswerExtractor.STRICT, MathEquivalence.DEFAULT);
    }

    /** The answer {@code completion} gives for {@code example} and whether it is the reference answer. */
    public Verification verify(Example example, String completion) {
        return check(example, completion).verification();
    }

    /**
     * A verification and, for numeric and mathematical answers that were compared, the path of
     * {@link MathEquivalence} that decided it (empty for choices, yes/no and completions without an answer).
     */
    public record Check(Verification verification, Optional<MathEquivalence.Path> path) {
    }

    /** {@link #verify}, also telling which comparison path decided. */
    public Check check(Example example, String completion) {
        Optional<String> extracted = extractor.extract(completion, example);
        if (extracted.isPresent() && (example.type() == AnswerType.NUMBER || example.type() == AnswerType.MATH)) {
            MathEquivalence.Comparison c = equivalence.compare(extracted.get(), example.answer());
            return new Check(new Verification(extracted, c.equal()), Optional.of(c.path()));
        }
        boolean correct = extracted.map(a -> matches(example, a)).orElse(false);
        return new Check(new Verification(extracted, correct), Optional.empty());
    }

    /** Whether {@code answer} (as extracted) is {@code example}'s reference answer. */
    public boolean matches(Example example, String answer) {
        return switch (example.type()) {
            case NUMBER, MATH -> equivalence.equivalent(answer, example.answer());
            case CHOICE -> {
                List<String> labels = example.choices().isEmpty()
                        ? AnswerExtractor.DEFAULT_LABELS : example.choices().stream().map(Choice::label).toList();
                Optional<String> predicted = ChoiceLabels.parse(answer, labels, example.choices());
                Optional<String> reference = ChoiceLabels.parse(example.answer(), labels, example.choices());
                yield predicted.isPresent() && predicted.equals(reference);
            }
            case YES_NO -> YesNo.same(answer, example.answer());
        };
    }
}
