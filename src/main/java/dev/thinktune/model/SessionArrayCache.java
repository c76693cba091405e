package dev.thinktune.model;

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
 */
public final class SessionArrayCache extends ArrayCacheMemoryMgr {
    private static final Set<SessionArrayCache> LIVE = Collections.synchronizedSet(
            Collections.newSetFromMap(new WeakHashMap<>()));
    private static volatile boolean installed;

    private SessionArrayCache() {
    }

    /** Makes every SameDiff session created from now on use a clearable cache (idempotent). */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        SameDiff.bindInferenceFactory(sd -> {
            InferenceSession session = new InferenceSession(sd);
            SessionArrayCache cache = new SessionArrayCache();
            LIVE.add(cache);
            session.setMmgr(cache);
            return session;
        });
        installed = true;
    }

    /** Closes the cached arrays of every live session; returns the bytes they held. */
    public static long clearAll() {
        List<SessionArrayCache> caches;
        synchronized (LIVE) {
            caches = new ArrayList<>(LIVE);
        }
        long freed = 0;
        for (SessionArrayCache c : caches) {
            freed += c.clear();
        }
        return freed;
    }

    /** Bytes cached now by every live session. */
    public static long cachedBytes() {
        synchronized (LIVE) {
            return LIVE.stream().mapToLong(SessionArrayCache::getCurrentCacheSize).sum();
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
