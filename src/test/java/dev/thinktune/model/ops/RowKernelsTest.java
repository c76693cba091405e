package dev.thinktune.model.ops;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The softmax's vector exponential against {@link Math#exp}. */
class RowKernelsTest {
    @Test
    void expIsWithinTwoUnitsInTheLastPlaceOfMathExpAndZeroAtMinusInfinity() {
        int l = RowBlockProduct.L;
        float[] x = new float[l], out = new float[l];
        for (float start = -87f; start < 10f; start += l * 0.0137f) {
            for (int i = 0; i < l; i++) {
                x[i] = start + i * 0.0137f;
            }
            RowKernels.exp(FloatVector.fromArray(RowBlockProduct.S, x, 0)).intoArray(out, 0);
            for (int i = 0; i < l; i++) {
                double expected = Math.exp(x[i]);
                assertEquals(expected, out[i], 2 * Math.ulp((float) expected), "exp(" + x[i] + ")");
            }
        }
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = -100f;
        RowKernels.exp(FloatVector.fromArray(RowBlockProduct.S, x, 0)).intoArray(out, 0);
        assertEquals(0f, out[0]);
        assertEquals(0f, out[1]);
    }
}
