package dev.thinktune.train;

/** A configuration value outside its allowed range; the message names the field, the value and the range. */
public class ConfigException extends IllegalArgumentException {
    private final String field;

    public ConfigException(String field, Object value, String allowed) {
        super(field + " = " + value + " is invalid: must be " + allowed);
        this.field = field;
    }

    public ConfigException(String message) {
        super(message);
        this.field = null;
    }

    /** The dotted name of the field at fault ({@code training.steps}), or null when the message names no one field. */
    public String field() {
        return field;
    }
}
