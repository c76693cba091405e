package dev.thinktune.ui;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;

/**
 * The UI logs one server shows, by name. A name is what the page's address and the log's download route carry,
 * so it is limited to letters, digits, '.', '_' and '-'. The files are read afresh on every request, so a log
 * that a training run is still appending to is shown as it grows.
 */
public final class UiLogRegistry {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private final Map<String, Path> logs = new ConcurrentSkipListMap<>();

    /** Shows {@code file} under {@code name}, replacing any log of that name. */
    public void register(String name, Path file) {
        if (!isValidName(name)) {
            throw new IllegalArgumentException("log name must be 1 to 100 of [A-Za-z0-9._-]: '" + name + "'");
        }
        logs.put(name, file.toAbsolutePath().normalize());
    }

    public void unregister(String name) {
        logs.remove(name);
    }

    public Optional<Path> file(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(logs.get(name));
    }

    /** The logs in name order. */
    public Map<String, Path> all() {
        return Collections.unmodifiableMap(new TreeMap<>(logs));
    }

    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** A valid name for a log file: its file name without the extension, other characters replaced by '_'. */
    public static String nameFor(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        if (dot > 0) {
            n = n.substring(0, dot);
        }
        n = n.replaceAll("[^A-Za-z0-9._-]", "_");
        if (n.length() > 100) {
            n = n.substring(0, 100);
        }
        return n.isEmpty() ? "log" : n;
    }
}
