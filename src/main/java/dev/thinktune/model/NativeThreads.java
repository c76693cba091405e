package dev.thinktune.model;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Threads of ND4J's matrix products. ND4J runs its element-wise ops on OpenMP threads ({@code OMP_NUM_THREADS},
 * which the launcher sets to 1: spinning OpenMP threads competed with the JVM's) and by default gives BLAS the
 * same count. {@code THINKTUNE_BLAS_THREADS} (or {@code -Dthinktune.blasThreads}) sets the BLAS threads alone,
 * so the large matrix products of training can use every core.
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
            if (v != null && !v.isBlank()) {
                int n = Integer.parseInt(v.trim());
                if (n < 1) {
                    throw new IllegalArgumentException("THINKTUNE_BLAS_THREADS must be >= 1, got " + n);
                }
                Nd4j.factory().blas().setMaxThreads(n);
            }
            applied = true;
        }
    }
}
