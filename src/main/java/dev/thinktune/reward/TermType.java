package dev.thinktune.reward;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The reward terms a configuration can name, with their parameters and default weights. */
public enum TermType {
    /** {@link CorrectnessTerm}; params: require_eos (true), extraction (lenient|strict), rel_tol, abs_tol. */
    CORRECTNESS("correctness", 1.0, Set.of("name", "require_eos", "extraction", "rel_tol", "abs_tol")),
    /** {@link EosTerm}; no params. */
    EOS("eos", null, Set.of("name")),
    /** {@link PhraseTerm}; params: phrase (required), count (1), rule (exactly|at_least|at_most), case_sensitive. */
    PHRASE("phrase", 0.5, Set.of("name", "phrase", "count", "rule", "case_sensitive")),
    /** {@link BoxedTerm}; no params. */
    BOXED("boxed", null, Set.of("name")),
    /** {@link LengthTerm}; params: soft, hard (token counts, both required). */
    LENGTH("length", null, Set.of("name", "soft", "hard"));

    private final String id;
    private final Double defaultWeight;
    private final Set<String> params;

    TermType(String id, Double defaultWeight, Set<String> params) {
        this.id = id;
        this.defaultWeight = defaultWeight;
        this.params = params;
    }

    /** The name used in configurations. */
    public String id() {
        return id;
    }

    /** The names of all types, as configurations spell them. */
    public static List<String> ids() {
        return Arrays.stream(values()).map(TermType::id).toList();
    }

    /** The type named {@code id}; the error names {@code field} and the allowed names. */
    static TermType byId(String id, String field) {
        if (id == null || id.isBlank()) {
            throw new RewardConfigException(field, "required; one of " + String.join(", ", ids()));
        }
        for (TermType t : values()) {
            if (t.id.equals(id.strip().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new RewardConfigException(field, "unknown term type '" + id + "'; allowed: " + String.join(", ", ids()));
    }

    /** Builds the weighted term of {@code spec}, which is {@code terms[index]} of its configuration. */
    RewardFunction.WeightedTerm build(TermSpec spec, String path) {
        Double w = spec.weight() != null ? spec.weight() : defaultWeight;
        if (w == null) {
            throw new RewardConfigException(path + ".weight", "required for '" + id + "' (no default)");
        }
        if (!Double.isFinite(w)) {
            throw new RewardConfigException(path + ".weight", "must be a finite number, got " + w);
        }
        TermParams p = new TermParams(spec.params(), path + ".params");
        p.allowOnly(id, params);
        String name = p.string("name", id);
        RewardTerm term = switch (this) {
            case CORRECTNESS -> {
                String mode = p.oneOf("extraction", List.of("lenient", "strict"), "lenient");
                AnswerExtractor extractor = mode.equals("strict") ? AnswerExtractor.STRICT : AnswerExtractor.LENIENT;
                MathEquivalence eq = new MathEquivalence(p.number("rel_tol", MathEquivalence.DEFAULT_REL_TOL, 0),
                        p.number("abs_tol", MathEquivalence.DEFAULT_ABS_TOL, 0));
                yield new CorrectnessTerm(name, new Verifier(extractor, eq), p.bool("require_eos", true));
            }
            case EOS -> new EosTerm(name);
            case PHRASE -> {
                String phrase = p.requiredString("phrase");
                String rule = p.oneOf("rule", List.of("exactly", "at_least", "at_most"), "exactly");
                yield new PhraseTerm(name, phrase, PhraseTerm.CountRule.valueOf(rule.toUpperCase(Locale.ROOT)),
                        p.integer("count", 1, 0), p.bool("case_sensitive", true));
            }
            case BOXED -> new BoxedTerm(name);
            case LENGTH -> {
                int soft = p.integer("soft", null, 0);
                int hard = p.integer("hard", null, 1);
                if (hard <= soft) {
                    throw new RewardConfigException(path + ".params.hard", "must be greater than soft (" + soft
                            + "), got " + hard);
                }
                yield new LengthTerm(name, soft, hard);
            }
        };
        return new RewardFunction.WeightedTerm(term, w);
    }
}
