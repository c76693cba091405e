package dev.thinktune.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;

/**
 * Builds a config record from the {@link Default}s written on its fields, so that a section's defaults are read
 * where its fields are declared rather than from a positional constructor call. Values are JSON, read as the
 * config loader reads a file (snake_case keys, unknown keys refused); the record's own constructor validates
 * them.
 */
public final class ConfigDefaults {
    private static final ObjectMapper JSON = configure(new ObjectMapper());

    private ConfigDefaults() {
    }

    /**
     * How every config is read, files and defaults alike: snake_case keys, unknown keys and missing primitives
     * refused, whole numbers only where an integer is expected.
     */
    public static ObjectMapper configure(ObjectMapper m) {
        return m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    }

    /** {@code type} with every field at its default. */
    public static <T extends Record> T of(Class<T> type) {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            values[i] = value(type, c);
        }
        try {
            return type.getDeclaredConstructor(types).newInstance(values);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("the defaults of " + type.getSimpleName() + " are invalid: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type.getName() + " has no canonical constructor", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Object value(Class<?> owner, RecordComponent c) {
        Default d = c.getAnnotation(Default.class);
        if (d == null) {
            if (c.getType().isRecord()) {
                return of((Class<? extends Record>) c.getType());
            }
            throw new IllegalStateException(owner.getName() + "." + c.getName() + " has no @Default");
        }
        try {
            return JSON.readValue(d.value(), JSON.constructType(c.getGenericType()));
        } catch (IOException e) {
            throw new IllegalStateException(owner.getName() + "." + c.getName() + ": @Default(" + d.value()
                    + ") is not a " + c.getGenericType().getTypeName() + ": " + e.getMessage(), e);
        }
    }
}
