package dev.thinktune.model;

import java.util.Locale;

/** Element types of the safetensors format that thinktune reads; floating types load into float32. */
public enum DType {
    F32(4), F16(2), BF16(2), F64(8), I32(4), I64(8), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloating() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** The dtype named in a safetensors header, or an error naming the unknown name. */
    public static DType parse(String name, String tensor) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("tensor '" + tensor + "': unknown dtype '" + name + "'");
        }
    }

    /** bfloat16 bits to float: the upper half of an IEEE single. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** float to bfloat16 with round-to-nearest-even, as torch's {@code .to(torch.bfloat16)}. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** IEEE half-precision bits to float (normals, subnormals, infinities and NaN). */
    public static float f16ToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** float to IEEE half-precision bits with round-to-nearest-even. */
    public static short floatToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int val = (bits & 0x7fffffff);
        if (val >= 0x7f800000) { // inf or NaN
            return (short) (sign | 0x7c00 | (val > 0x7f800000 ? 0x200 : 0));
        }
        if (val >= 0x477ff000) { // rounds to beyond max half
            return (short) (sign | 0x7c00);
        }
        if (val < 0x38800000) { // subnormal half or zero
            float abs = Float.intBitsToFloat(val);
            int m = (int) Math.rint(abs * 0x1p24); // half-to-even, exact in double
            return (short) (sign | m);
        }
        int exp = ((val >>> 23) - 112) << 10;
        int mant = val & 0x7fffff;
        int rounded = exp | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (rounded & 1) == 1)) {
            rounded++;
        }
        return (short) (sign | rounded);
    }
}
