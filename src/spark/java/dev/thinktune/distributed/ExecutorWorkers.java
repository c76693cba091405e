package dev.thinktune.distributed;

import dev.thinktune.train.StepWorker;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The step workers of this JVM, by run: built on an executor's first task of a run and kept for its next ones,
 * so an executor reads the student once per run and then only takes new parameter versions. A worker serves one
 * task at a time; an executor running tasks side by side (several cores, or {@code local[N]}) builds one per
 * concurrent task.
 */
final class ExecutorWorkers {
    private static final Map<String, Deque<StepWorker>> IDLE = new HashMap<>();

    private ExecutorWorkers() {
    }

    /** An idle worker of {@code run}, or a new one from {@code build}. */
    static StepWorker borrow(String run, Supplier<StepWorker> build) {
        synchronized (IDLE) {
            StepWorker w = IDLE.getOrDefault(run, new ArrayDeque<>()).pollFirst();
            if (w != null) {
                return w;
            }
        }
        return build.get();
    }

    /** Gives {@code worker} back for the next task of {@code run}. */
    static void release(String run, StepWorker worker) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(run, r -> new ArrayDeque<>()).addFirst(worker);
        }
    }

    /** Closes and forgets the workers of {@code run} held in this JVM (the executors of a local master). */
    static void forget(String run) {
        Deque<StepWorker> ws;
        synchronized (IDLE) {
            ws = IDLE.remove(run);
        }
        if (ws != null) {
            ws.forEach(StepWorker::close);
        }
    }

    /** Workers of {@code run} idle in this JVM. */
    static int idle(String run) {
        synchronized (IDLE) {
            return IDLE.getOrDefault(run, new ArrayDeque<>()).size();
        }
    }
}
