package dev.thinktune.train;

/** A configuration value outside its allowed range; the message names the field, the value and the range. */
public class ConfigException extends IllegalArgumentException {
    public ConfigException(String field, Object value, String allowed) {
        super(field + " = " + value + " is invalid: must be " + allowed);
    }

    public ConfigException(String message) {
        super(message);
    }
}
