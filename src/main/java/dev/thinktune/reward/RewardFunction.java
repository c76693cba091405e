package dev.thinktune.reward;

import dev.thinktune.data.Example;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The reward of a completion: a weighted sum of named {@link RewardTerm}s. Built from a {@link RewardConfig}
 * (validated, errors name the field) or from terms directly. Immutable and safe to share between threads.
 */
public final class RewardFunction {

    /** A term and its weight in the total. */
    public record WeightedTerm(RewardTerm term, double weight) {
        public WeightedTerm {
            Objects.requireNonNull(term, "term");
            if (!Double.isFinite(weight)) {
                throw new IllegalArgumentException("weight of " + term.name() + " must be finite, got " + weight);
            }
        }
    }

    private final List<WeightedTerm> terms;

    private RewardFunction(List<WeightedTerm> terms) {
        this.terms = List.copyOf(terms);
    }

    /** Composes {@code terms}; their names must be unique. */
    public static RewardFunction of(List<WeightedTerm> terms) {
        if (terms.isEmpty()) {
            throw new IllegalArgumentException("a reward function needs at least one term");
        }
        Set<String> seen = new HashSet<>();
        for (WeightedTerm t : terms) {
            if (!seen.add(t.term().name())) {
                throw new IllegalArgumentException("two reward terms are named '" + t.term().name() + "'");
            }
        }
        return new RewardFunction(terms);
    }

    /** Builds and validates the terms of {@code config}; a {@link RewardConfigException} names the bad field. */
    public static RewardFunction from(RewardConfig config) {
        List<TermSpec> specs = config.terms();
        if (specs.isEmpty()) {
            throw new RewardConfigException("terms", "at least one term is required");
        }
        Map<String, WeightedTerm> byName = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            String path = "terms[" + i + "]";
            TermSpec spec = specs.get(i);
            if (spec == null) {
                throw new RewardConfigException(path, "empty term");
            }
            WeightedTerm wt = TermType.byId(spec.type(), path + ".type").build(spec, path);
            if (byName.putIfAbsent(wt.term().name(), wt) != null) {
                throw new RewardConfigException(path, "a second term named '" + wt.term().name()
                        + "'; give one of them another params.name");
            }
        }
        return new RewardFunction(List.copyOf(byName.values()));
    }

    /** The paper's reward: correctness 1.0, earned only by a completion that ends with EOS. */
    public static RewardFunction paper() {
        return from(RewardConfig.paper());
    }

    /** Scores one completion: each term by name and the weighted total. */
    public RewardBreakdown score(RewardInput in) {
        Map<String, Double> scores = new LinkedHashMap<>();
        Map<String, Double> contributions = new LinkedHashMap<>();
        double total = 0;
        for (WeightedTerm t : terms) {
            double s = t.term().score(in);
            double c = t.weight() * s;
            scores.put(t.term().name(), s);
            contributions.put(t.term().name(), c);
            total += c;
        }
        return new RewardBreakdown(total, scores, contributions);
    }

    /** Scores one completion given its parts (see {@link RewardInput}). */
    public RewardBreakdown score(Example example, String completion, int[] completionIds, Set<Integer> eosIds) {
        return score(new RewardInput(example, completion, completionIds, eosIds));
    }

    /** The terms with their weights, in order. */
    public List<WeightedTerm> terms() {
        return terms;
    }

    /** The names of the terms, in the order they are logged. */
    public List<String> termNames() {
        return terms.stream().map(t -> t.term().name()).toList();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RewardFunction[");
        for (int i = 0; i < terms.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(terms.get(i).weight()).append(" * ").append(terms.get(i).term());
        }
        return sb.append(']').toString();
    }
}
