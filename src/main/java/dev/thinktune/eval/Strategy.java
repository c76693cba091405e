package dev.thinktune.eval;

import dev.thinktune.data.Example;

import java.util.List;
import java.util.Locale;

/**
 * A prompting strategy of the paper's baselines: how a model is asked, over one or more turns, and which of its
 * responses gives the final answer. Every turn of every question goes through the generator in batches.
 *
 * <ul>
 *   <li>{@link TrainingPrompt} ({@value TrainingPrompt#NAME}): the question exactly as {@code train} asks it (and
 *       as its held-out evaluation does);</li>
 *   <li>{@link ZeroShotCot} ({@value ZeroShotCot#NAME}): the question with "Let's think step by step." and the
 *       answer-format instruction;</li>
 *   <li>{@link SelfVerify} ({@value SelfVerify#NAME}): answer, then verify that answer and revise it if wrong;</li>
 *   <li>{@link SelfCorrect} ({@value SelfCorrect#NAME}): answer, then find problems with it and improve it;</li>
 *   <li>{@link BudgetForcing} ({@value BudgetForcing#NAME}): s1's budget forcing: think up to a token budget,
 *       "Wait" at an early stop, then a forced final answer.</li>
 * </ul>
 */
public sealed interface Strategy permits TrainingPrompt, ZeroShotCot, SelfVerify, SelfCorrect, BudgetForcing {

    /** The name on the command line and in the results. */
    String name();

    /** How the question is put to the model, for the results (e.g. "the question, Let's think step by step., ..."). */
    String prompt();

    /** Answers {@code questions} (index i of the list is question i of its benchmark), one transcript each, in order. */
    List<Transcript> answer(List<Example> questions, EvalContext ctx);

    /** The strategy names: the paper's table in its order, then the training prompt. */
    static List<String> names() {
        return List.of(ZeroShotCot.NAME, SelfVerify.NAME, SelfCorrect.NAME, BudgetForcing.NAME, TrainingPrompt.NAME);
    }

    /** The strategy named {@code name}; {@code budget} configures budget forcing. */
    static Strategy named(String name, BudgetForcing budget) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return switch (n) {
            case TrainingPrompt.NAME -> new TrainingPrompt();
            case ZeroShotCot.NAME -> new ZeroShotCot();
            case SelfVerify.NAME -> new SelfVerify();
            case SelfCorrect.NAME -> new SelfCorrect();
            case BudgetForcing.NAME -> budget;
            default -> throw new IllegalArgumentException("unknown strategy '" + name + "'; known: "
                    + String.join(", ", names()));
        };
    }
}
