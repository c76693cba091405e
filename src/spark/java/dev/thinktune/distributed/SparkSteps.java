package dev.thinktune.distributed;

import dev.thinktune.data.Example;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.StudentModel;
import dev.thinktune.teacher.Teacher;
import dev.thinktune.train.ConfigException;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.GuideContext;
import dev.thinktune.train.DistributedSteps;
import dev.thinktune.train.StepShare;
import dev.thinktune.train.StepWorker;
import dev.thinktune.train.TrainConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * {@link DistributedSteps} on Spark: the driver side of a scaled-out run. Opening it connects to the master and
 * asks every partition's executor whether it can read the student, so a wrong master or a missing model path is
 * refused before step 1. Each step ships the trainable parameters of a new version once (a broadcast, the previous
 * one destroyed), runs one task per slice of consecutive questions ({@link StepTask}) and sums the shares with a
 * treeReduce.
 */
public final class SparkSteps implements DistributedSteps {
    /** The JVM options executors need as the driver has them: the Vector API module and Spark's opened packages. */
    static final List<String> FORWARDED_JVM_OPTIONS = List.of("--add-modules", "--add-opens");

    private final JavaSparkContext sc;
    private final TrainConfig cfg;
    private final StudentModel policy;
    private final String run = UUID.randomUUID().toString();
    private final String configYaml;
    private final String modelPath;
    private final Function<GuideContext, Teacher> teacher;
    private final int partitions;
    private Broadcast<ParameterVersion> broadcast;
    private long broadcastBytes;
    private long broadcastBytesLastStep;
    private long aggregatedBytesLastStep;

    private SparkSteps(JavaSparkContext sc, TrainConfig cfg, StudentModel policy,
                       Function<GuideContext, Teacher> teacher) {
        this.sc = sc;
        this.cfg = cfg;
        this.policy = policy;
        this.configYaml = ConfigLoader.toYaml(cfg);
        TrainConfig.SparkSection spark = cfg.distributed().spark();
        this.modelPath = spark.modelPath().isEmpty() ? Path.of(cfg.model().path()).toAbsolutePath().toString()
                : spark.modelPath();
        this.teacher = teacher instanceof Serializable ? teacher : null;
        this.partitions = spark.partitions() > 0 ? spark.partitions() : Math.max(1, sc.defaultParallelism());
    }

    /**
     * Connects to {@code distributed.spark.master} (or joins the context {@code spark-submit} started) and checks the
     * executors before the first step.
     *
     * @param teacher the executors' teacher factory when it is {@link Serializable}; else the config's teacher
     */
    public static DistributedSteps open(TrainConfig cfg, StudentModel policy,
                                        Function<GuideContext, Teacher> teacher, PrintStream log) {
        String master = cfg.distributed().spark().master();
        requireReachable(master);
        SparkConf conf = conf(cfg);
        JavaSparkContext sc;
        try {
            sc = new JavaSparkContext(conf);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("distributed.spark.master '" + master + "': Spark could not start: "
                    + e.getMessage() + " (valid: local[N], local-cluster[N,CORES,MB], spark://HOST:PORT, yarn, "
                    + "k8s://HOST:PORT)", e);
        }
        SparkSteps steps = new SparkSteps(sc, cfg, policy, teacher);
        try {
            steps.checkExecutors();
        } catch (RuntimeException | Error e) {
            steps.close();
            throw e;
        }
        log.printf(Locale.ROOT, "spark: master %s, %d partitions per step, executors read the student from %s%n",
                sc.master(), steps.partitions, steps.modelPath);
        return steps;
    }

    /** Spark's settings for a run: loopback for local masters, the driver's module options for the executors. */
    static SparkConf conf(TrainConfig cfg) {
        String master = cfg.distributed().spark().master();
        SparkConf conf = new SparkConf().setMaster(master).setAppName("thinktune " + cfg.mode().id() + " "
                + cfg.outputDir());
        conf.setIfMissing("spark.ui.enabled", "false");
        if (master.startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        String options = jvmOptionsForExecutors();
        if (!options.isEmpty()) {
            String given = conf.get("spark.executor.extraJavaOptions", "");
            conf.set("spark.executor.extraJavaOptions", (given + " " + options).strip());
        }
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
        conf.setIfMissing("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
        return conf;
    }

    /** This JVM's {@code --add-modules} and {@code --add-opens} options, which the executors need as well. */
    static String jvmOptionsForExecutors() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            for (String prefix : FORWARDED_JVM_OPTIONS) {
                if (a.startsWith(prefix + "=")) {
                    out.add(a);
                } else if (a.equals(prefix) && i + 1 < args.size()) {
                    out.add(a + "=" + args.get(++i));
                }
            }
        }
        return String.join(" ", out);
    }

    /** A standalone master that does not accept connections is refused at once (Spark would retry for a minute). */
    static void requireReachable(String master) {
        if (!master.startsWith("spark://")) {
            return;
        }
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            URI u = URI.create("spark://" + hostPort);
            if (u.getHost() == null || u.getPort() < 0) {
                throw new ConfigException("distributed.spark.master", master, "spark://HOST:PORT[,HOST:PORT...]");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 3000);
                return;
            } catch (IOException e) {
                if (!master.contains(",")) {
                    throw new IllegalArgumentException("distributed.spark.master " + master + ": no Spark master answers"
                            + " at " + u.getHost() + ":" + u.getPort() + " (" + e.getMessage() + "); start it (sbin/"
                            + "start-master.sh) or give the master's URL as its web page shows it");
                }
            }
        }
        throw new IllegalArgumentException("distributed.spark.master " + master + ": none of these masters answers");
    }

    /** Every partition's executor reads the student's config before step 1; the first that cannot is reported. */
    private void checkExecutors() {
        String path = modelPath;
        List<String> problems = sc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions)
                .map(i -> HfCheckpoint.isCheckpoint(Path.of(path)) ? ""
                        : java.net.InetAddress.getLocalHost().getHostName() + ": " + StepWorker.missingModel(Path.of(path)))
                .filter(s -> !s.isEmpty()).collect();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("an executor cannot read the student: " + problems.get(0)
                    + " (copy it to the same path on every machine, or set distributed.spark.model_path to where the "
                    + "executors find it)");
        }
    }

    @Override
    public StepShare run(int step, List<Example> questions, double fraction, long version) {
        broadcastBytesLastStep = 0;
        if (broadcast == null || broadcast.value().version() != version) {
            if (broadcast != null) {
                broadcast.destroy();
            }
            ParameterVersion v = new ParameterVersion(version, StepWorker.snapshot(policy.trainable()));
            broadcast = sc.broadcast(v);
            broadcastBytes = v.bytes();
            broadcastBytesLastStep = broadcastBytes;
        }
        List<StepSlice> slices = StepSlice.split(questions, partitions);
        StepTask task = new StepTask(run, configYaml, modelPath, teacher, step, fraction, broadcast);
        StepShare share = sc.parallelize(slices, slices.size()).map(task).treeReduce(StepShare::merge, 2);
        aggregatedBytesLastStep = share.gradientBytes() * slices.size();
        return share;
    }

    /** Partitions a step is split into. */
    public int partitions() {
        return partitions;
    }

    /** Bytes of trainable parameters broadcast before the last step (0 when its version was already shipped). */
    public long broadcastBytesLastStep() {
        return broadcastBytesLastStep;
    }

    /** Bytes of gradient sums the executors sent back in the last step (one set per partition). */
    public long aggregatedBytesLastStep() {
        return aggregatedBytesLastStep;
    }

    @Override
    public void close() {
        try {
            if (broadcast != null) {
                broadcast.destroy();
            }
        } finally {
            ExecutorWorkers.forget(run);
            sc.stop();
        }
    }
}
