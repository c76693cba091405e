package dev.thinktune.lora;

/** An invalid {@code model.lora} field, named with its value and what would be valid. */
public final class LoraConfigException extends IllegalArgumentException {
    private final String field;

    public LoraConfigException(String field, Object value, String allowed) {
        super(field + " = " + value + " is invalid: must be " + allowed);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
