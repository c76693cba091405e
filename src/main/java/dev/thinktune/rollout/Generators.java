package dev.thinktune.rollout;

import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.tokenizer.Tokenizer;

/**
 * The generator thinktune uses for a model's weights (teachers, {@code thinktune serve}). Until the rollout
 * engine is in place this is the {@link GraphGenerator}; when it is, these methods return the engine, and
 * their callers need no change.
 */
public final class Generators {

    private Generators() {
    }

    /** A generator over {@code weights}; stop strings are not supported without a tokenizer. */
    public static Generator forModel(ModelWeights weights) {
        return forModel(weights, null);
    }

    /** A generator over {@code weights} that decodes with {@code tokenizer} to honour stop strings. */
    public static Generator forModel(ModelWeights weights, Tokenizer tokenizer) {
        return new GraphGenerator(StudentModel.of(weights), tokenizer);
    }
}
