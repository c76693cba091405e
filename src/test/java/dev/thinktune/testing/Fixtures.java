package dev.thinktune.testing;

import dev.thinktune.model.SafetensorsFile;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The reference fixtures beside the project ({@code ../shared/fixtures}). Tests that need them skip only when
 * the folder is absent (a clone without it).
 */
public final class Fixtures {
    private static final Path ROOT = Path.of("..", "shared", "fixtures").toAbsolutePath().normalize();

    private Fixtures() {
    }

    public static Path root() {
        Assumptions.assumeTrue(Files.isDirectory(ROOT), "reference fixtures not found at " + ROOT);
        return ROOT;
    }

    public static Path model(String name) {
        return root().resolve(name);
    }

    public static SafetensorsFile golden(String model) {
        return SafetensorsFile.open(model(model).resolve("golden.safetensors"));
    }

    public static Path gsm8kTrain() {
        Path p = ROOT.getParent().resolve("data/gsm8k/train.jsonl");
        Assumptions.assumeTrue(Files.isRegularFile(p), "GSM8K data not found at " + p);
        return p;
    }

    /** max |a - b| / max |b| over rows of equal lengths. */
    public static double relativeError(java.util.List<float[]> a, java.util.List<float[]> b) {
        double num = 0, den = 0;
        for (int r = 0; r < a.size(); r++) {
            for (int i = 0; i < a.get(r).length; i++) {
                num = Math.max(num, Math.abs(a.get(r)[i] - b.get(r)[i]));
                den = Math.max(den, Math.abs(b.get(r)[i]));
            }
        }
        return num / Math.max(den, 1e-30);
    }

    /** max |a - b| / max |b|. */
    public static double relativeError(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        return num / Math.max(den, 1e-30);
    }
}
