package dev.thinktune.rollout;

/** Why a continuation ended. */
public enum FinishReason {
    /** it sampled a stop id (EOS, {@code <|eot_id|>}); the id is the last of its ids */
    EOS,
    /** its decoded text reached a stop string */
    STOP,
    /** it reached max_new_tokens (truncated) */
    LENGTH
}
