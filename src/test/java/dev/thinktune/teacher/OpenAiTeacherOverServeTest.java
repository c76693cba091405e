package dev.thinktune.teacher;

import dev.thinktune.data.Example;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.RolloutGroup;
import dev.thinktune.rollout.Trajectory;
import dev.thinktune.serve.OpenAiServer;
import dev.thinktune.testing.ScriptedGenerator;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The openai teacher against a real {@code thinktune serve} server on a loopback port: a full guided step. */
@Timeout(60)
class OpenAiTeacherOverServeTest {

    private static Tokenizer tok;
    private static ChatTemplate template;
    private static int eot;

    @BeforeAll
    static void tokenizer() {
        tok = TestModels.fixtureTokenizer();
        template = ChatTemplate.forTokenizer(tok);
        eot = tok.tokenId("<|eot_id|>").orElseThrow();
    }

    private static List<RolloutGroup> groups() {
        List<RolloutGroup> out = new ArrayList<>();
        String[][] rows = {{"Tom has 3 apples and buys 4 more. How many apples does he have?", "7", "3 + 4 = 8. \\boxed{8}"},
                {"A pen costs $2. How much do 5 pens cost?", "10", "5 x 2 = 10 dollars. \\boxed{10}"}};
        for (int i = 0; i < rows.length; i++) {
            Example ex = new Example("g" + i, rows[i][0], rows[i][1], "", List.of(), Example.AnswerType.NUMBER);
            int[] text = tok.encode(rows[i][2], false);
            int[] ids = Arrays.copyOf(text, text.length + 1);
            ids[text.length] = eot;
            out.add(new RolloutGroup(ex, ex.question(), new int[]{0, 1},
                    List.of(new Trajectory(ids, new boolean[ids.length], FinishReason.EOS, false, ""))));
        }
        return out;
    }

    private static OpenAiTeacher teacherFor(OpenAiServer server, int maxTokens, PromptSet prompts) {
        return new OpenAiTeacher(OpenAiTeacher.Options.of(server.baseUrl(), server.modelName(), "", Duration.ofSeconds(30),
                1, 2, maxTokens), prompts);
    }

    @Test
    void aTinyRandomModelsRepliesDoNotParseAndAreCounted() {
        try (RolloutEngine tiny = RolloutEngine.create(TestModels.tinyLlama3Widened(tok.vocabSize()),
                RolloutEngine.Options.defaults().withThreads(1).withTokenizer(tok));
             OpenAiServer server = new OpenAiServer(tiny, tok, template, "tiny-llama3")) {
            server.start();
            List<RolloutGroup> groups = groups();
            Guide.Result r;
            try (OpenAiTeacher teacher = teacherFor(server, 12, PromptSet.builtIn())) {
                r = new TeacherGuide(teacher, tok, 1, 256, List.of(Behavior.values())).guide(groups, 1.0, 5);
            }
            assertEquals(new Guide.Stats(2, 0, 2, 0, 0), r.stats());
            assertEquals(groups, r.groups());
        }
    }

    @Test
    void aServedModelThatWritesAWellFormedReplyGuidesTheAnswer() {
        String reason = "Wait, let me re-check my steps. 3 + 4 is 7, not 8.";
        String phrase = "So he has 3 + 4 = 7 apples. So the answer is \\boxed{7}.";
        int[] reply = tok.encode(ReplyParser.render("incorrect", reason, phrase), false);
        int[] withStop = Arrays.copyOf(reply, reply.length + 1);
        withStop[reply.length] = eot;
        ScriptedGenerator scripted = ScriptedGenerator.replying(withStop);
        try (OpenAiServer server = new OpenAiServer(scripted, tok, template, "scripted")) {
            server.start();
            List<RolloutGroup> groups = groups().subList(0, 1);
            Guide.Result r;
            try (OpenAiTeacher teacher = teacherFor(server, 512, PromptSet.builtIn())) {
                r = new TeacherGuide(teacher, tok, 1, 512, List.of(Behavior.SELF_CRITIQUE)).guide(groups, 1.0, 5);
            }
            assertEquals(new Guide.Stats(1, 1, 0, 0, 0), r.stats());
            Trajectory before = groups.get(0).trajectories().get(0);
            Trajectory after = r.groups().get(0).trajectories().get(0);
            int student = before.length() - 1;
            assertArrayEquals(Arrays.copyOf(before.responseIds(), student), Arrays.copyOf(after.responseIds(), student));
            assertEquals("\n\n" + reason + "\n\n" + phrase,
                    tok.decode(Arrays.copyOfRange(after.responseIds(), student, after.length() - 1)));
            assertEquals(eot, after.responseIds()[after.length() - 1]);
            assertEquals(after.length() - student, after.teacherTokens());
            assertEquals("self-critique", after.behavior());
            // the server received the few-shot conversation, rendered with the chat template, greedy
            TeacherQuery q = new TeacherQuery(groups.get(0).example(), groups.get(0).example().question(),
                    tok.decode(Arrays.copyOf(before.responseIds(), student), true), Behavior.SELF_CRITIQUE);
            assertArrayEquals(template.encode(PromptSet.builtIn().get(Behavior.SELF_CRITIQUE)
                    .messages(q.question(), q.studentAnswer()), true), scripted.requests().get(0).promptIds());
            assertEquals(0.0, scripted.requests().get(0).params().temperature());
            assertTrue(scripted.requests().get(0).params().stopIds().contains(eot));
        }
    }
}
