/**
 * The symbolic path of answer checking: {@link dev.thinktune.reward.symbolic.SymbolicEquivalence} parses two
 * answers (LatexTokens, LatexParser into an Expr tree) and compares their structures, and their values at fixed
 * points (Evaluator, in complex double arithmetic), under a time limit (Deadline) that the parser and the evaluator
 * check as they go. {@link dev.thinktune.reward.MathEquivalence} calls it after its string and numeric paths.
 * Plain Java, no dependency.
 */
package dev.thinktune.reward.symbolic;
