package dev.thinktune.train;

import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AdvantagesTest {

    @Test
    void matchTheFixtureAdvantagesComputedByTorch() {
        try (SafetensorsFile g = Fixtures.golden("tiny-llama3")) {
            float[] rewards = g.floats("loss_rewards");
            int[] group = g.ints("loss_group");
            assertArrayEquals(new int[]{0, 0, 0, 1, 1, 1}, group, "fixture groups are consecutive, size 3");
            double[] r = new double[rewards.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = rewards[i];
            }
            double[] a = Advantages.groupNormalized(r, 3);
            float[] golden = g.floats("loss_advantages");
            for (int i = 0; i < a.length; i++) {
                assertEquals(golden[i], a[i], 1e-5, "advantage " + i);
            }
        }
    }

    @Test
    void handComputedGroupOfFour() {
        // rewards 1, 0, 0, 1: mean 0.5, sample std sqrt(1/3)
        double[] a = Advantages.groupNormalized(new double[]{1, 0, 0, 1}, 4);
        double s = Math.sqrt(1.0 / 3) + 1e-4;
        assertArrayEquals(new double[]{0.5 / s, -0.5 / s, -0.5 / s, 0.5 / s}, a, 1e-12);
    }

    @Test
    void equalRewardsAndSingletonGroupsGetZero() {
        assertArrayEquals(new double[]{0, 0, 0, 0, 0, 0}, Advantages.groupNormalized(new double[]{1, 1, 1, 0, 0, 0}, 3));
        assertArrayEquals(new double[]{0, 0}, Advantages.groupNormalized(new double[]{1, 0}, 1));
    }
}
