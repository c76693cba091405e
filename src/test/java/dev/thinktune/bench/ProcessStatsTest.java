package dev.thinktune.bench;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Resetting the peak makes it measure what comes after, not what came before. */
class ProcessStatsTest {

    @Test
    void resetPeakStartsAgainFromTheCurrentResidentMemory() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "Linux /proc only");
        INDArray big = Nd4j.create(DataType.BYTE, 256L << 20);
        big.assign(1); // every page touched
        double peakWithIt = ProcessStats.peakRssMb();
        big.close(); // 256 MB is above glibc's mmap threshold: unmapped at once

        assertTrue(ProcessStats.resetPeakRss());
        double peakAfter = ProcessStats.peakRssMb();
        assertTrue(peakAfter < peakWithIt - 128, "peak " + peakWithIt + " MB before the reset, " + peakAfter + " after");
        assertTrue(peakAfter >= ProcessStats.rssMb() - 64, "the new peak starts at the resident memory of now");
    }
}
