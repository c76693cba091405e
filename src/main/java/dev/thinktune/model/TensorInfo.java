package dev.thinktune.model;

import java.util.Arrays;

/** One entry of a safetensors header: dtype, shape and byte range within the data section. */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return end - begin;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
