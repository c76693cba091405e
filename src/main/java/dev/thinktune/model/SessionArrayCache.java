package dev.thinktune.model;

import dev.thinktune.model.ops.JavaOp;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.samediff.config.ExecutionResult;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.autodiff.samediff.internal.AbstractSession.VarId;
import org.nd4j.autodiff.samediff.internal.FrameIter;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.shade.guava.collect.HashBasedTable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * SameDiff's per-session array cache (the arrays of finished ops, kept by exact shape for the next op that asks
 * for that shape), made clearable. Once {@link #install()} has run, every new SameDiff session gets one, and
 * {@link #clearAll()} closes what all of them hold.
 *
 * <p>A cache keeps its arrays until it is full (a quarter of JavaCPP's {@code maxbytes}), so a phase that is over
 * (the benchmark's whole-batch forward pass before micro-batched training, say) goes on holding its arrays, and
 * what it held cannot serve arrays of other shapes: clearing at the end of such a phase gives them back.
 *
 * <p>The sessions themselves are {@link RunScopedSession}s, which mend a leak of SameDiff M2.1's sessions and run
 * thinktune's Java ops.
 */
public final class SessionArrayCache extends ArrayCacheMemoryMgr {
    private static final Set<RunScopedSession> LIVE = Collections.synchronizedSet(
            Collections.newSetFromMap(new WeakHashMap<>()));
    private static volatile boolean installed;

    /**
     * The most a session's cache holds: 1.5 GiB, what SameDiff's default (a quarter of JavaCPP's {@code maxbytes})
     * gave under the fixed {@code maxbytes=6G} the measurements in the README were made with. The launcher now
     * sizes {@code maxbytes} from the machine (22 GiB on 24 GiB), and a quarter of that would let a run's
     * caches keep arrays of every sequence length it met, gigabytes that serve no later op.
     */
    public static final long MAX_CACHE_BYTES = 3L << 29;

    private SessionArrayCache() {
        super(cacheFraction(Pointer.maxBytes()), 1024, 2.0); // SameDiff's defaults but the fraction
    }

    /** The fraction of {@code maxBytes} that caps a cache at {@link #MAX_CACHE_BYTES} (a quarter at most). */
    static double cacheFraction(long maxBytes) {
        return maxBytes <= 0 ? 0.25 : Math.min(0.25, (double) MAX_CACHE_BYTES / maxBytes);
    }

    /** Makes every SameDiff session created from now on a run-scoped one with a clearable cache (idempotent). */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        SameDiff.bindInferenceFactory(sd -> {
            RunScopedSession session = new RunScopedSession(sd);
            session.setMmgr(new SessionArrayCache());
            LIVE.add(session);
            return session;
        });
        installed = true;
    }

    /**
     * A session that forgets, at the start of each run, which arrays it released in the last one. SameDiff M2.1
     * records the id of every array a session releases (so that one run never releases an array twice) and never
     * empties that set; the ids are fresh every run, so it grew by about 5,000 entries a step on the small
     * benchmark model (1.15 million entries, about 75 MB of Java heap, after 220 steps), and resident memory
     * with it. Released arrays are back in the cache under new ids or closed, so last run's ids cannot recur.
     */
    static final class RunScopedSession extends InferenceSession {
        RunScopedSession(SameDiff sd) {
            super(sd);
        }

        @Override
        protected Map<String, INDArray> preprocessPlaceholders(Map<String, INDArray> placeholders, At at) {
            freedArrays.clear();
            return super.preprocessPlaceholders(placeholders, at);
        }

        /**
         * Runs thinktune's Java ops ({@link JavaOp}) here, every other op as SameDiff does; each op's time goes
         * to the {@link OpProfile} that records, if one does.
         */
        @Override
        public ExecutionResult doExec(DifferentialFunction op, OpContext ctx, FrameIter frameIter,
                                      Set<VarId> opInputs, Set<VarId> allIterInputs, Set<String> constAndPhInputs,
                                      Map<String, SDValue> otherPlaceholders) {
            OpProfile profile = OpProfile.recording();
            long t0 = profile == null ? 0 : System.nanoTime();
            ExecutionResult result;
            if (op instanceof JavaOp javaOp) {
                javaOp.execute(ctx);
                result = ExecutionResult.createFrom(op, ctx);
            } else {
                result = super.doExec(op, ctx, frameIter, opInputs, allIterInputs, constAndPhInputs,
                        otherPlaceholders);
            }
            if (profile != null) {
                profile.add(op.opName(), System.nanoTime() - t0);
            }
            return result;
        }

        int releasedThisRun() {
            return freedArrays.size();
        }

        SameDiff graph() {
            return sameDiff;
        }

        SessionArrayCache cache() {
            return (SessionArrayCache) getMmgr();
        }
    }

    /** Closes the cached arrays of every live session; returns the bytes they held. */
    public static long clearAll() {
        long freed = 0;
        for (RunScopedSession s : live()) {
            freed += s.cache().clear();
        }
        return freed;
    }

    /** Bytes cached now by every live session. */
    public static long cachedBytes() {
        return live().stream().mapToLong(s -> s.cache().getCurrentCacheSize()).sum();
    }

    /** Ids of released arrays that the sessions of {@code graph} remember (those of their last run). */
    static long releasedIdsHeld(SameDiff graph) {
        return live().stream().filter(s -> s.graph() == graph).mapToLong(RunScopedSession::releasedThisRun).sum();
    }

    private static List<RunScopedSession> live() {
        synchronized (LIVE) {
            return new ArrayList<>(LIVE);
        }
    }

    /** Closes this session's cached arrays and empties the cache; returns the bytes they held. */
    public synchronized long clear() {
        long held = getCurrentCacheSize();
        super.close();
        setArrays(HashBasedTable.create());
        setLruCache(new LinkedHashSet<>());
        setLruCacheValues(new HashMap<>());
        setCurrentCacheSize(0);
        return held;
    }

    @Override
    public synchronized INDArray allocate(boolean detached, DataType dataType, long... shape) {
        return super.allocate(detached, dataType, shape);
    }

    @Override
    public synchronized INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
        return super.allocate(detached, descriptor);
    }

    @Override
    public synchronized void release(INDArray array) {
        super.release(array);
    }

    @Override
    public synchronized void close() {
        clear();
    }
}
