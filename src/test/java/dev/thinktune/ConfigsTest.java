package dev.thinktune;

import dev.thinktune.data.Datasets;
import dev.thinktune.data.Example;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.teacher.Behavior;
import dev.thinktune.teacher.BehaviorPrompt;
import dev.thinktune.teacher.PromptSet;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.PretrainConfig;
import dev.thinktune.train.TrainConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped configs load and validate, and point at what the repository ships. */
class ConfigsTest {
    @Test
    void everyTrainingConfigLoadsAndValidates() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("configs"))) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".yaml") && !p.getFileName().toString().startsWith("pretrain"))
                    .toList();
            assertTrue(files.size() >= 2, "configs/ holds the quickstart and the unknown-behaviour experiment");
            for (Path f : files) {
                TrainConfig c = ConfigLoader.load(f, List.of());
                RewardFunction.from(c.reward());
            }
        }
    }

    @Test
    void quickstartUsesTheShippedStudentAndData() {
        TrainConfig c = ConfigLoader.load(Path.of("configs/quickstart.yaml"), List.of());
        assertEquals(TrainConfig.Mode.THINKTUNE, c.mode());
        assertEquals("reference", c.guidance().teacher().type());
        assertTrue(Files.isRegularFile(Path.of(c.model().path(), "model.safetensors")), "shipped student");
        assertTrue(Files.isRegularFile(Path.of(c.model().path(), "tokenizer.json")), "shipped tokenizer");
        assertTrue(Files.isRegularFile(Path.of(c.data().train())) && Files.isRegularFile(Path.of(c.data().test())));
    }

    @Test
    void unknownBehaviourRewardsThePhraseAndUsesTheQuotePrompts() {
        TrainConfig c = ConfigLoader.load(Path.of("configs/unknown-behavior.yaml"), List.of());
        assertEquals(List.of("correctness", "phrase"), RewardFunction.from(c.reward()).termNames());
        assertTrue(Files.isDirectory(Path.of(c.guidance().teacher().prompts())));
    }

    @Test
    void unknownBehaviourTeacherReflectsInWordsItsStudentWasPretrainedOn() {
        TrainConfig c = ConfigLoader.load(Path.of("configs/unknown-behavior.yaml"), List.of());
        PromptSet prompts = PromptSet.load(Path.of(c.guidance().teacher().prompts()));
        PretrainConfig p = ConfigLoader.load(PretrainConfig.class, PretrainConfig.DEFAULTS,
                Path.of("configs/pretrain-arith-tiny-strong.yaml"), List.of());
        assertEquals(c.model().path(), p.outputDir(), "the experiment's student is the one this config pretrains");
        assertTrue(Files.isRegularFile(Path.of(c.model().path(), "model.safetensors")), "shipped student");
        List<String> solutions = Datasets.readAll(p.data().format(), Path.of(p.data().train())).stream()
                .map(Example::solution).toList();
        for (Behavior b : Behavior.values()) {
            BehaviorPrompt bp = prompts.get(b);
            assertTrue(!bp.referenceReasons().isEmpty(), b + " has reference reasons");
            assertTrue(bp.closingLines().stream().allMatch(l -> l.contains("Thalapathy Vijay")), b + " quotes");
            for (String reason : bp.referenceReasons()) {
                // "{it}" stands for the student's answer; the rest is a reflection line of the pretraining file
                Pattern line = Pattern.compile("\\n\\n" + Pattern.quote(reason).replace("{it}", "\\E\\d+\\Q")
                        + "\\n\\n");
                assertTrue(solutions.stream().anyMatch(sol -> line.matcher(sol).find()), b + ": " + reason);
            }
        }
    }

    @Test
    void pretrainConfigLoads() {
        PretrainConfig p = ConfigLoader.load(PretrainConfig.class, PretrainConfig.DEFAULTS,
                Path.of("configs/pretrain-arith-tiny.yaml"), List.of());
        assertEquals("models/arith-tiny", p.outputDir());
        List<Example> pretrain = Datasets.readAll(p.data().format(), Path.of(p.data().train()));
        List<Example> train = Datasets.readAll("gsm8k", Path.of("data/arith/train.jsonl"));
        assertEquals(train.size(), pretrain.size(), "the pretraining file holds the training problems");
        long reflective = pretrain.stream().filter(e -> e.solution().contains("\n\n")).count();
        assertTrue(reflective > 0.1 * train.size() && reflective < 0.2 * train.size(),
                "about 15% reflective solutions: " + reflective);
        for (int i = 0; i < train.size(); i++) {
            assertEquals(train.get(i).answer(), pretrain.get(i).answer(), "row " + i);
        }
    }
}
