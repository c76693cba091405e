package dev.thinktune.rollout;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decoder's own exp: accurate to about an ulp, and the same bits in its vector and scalar forms. */
class VectorMathTest {

    @Test
    void expIsAccurateAndItsVectorAndScalarFormsAgreeBitForBit() {
        SplittableRandom rng = new SplittableRandom(3);
        int l = VectorMath.L;
        float[] x = new float[l * 4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextDouble() * 175 - 87);
        }
        x[0] = 0f;
        x[1] = -1e-8f;
        x[2] = 87.5f;
        float[] v = new float[x.length];
        for (int i = 0; i < x.length; i += l) {
            VectorMath.exp(FloatVector.fromArray(VectorMath.S, x, i)).intoArray(v, i);
        }
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            float s = VectorMath.exp(x[i]);
            assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(v[i]), "x = " + x[i]);
            double want = Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(s - want) / want);
        }
        assertTrue(worst < 3e-7, "max relative error " + worst);
        assertEquals(1f, VectorMath.exp(0f));
        assertTrue(VectorMath.exp(Float.NEGATIVE_INFINITY) < 1e-37f);
        assertTrue(Float.isFinite(VectorMath.exp(1000f)));
    }
}
