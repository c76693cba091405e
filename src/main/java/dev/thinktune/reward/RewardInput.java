package dev.thinktune.reward;

import dev.thinktune.data.Example;

import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * What a reward term sees of one sampled completion.
 *
 * @param example       the question it answers
 * @param completion    the decoded completion text (special tokens removed)
 * @param completionIds the sampled token ids of the completion, the last one included (copied)
 * @param eosIds        the ids that end a sequence
 */
public record RewardInput(Example example, String completion, int[] completionIds, Set<Integer> eosIds) {

    public RewardInput {
        Objects.requireNonNull(example, "example");
        Objects.requireNonNull(completion, "completion");
        completionIds = Objects.requireNonNull(completionIds, "completionIds").clone();
        eosIds = Set.copyOf(Objects.requireNonNull(eosIds, "eosIds"));
    }

    /** A copy of the completion's token ids. */
    @Override
    public int[] completionIds() {
        return completionIds.clone();
    }

    /** Number of completion tokens. */
    public int tokenCount() {
        return completionIds.length;
    }

    /** Whether the completion stopped by itself: its last token id is one of the EOS ids. */
    public boolean endsWithEos() {
        return completionIds.length > 0 && eosIds.contains(completionIds[completionIds.length - 1]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RewardInput r && example.equals(r.example) && completion.equals(r.completion)
                && Arrays.equals(completionIds, r.completionIds) && eosIds.equals(r.eosIds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(example, completion, Arrays.hashCode(completionIds), eosIds);
    }

    @Override
    public String toString() {
        return "RewardInput[example=" + example.id() + ", completion=" + completion.length() + " chars, tokens="
                + completionIds.length + ", endsWithEos=" + endsWithEos() + "]";
    }
}
