package dev.thinktune.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A config field's default, as JSON ({@code "50"}, {@code "\"auto\""}, {@code "[\"q_proj\"]"}, {@code "null"}
 * for a section that is off): written beside the field and its {@link Help}, read by {@link ConfigDefaults}. A
 * field whose type is a section (a record) and has no {@code @Default} takes that section's defaults.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Default {
    String value();
}
