package dev.thinktune.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Time spent in each kind of graph op while a profile is recording: the sessions of every graph add each op's
 * wall-clock time under its op name ({@code matmul}, {@code thinktune_causal_attention_bp}). One profile
 * records at a time, process-wide; a session checks a volatile field per op when none records.
 */
public final class OpProfile implements AutoCloseable {
    private static volatile OpProfile recording;

    private final Map<String, long[]> byOp = new HashMap<>(); // op name -> {calls, nanoseconds}

    private OpProfile() {
    }

    /** Starts recording (replacing any profile that still records); close it to stop. */
    public static OpProfile start() {
        OpProfile p = new OpProfile();
        recording = p;
        return p;
    }

    /** The profile that records now, or null. */
    static OpProfile recording() {
        return recording;
    }

    synchronized void add(String op, long nanos) {
        long[] s = byOp.computeIfAbsent(op, k -> new long[2]);
        s[0]++;
        s[1] += nanos;
    }

    /** One op kind's share of the profile. */
    public record Entry(String op, long calls, double seconds) {
    }

    /** Every op kind seen, the most time first. */
    public synchronized List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        byOp.forEach((op, s) -> out.add(new Entry(op, s[0], s[1] / 1e9)));
        out.sort(Comparator.comparingDouble(Entry::seconds).reversed().thenComparing(Entry::op));
        return out;
    }

    /** Seconds of every op together. */
    public synchronized double totalSeconds() {
        return byOp.values().stream().mapToLong(s -> s[1]).sum() / 1e9;
    }

    @Override
    public void close() {
        if (recording == this) {
            recording = null;
        }
    }
}
