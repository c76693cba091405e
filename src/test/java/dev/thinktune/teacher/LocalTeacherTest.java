package dev.thinktune.teacher;

import dev.thinktune.data.Example;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.testing.ScriptedGenerator;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-process model teacher, over a scripted generator. */
class LocalTeacherTest {

    private static final String REPLY = "<opinion>incorrect</opinion>\n<reason>Wait, 6 x 7 is 42.</reason>\n"
            + "<phrase>So the answer is \\boxed{42}.</phrase>";

    private static Tokenizer tok;
    private static ChatTemplate template;
    private static int eot;

    @BeforeAll
    static void tokenizer() {
        tok = TestModels.fixtureTokenizer();
        template = ChatTemplate.forTokenizer(tok);
        eot = tok.tokenId("<|eot_id|>").orElseThrow();
    }

    private static int[] withStop(String text) {
        int[] ids = tok.encode(text, false);
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eot;
        return out;
    }

    private static TeacherQuery query(String question, Behavior b) {
        Example ex = new Example("q", question, "42", "", List.of(), Example.AnswerType.NUMBER);
        return new TeacherQuery(ex, question, "6 x 7 = 48. \\boxed{48}", b);
    }

    @Test
    void repliesAreReadFromOneGreedyBatchOverTheFewShotChatPrompt() {
        ScriptedGenerator gen = ScriptedGenerator.replying(withStop(REPLY));
        PromptSet prompts = PromptSet.builtIn();
        LocalTeacher teacher = new LocalTeacher(gen, tok, template, prompts, 256);
        List<TeacherQuery> queries = List.of(query("What is 6 x 7?", Behavior.SELF_CRITIQUE),
                query("What is 7 x 6?", Behavior.SELF_CONFLICT));
        List<TeacherReply> replies = teacher.reply(queries);

        assertEquals(List.of(new TeacherReply.Reflection("incorrect", "Wait, 6 x 7 is 42.",
                "So the answer is \\boxed{42}."), new TeacherReply.Reflection("incorrect", "Wait, 6 x 7 is 42.",
                "So the answer is \\boxed{42}.")), replies);
        assertEquals(2, gen.requests().size());
        for (int i = 0; i < 2; i++) {
            GenerationRequest r = gen.requests().get(i);
            TeacherQuery q = queries.get(i);
            assertArrayEquals(template.encode(prompts.get(q.behavior()).messages(q.question(), q.studentAnswer()), true),
                    r.promptIds());
            assertEquals(1, r.n());
            assertEquals(0.0, r.params().temperature());
            assertEquals(256, r.params().maxNewTokens());
            assertEquals(template.stopIds(), r.params().stopIds());
        }
        String rendered = tok.decode(gen.requests().get(0).promptIds());
        assertTrue(rendered.contains("SELF-CRITIQUE") && rendered.endsWith("<|start_header_id|>assistant<|end_header_id|>\n\n"),
                rendered);
    }

    @Test
    void aReplyThatDoesNotParseIsAParseFailure() {
        LocalTeacher teacher = new LocalTeacher(ScriptedGenerator.replying(withStop("I think it is 42.")), tok, template,
                PromptSet.builtIn(), 64);
        TeacherReply r = teacher.reply(List.of(query("What is 6 x 7?", Behavior.SELF_AGREEMENT))).get(0);
        assertEquals(TeacherReply.Kind.PARSE, assertInstanceOf(TeacherReply.Failure.class, r).kind());
    }

    @Test
    void aReplyCutAtTheTokenLimitDoesNotParse() {
        LocalTeacher teacher = new LocalTeacher(ScriptedGenerator.replying(withStop(REPLY)), tok, template,
                PromptSet.builtIn(), 10);
        TeacherReply r = teacher.reply(List.of(query("What is 6 x 7?", Behavior.SELF_AGREEMENT))).get(0);
        assertEquals(TeacherReply.Kind.PARSE, assertInstanceOf(TeacherReply.Failure.class, r).kind());
    }

    @Test
    void whenTheBatchFailsOnlyTheQueriesThatFailAloneAreLost() {
        int[] bad = template.encode(PromptSet.builtIn().get(Behavior.SELF_CRITIQUE)
                .messages("Too long?", "6 x 7 = 48. \\boxed{48}"), true);
        ScriptedGenerator gen = new ScriptedGenerator(r -> {
            if (Arrays.equals(r.promptIds(), bad)) {
                throw new IllegalArgumentException("prompt too long");
            }
            return withStop(REPLY);
        });
        LocalTeacher teacher = new LocalTeacher(gen, tok, template, PromptSet.builtIn(), 256);
        List<TeacherReply> replies = teacher.reply(List.of(query("What is 6 x 7?", Behavior.SELF_CRITIQUE),
                query("Too long?", Behavior.SELF_CRITIQUE), query("What is 7 x 6?", Behavior.SELF_CRITIQUE)));
        assertInstanceOf(TeacherReply.Reflection.class, replies.get(0));
        TeacherReply.Failure f = assertInstanceOf(TeacherReply.Failure.class, replies.get(1));
        assertEquals(TeacherReply.Kind.ERROR, f.kind());
        assertTrue(f.message().contains("prompt too long"));
        assertInstanceOf(TeacherReply.Reflection.class, replies.get(2));
    }

    @Test
    void closingTheTeacherClosesItsGenerator() {
        AtomicBoolean closed = new AtomicBoolean();
        class ClosingGenerator implements dev.thinktune.rollout.Generator, AutoCloseable {
            @Override
            public List<List<dev.thinktune.rollout.Completion>> generate(List<GenerationRequest> r, TokenListener l) {
                return List.of();
            }

            @Override
            public void close() {
                closed.set(true);
            }
        }
        new LocalTeacher(new ClosingGenerator(), tok, template, PromptSet.builtIn(), 8).close();
        assertTrue(closed.get());
    }
}
