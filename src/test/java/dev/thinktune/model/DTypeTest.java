package dev.thinktune.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Half-precision conversions against hand-computed bit patterns. */
class DTypeTest {
    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3f80, DType.floatToBf16(1.0f));
        // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1.0078125: ties to even (1.0)
        assertEquals((short) 0x3f80, DType.floatToBf16(1.00390625f));
        // just above halfway rounds up
        assertEquals((short) 0x3f81, DType.floatToBf16(Math.nextUp(1.00390625f)));
        assertEquals(-2.0f, DType.bf16ToFloat((short) 0xc000));
    }

    @Test
    void f16CoversNormalsSubnormalsAndInfinity() {
        assertEquals(1.0f, DType.f16ToFloat((short) 0x3c00));
        assertEquals(65504f, DType.f16ToFloat((short) 0x7bff));
        assertEquals((float) Math.pow(2, -24), DType.f16ToFloat((short) 0x0001));
        assertEquals(Float.NEGATIVE_INFINITY, DType.f16ToFloat((short) 0xfc00));
        assertEquals((short) 0x3c00, DType.floatToF16(1.0f));
        assertEquals((short) 0x0001, DType.floatToF16((float) Math.pow(2, -24)));
        assertEquals((short) 0x7c00, DType.floatToF16(1e6f));
        assertEquals((short) 0x3555, DType.floatToF16(1f / 3));
        for (int bits = 0; bits < 0x7c00; bits += 7) {
            assertEquals((short) bits, DType.floatToF16(DType.f16ToFloat((short) bits)), "bits " + bits);
        }
    }
}
