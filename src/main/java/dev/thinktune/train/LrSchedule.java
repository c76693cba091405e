package dev.thinktune.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Learning rate per optimizer update: constant, or linear warm-up then cosine decay to a floor. */
public record LrSchedule(Kind kind, double peak, int warmup, int total, double minRatio) {

    public enum Kind {
        CONSTANT, WARMUP_COSINE;

        @JsonValue
        public String id() {
            return ConfigEnums.id(this);
        }

        @JsonCreator
        public static Kind parse(String s) {
            return ConfigEnums.parse(Kind.class, "optimizer.schedule", s);
        }
    }

    /** The learning rate of update {@code update} (1-based). */
    public double at(long update) {
        if (warmup > 0 && update <= warmup) {
            return peak * update / warmup;
        }
        return switch (kind) {
            case CONSTANT -> peak;
            case WARMUP_COSINE -> {
                double span = Math.max(1, total - warmup);
                double progress = Math.min(1.0, (update - warmup) / span);
                double floor = peak * minRatio;
                yield floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
            }
        };
    }
}
