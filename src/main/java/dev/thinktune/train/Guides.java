package dev.thinktune.train;

import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.teacher.Behavior;
import dev.thinktune.teacher.Guide;
import dev.thinktune.teacher.Teacher;
import dev.thinktune.teacher.TeacherFactory;
import dev.thinktune.teacher.TeacherGuide;
import dev.thinktune.teacher.TeacherSettings;
import dev.thinktune.tokenizer.Tokenizer;

import java.util.List;

/** The guide a config asks for: its teacher (reference, local or openai) behind {@link TeacherGuide}. */
public final class Guides {
    private Guides() {
    }

    public static TeacherSettings settings(TrainConfig.TeacherSection t) {
        return new TeacherSettings(t.type(), t.model(), t.baseUrl(), t.apiKeyEnv(), t.timeoutSeconds(),
                t.maxRetries(), t.concurrency(), t.maxNewTokens(), t.prompts());
    }

    /** The configured teacher; a local teacher without a model uses the frozen initial student. */
    public static Teacher teacher(GuideContext ctx) {
        Tokenizer tok = ctx.assets().tokenizer();
        return TeacherFactory.create(settings(ctx.config().guidance().teacher()), () -> new TeacherFactory.LocalModel(
                RolloutEngine.create(ctx.initialModel(), RolloutEngine.Options.defaults().withTokenizer(tok)), tok));
    }

    public static Guide fromConfig(GuideContext ctx, Teacher teacher) {
        TrainConfig cfg = ctx.config();
        List<Behavior> behaviors = cfg.guidance().behaviors().stream().map(Behavior::parse).toList();
        return new TeacherGuide(teacher, ctx.assets().tokenizer(), cfg.guidance().gamma(),
                cfg.rollout().maxNewTokens() + cfg.guidance().teacher().maxNewTokens(), behaviors);
    }
}
