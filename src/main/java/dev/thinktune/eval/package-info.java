/**
 * Evaluation: a model's accuracy on benchmarks under the paper's prompting baselines.
 *
 * <p>{@link dev.thinktune.eval.Strategy} is one of {@link dev.thinktune.eval.ZeroShotCot},
 * {@link dev.thinktune.eval.SelfVerify}, {@link dev.thinktune.eval.SelfCorrect} and
 * {@link dev.thinktune.eval.BudgetForcing}; each answers a whole benchmark through an
 * {@link dev.thinktune.eval.EvalContext} (a generator, the model's prompts, sampling), turn by turn, every turn
 * batched over the questions, and returns one {@link dev.thinktune.eval.Transcript} per question.
 * {@link dev.thinktune.eval.Evaluation} runs benchmarks × strategies × seeds, verifies the answers and writes
 * {@code results.md}, {@code results.csv} and {@code completions.jsonl} ({@code thinktune eval}).
 * {@link dev.thinktune.eval.AccuracyEvaluator} is the trainer's plain before/after accuracy on a held-out split.
 */
package dev.thinktune.eval;
