package dev.thinktune.rollout;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads that runs one parallel region at a time, OpenMP style: {@link #run} hands the same
 * body to every member (the caller is member 0), members meet at {@link Member#barrier()}, and within a phase
 * (the code between two barriers) they take work items from a shared counter ({@link Member#claim}), so a member
 * slowed down by another process on the machine simply takes fewer items. A decode step is one region with a
 * few barriers per layer, instead of a task submission per operation.
 *
 * <p>Waiting spins briefly (the phases are tens of microseconds) and then yields or parks, so idle members do not
 * hold a core that other processes need. Not reentrant: one region at a time.
 */
final class Team implements AutoCloseable {
    /** Work of one member in a region. */
    @FunctionalInterface
    interface Body {
        void run(Member member);
    }

    private static final int PAD = 16;              // ints between counters (one cache line)
    private static final long SPIN_NANOS = 50_000;  // spin this long before yielding or parking

    private final int size;
    private final Member[] members;
    private final Thread[] threads;
    /** Work counters of the current and the next phase (phase k uses slot k % 2). */
    private final AtomicIntegerArray counters = new AtomicIntegerArray(2 * PAD);
    private final AtomicInteger arrived = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();
    private volatile int barrierGeneration;
    private volatile int regionGeneration;
    private volatile Body body;
    private volatile Throwable failure;
    private volatile boolean closed;

    Team(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + size);
        }
        this.size = size;
        this.members = new Member[size];
        for (int i = 0; i < size; i++) {
            members[i] = new Member(i);
        }
        this.threads = new Thread[size - 1];
        for (int i = 1; i < size; i++) {
            Member m = members[i];
            Thread t = new Thread(() -> workerLoop(m), "rollout-worker-" + i);
            t.setDaemon(true);
            threads[i - 1] = t;
            t.start();
        }
    }

    int size() {
        return size;
    }

    /**
     * Runs {@code body} on every member and returns when all are done. An exception in any member is rethrown
     * here.
     */
    void run(Body body) {
        run(body, true);
    }

    /**
     * As {@link #run(Body)}; without {@code parallel} the calling thread runs the whole body alone (solo mode:
     * it takes every item and does not wait at barriers), for work too small to pay for waking the team.
     */
    void run(Body body, boolean parallel) {
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
        if (!parallel || size == 1) {
            Member m = members[0];
            m.phase = 0;
            m.solo(true);
            body.run(m);
            return;
        }
        counters.set(0, 0);
        for (Member m : members) {
            m.phase = 0;
            m.solo(false);
        }
        arrived.set(0);
        finished.set(0);
        failure = null;
        this.body = body;
        regionGeneration++;                        // publishes everything above
        for (int i = 1; i < size; i++) {
            LockSupport.unpark(threads[i - 1]);
        }
        Throwable own = null;
        try {
            body.run(members[0]);
        } catch (Throwable t) {
            own = t;
            if (!(t instanceof Aborted)) {
                failure = t;
            }
        }
        long start = System.nanoTime();
        while (finished.get() < size - 1) {
            pause(start);
        }
        this.body = null;
        Throwable t = failure != null ? failure : own;
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    private void workerLoop(Member m) {
        int seen = 0;
        while (!closed) {
            long start = System.nanoTime();
            while (regionGeneration == seen && !closed) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this); // run() and close() unpark
                }
            }
            if (closed) {
                return;
            }
            seen = regionGeneration;
            try {
                body.run(m);
            } catch (Throwable t) {
                if (!(t instanceof Aborted)) {
                    failure = t;
                }
            } finally {
                finished.incrementAndGet();
            }
        }
    }

    private static void pause(long since) {
        if (System.nanoTime() - since < SPIN_NANOS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
    }

    /** Thrown in members waiting at a barrier when another member failed. */
    private static final class Aborted extends RuntimeException {
        Aborted() {
            super("another thread of the rollout team failed", null, false, false);
        }
    }

    /** One member's view of the region. */
    final class Member {
        final int index;
        int phase;
        private boolean solo;
        private int soloNext;

        private Member(int index) {
            this.index = index;
        }

        int teamSize() {
            return size;
        }

        /**
         * Takes the next {@code chunk} work items of this phase; returns the first one, or a value
         * {@code >= total} when the phase's items are all taken.
         */
        int claim(int chunk) {
            if (solo) {
                int i = soloNext;
                soloNext += chunk;
                return i;
            }
            return counters.getAndAdd((phase & 1) * PAD, chunk);
        }

        /**
         * In solo mode this member works alone on a part of the data the team split up front: {@link #claim}
         * hands it every item of a phase in order and {@link #barrier} does not wait.
         */
        void solo(boolean on) {
            solo = on;
            soloNext = 0;
        }

        /** Waits until every member arrives; then the next phase starts. */
        void barrier() {
            if (solo) {
                soloNext = 0;
                return;
            }
            phase++;
            if (size == 1) {
                counters.set((phase & 1) * PAD, 0);
                return;
            }
            int gen = barrierGeneration;
            if (arrived.incrementAndGet() == size) {
                // everyone is done with the previous phase's counter: it becomes the next phase's
                counters.set((phase & 1) * PAD, 0);
                arrived.set(0);
                barrierGeneration = gen + 1;
                return;
            }
            long start = System.nanoTime();
            while (barrierGeneration == gen) {
                if (failure != null) {
                    throw new Aborted();
                }
                pause(start);
            }
        }
    }
}
