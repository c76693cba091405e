package dev.thinktune.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a config field means, in one line with its unit: read by the train package's {@code ConfigReference}, which writes the
 * reference page {@code docs/config.md} from these and the defaults.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Help {
    String value();
}
