package dev.thinktune.reward;

/** A reward configuration that cannot be used; the message names the field ("terms[1].params.count"). */
public class RewardConfigException extends RuntimeException {

    private final String field;

    public RewardConfigException(String field, String message) {
        super(field.isEmpty() ? message : field + ": " + message);
        this.field = field;
    }

    public RewardConfigException(String source, String field, String message, Throwable cause) {
        super(source + ": " + (field.isEmpty() ? message : field + ": " + message), cause);
        this.field = field;
    }

    /** The path of the offending field, e.g. "terms[0].weight"; empty for the whole configuration. */
    public String field() {
        return field;
    }
}
