package dev.thinktune.distributed;

import dev.thinktune.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static dev.thinktune.distributed.SparkRuns.assertSameMetrics;
import static dev.thinktune.distributed.SparkRuns.assertSameWeights;
import static dev.thinktune.distributed.SparkRuns.config;
import static dev.thinktune.distributed.SparkRuns.lines;
import static dev.thinktune.distributed.SparkRuns.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Executors in JVMs of their own ({@code local-cluster[2,1,1024]}: a master and a worker in this JVM start two
 * executor processes, all on loopback): the libraries come from {@code target/spark-home/jars} (copied by the
 * spark profile; {@code SPARK_HOME} and {@code SPARK_SCALA_VERSION} are set by it for the tests), with this
 * build's classes added as a jar here.
 */
class SparkClusterTest {
    static final Path SPARK_HOME = Path.of("target/spark-home");

    @TempDir
    Path tmp;

    @Test
    void executorsInSeparateProcessesTrainAsThisProcessDoes() throws IOException {
        prepareSparkHome();
        TrainingRun.Outcome single = run(config(tmp.resolve("single"), "training.steps=1"));
        TrainingRun.Outcome cluster = run(config(tmp.resolve("cluster"), "training.steps=1",
                "distributed.spark.master=local-cluster[2,1,1024]", "distributed.spark.partitions=2"));
        assertEquals(single.state(), cluster.state());
        assertSameWeights(single, cluster, 2e-6f);
        assertSameMetrics(single, cluster, 1e-4);
        assertEquals(lines(single.samplesFile()), lines(cluster.samplesFile()));
    }

    /** This build's classes as a jar next to the libraries, and the build-directory layout the worker looks for. */
    static void prepareSparkHome() throws IOException {
        Path jars = SPARK_HOME.resolve("jars");
        assertTrue(Files.isDirectory(jars), jars + " is filled by the spark profile (mvn -Pspark test)");
        Path classes = Path.of("target/classes");
        try (OutputStream f = Files.newOutputStream(jars.resolve("thinktune-classes.jar"));
             JarOutputStream jar = new JarOutputStream(f); Stream<Path> files = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                jar.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                Files.copy(p, jar);
                jar.closeEntry();
            }
        }
        Path assembly = SPARK_HOME.resolve("assembly/target/scala-2.12/jars");
        if (!Files.exists(assembly)) {
            Files.createDirectories(assembly.getParent());
            Files.createSymbolicLink(assembly, Path.of("../../../jars"));
        }
    }
}
