package dev.thinktune.reward;

/**
 * One named part of the reward. Implementations are immutable and safe to call from several threads; the
 * configured ones are built by {@link RewardFunction#from(RewardConfig)}, others can be composed with
 * {@link RewardFunction#of}.
 */
public interface RewardTerm {

    /** The name under which the term is logged; unique within a reward function. */
    String name();

    /** The unweighted score of one completion (1 or 0 for the pass/fail terms). */
    double score(RewardInput in);
}
