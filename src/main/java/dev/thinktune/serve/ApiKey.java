package dev.thinktune.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;

/**
 * The key a client must send as {@code Authorization: Bearer KEY}. It is read from an environment variable or a
 * file, never from the command line (where other users of the machine can read it in the process list). The
 * comparison takes the same time wherever the keys differ; {@link #toString} never shows the key.
 */
public final class ApiKey {
    private static final int MIN_LENGTH = 8;
    private final byte[] key;
    private final String source;

    private ApiKey(String key, String source) {
        String k = key.strip();
        if (k.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("the API key in " + source + " has " + k.length()
                    + " characters; use at least " + MIN_LENGTH + " (e.g. the output of: openssl rand -hex 24)");
        }
        if (k.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IllegalArgumentException("the API key in " + source
                    + " must be printable ASCII without spaces (it travels in an HTTP header)");
        }
        this.key = k.getBytes(StandardCharsets.US_ASCII);
        this.source = source;
    }

    /** The key in environment variable {@code name} of {@code env}. */
    public static ApiKey fromEnvironment(String name, Map<String, String> env) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("environment variable " + name + " is not set or empty; export the "
                    + "API key in it, or leave out --api-key-env to serve without one");
        }
        return new ApiKey(value, "environment variable " + name);
    }

    /** The key in {@code file} (its whole content, surrounding white space removed). */
    public static ApiKey fromFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("API key file " + file + " not found (give a file that holds only "
                    + "the key)");
        }
        try {
            return new ApiKey(Files.readString(file, StandardCharsets.UTF_8), "file " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read API key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** For tests and embedding: a key given in code. */
    public static ApiKey of(String key) {
        return new ApiKey(key, "the given key");
    }

    /** Whether an {@code Authorization} header value carries this key. */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(given, key);
    }

    /** Where the key came from, without the key. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "ApiKey[" + source + "]";
    }
}
