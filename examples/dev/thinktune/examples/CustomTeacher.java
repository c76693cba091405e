package dev.thinktune.examples;

import dev.thinktune.reward.AnswerExtractor;
import dev.thinktune.teacher.Teacher;
import dev.thinktune.teacher.TeacherQuery;
import dev.thinktune.teacher.TeacherReply;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.RunFolder;
import dev.thinktune.train.TrainConfig;
import dev.thinktune.train.TrainingRun;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A teacher of your own behind the {@link Teacher} interface: here a rule-based one that always asks the student
 * to double-check its last step and restates its boxed answer (it never looks at the reference answer). Any
 * teacher plugs into a run the same way: an LLM behind your company's gateway, a symbolic solver, a human queue.
 */
public final class CustomTeacher implements Teacher {
    @Override
    public List<TeacherReply> reply(List<TeacherQuery> queries) {
        List<TeacherReply> out = new ArrayList<>();
        for (TeacherQuery q : queries) {
            String answer = AnswerExtractor.lastBoxed(q.studentAnswer()).orElse(null);
            if (answer == null) {
                out.add(new TeacherReply.Failure(TeacherReply.Kind.PARSE, "no boxed answer to reflect on"));
                continue;
            }
            out.add(new TeacherReply.Reflection("correct",
                    "Let me double-check my last step before I commit to it. I redo the arithmetic once more "
                            + "and it gives the same number.",
                    "So the answer is \\boxed{" + answer + "}."));
        }
        return out;
    }

    @Override
    public String name() {
        return "double-check";
    }

    public static void main(String[] args) {
        TrainConfig cfg = ConfigLoader.load(Path.of("configs/quickstart.yaml"),
                List.of("output_dir=runs/custom-teacher", "training.steps=5", "eval.questions=0"));
        TrainingRun.Outcome o = new TrainingRun(cfg, System.out, ctx -> new CustomTeacher())
                .run(RunFolder.Start.OVERWRITE);
        System.out.println("metrics in " + o.metricsFile());
    }
}
