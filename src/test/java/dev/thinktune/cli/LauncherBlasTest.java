package dev.thinktune.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/thinktune-blas: OpenBLAS's kernel family from a CPU's flags. */
class LauncherBlasTest {

    private static String coretype(String flags) throws Exception {
        Process p = new ProcessBuilder("bash", "bin/thinktune-blas", flags).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        return out;
    }

    @Test
    void avx512MachinesGetSkylakeXKernels() throws Exception {
        // the flags of the README's machine (an AMD EPYC that ND4J's OpenBLAS does not know), abridged
        assertEquals("SkylakeX", coretype("fpu sse2 fma avx2 avx512f avx512dq avx512ifma avx512cd avx512bw "
                + "avx512vl avx512_bf16"));
    }

    @Test
    void avx2MachinesGetHaswellKernels() throws Exception {
        assertEquals("Haswell", coretype("fpu sse2 avx fma avx2 bmi2"));
        // AVX-512's foundation alone (Xeon Phi: no BW, DQ or VL) is not what SkylakeX's kernels need
        assertEquals("Haswell", coretype("fpu avx fma avx2 avx512f avx512cd avx512er avx512pf"));
    }

    @Test
    void otherMachinesLeaveTheChoiceToOpenBlas() throws Exception {
        assertEquals("", coretype("fpu sse2 sse4_2 avx"));
        assertEquals("", coretype("fp asimd evtstrm aes pmull sha1 sha2 crc32"), "an ARM CPU");
        // a flag's name inside another's is not that flag
        assertEquals("", coretype("xavx2 fmax"));
    }
}
