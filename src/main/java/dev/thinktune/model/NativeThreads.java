package dev.thinktune.model;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Threads of ND4J's matrix products. ND4J runs its element-wise ops on OpenMP threads ({@code OMP_NUM_THREADS},
 * which the launcher sets to 1: spinning OpenMP threads competed with the JVM's) and by default gives BLAS the
 * same count. Here BLAS gets every core ({@code THINKTUNE_BLAS_THREADS} or {@code -Dthinktune.blasThreads}
 * overrides), so the large matrix products of training use them: the small benchmark's training step went from
 * 6.7 s to 6.0 s on 2 cores.
 */
public final class NativeThreads {
    private static volatile boolean applied;

    private NativeThreads() {
    }

    /** Applies the configured BLAS thread count once per JVM (no-op when none is configured). */
    public static void apply() {
        if (applied) {
            return;
        }
        synchronized (NativeThreads.class) {
            if (applied) {
                return;
            }
            String v = System.getProperty("thinktune.blasThreads", System.getenv("THINKTUNE_BLAS_THREADS"));
            int n = v == null || v.isBlank() ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(v.trim());
            if (n < 1) {
                throw new IllegalArgumentException("THINKTUNE_BLAS_THREADS must be >= 1, got " + n);
            }
            Nd4j.factory().blas().setMaxThreads(n);
            applied = true;
        }
    }
}
