package dev.thinktune.lora;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.thinktune.config.ConfigDefaults;
import dev.thinktune.config.Default;
import dev.thinktune.config.Help;

import java.util.ArrayList;
import java.util.List;

/**
 * Low-rank adapters on the student's projections (LoRA, in Hugging Face PEFT's sense): each targeted projection
 * {@code y = x W^T} becomes {@code y = x W^T + (alpha / r) * (x A^T) B^T} with {@code A [r, in]} and
 * {@code B [out, r]} trained and {@code W} frozen. Config key {@code model.lora}; absent means full fine-tuning.
 */
public record LoraConfig(
        @Default("16") @Help("rank of each adapter") int r,
        @Default("32.0") @Help("scaling numerator: the update is scaled by {@code alpha / r}") double alpha,
        @Default("0.0") @Help("dropout on the adapters' input, in [0, 1); recorded in PEFT's files, training takes 0.0"
                + " only") double dropout,
        @Default("[\"q_proj\",\"k_proj\",\"v_proj\",\"o_proj\",\"gate_proj\",\"up_proj\",\"down_proj\"]")
        @Help("projections that get adapters, by their Hugging Face module name") List<String> targetModules) {
    /** Every projection a Llama layer has, in the order PEFT's configs usually list them. */
    public static final List<String> MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");
    public static final LoraConfig DEFAULTS = ConfigDefaults.of(LoraConfig.class);

    public LoraConfig {
        if (r < 1) {
            throw new LoraConfigException("model.lora.r", r, "a whole number of at least 1");
        }
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new LoraConfigException("model.lora.alpha", alpha, "a positive number");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new LoraConfigException("model.lora.dropout", dropout, "at least 0 and below 1");
        }
        if (targetModules == null || targetModules.isEmpty()) {
            throw new LoraConfigException("model.lora.target_modules", targetModules,
                    "a non-empty list of " + String.join(", ", MODULES));
        }
        List<String> seen = new ArrayList<>();
        for (String m : targetModules) {
            if (!MODULES.contains(m)) {
                throw new LoraConfigException("model.lora.target_modules", m,
                        "one of " + String.join(", ", MODULES));
            }
            if (seen.contains(m)) {
                throw new LoraConfigException("model.lora.target_modules", m, "listed once");
            }
            seen.add(m);
        }
        targetModules = List.copyOf(targetModules);
    }

    /** Binds a config section, taking the default of every field it leaves out ({@code lora: {}} is valid). */
    @JsonCreator
    public static LoraConfig of(@JsonProperty("r") Integer r, @JsonProperty("alpha") Double alpha,
                                @JsonProperty("dropout") Double dropout,
                                @JsonProperty("target_modules") List<String> targetModules) {
        return new LoraConfig(r == null ? DEFAULTS.r() : r, alpha == null ? DEFAULTS.alpha() : alpha,
                dropout == null ? DEFAULTS.dropout() : dropout,
                targetModules == null ? DEFAULTS.targetModules() : targetModules);
    }

    /**
     * Refuses a dropout other than 0.0 for training: GRPO's probability ratio compares the policy with itself on
     * the same tokens, and a random mask on one side of it would bias the ratio. (Adapters trained elsewhere with
     * dropout load and run as they are: dropout does nothing at inference.)
     */
    public LoraConfig requireTrainable() {
        if (dropout != 0.0) {
            throw new LoraConfigException("model.lora.dropout", dropout, "0.0 for training (a dropout mask would "
                    + "differ between the old and new log-probabilities of GRPO's ratio)");
        }
        return this;
    }

    /** The factor on the adapters' product, {@code alpha / r}. */
    public double scale() {
        return alpha / r;
    }

    /** Whether the projection {@code module} ({@code q_proj} etc.) gets an adapter. */
    public boolean targets(String module) {
        return targetModules.contains(module);
    }
}
