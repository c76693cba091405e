package dev.thinktune.distributed;

import dev.thinktune.data.Example;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One executor task's questions: consecutive groups of a step, from group {@code firstGroup} on (a question and
 * its n answers are never split).
 */
record StepSlice(int firstGroup, List<Example> questions) implements Serializable {

    /** {@code questions} in {@code parts} consecutive slices, sizes differing by at most one, none empty. */
    static List<StepSlice> split(List<Example> questions, int parts) {
        int k = Math.max(1, Math.min(parts, questions.size()));
        List<StepSlice> out = new ArrayList<>();
        int first = 0;
        for (int i = 0; i < k; i++) {
            int size = questions.size() / k + (i < questions.size() % k ? 1 : 0);
            out.add(new StepSlice(first, new ArrayList<>(questions.subList(first, first + size))));
            first += size;
        }
        return out;
    }
}
