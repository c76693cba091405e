package dev.thinktune.teacher;

import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A teacher that is a model in the same JVM: by default the frozen initial student, as the paper's authors ran
 * it, or any Hugging Face model directory. Each query becomes the behaviour's few-shot conversation
 * ({@link BehaviorPrompt#messages}) rendered with the model's chat template; all queries of a step are decoded
 * greedily in one batch ({@link SamplingParams#greedy} with the template's stop ids), and each reply is read by
 * {@link ReplyParser}. If the batch fails (a prompt too long for the model, say), each query is retried alone
 * so that only the ones that fail are lost.
 *
 * <p>The teacher owns its generator: {@link #close} closes it when it is {@link AutoCloseable}.
 */
public final class LocalTeacher implements Teacher {

    private final Generator generator;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final PromptSet prompts;
    private final int maxNewTokens;
    private final String name;

    /**
     * @param generator    the teacher model's generator
     * @param tokenizer    the teacher model's tokenizer
     * @param template     the teacher model's chat template
     * @param prompts      the behaviour prompts
     * @param maxNewTokens the longest reply, in tokens
     */
    public LocalTeacher(Generator generator, Tokenizer tokenizer, ChatTemplate template, PromptSet prompts,
                        int maxNewTokens) {
        this(generator, tokenizer, template, prompts, maxNewTokens, "local");
    }

    public LocalTeacher(Generator generator, Tokenizer tokenizer, ChatTemplate template, PromptSet prompts,
                        int maxNewTokens, String name) {
        this.generator = Objects.requireNonNull(generator, "generator");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.template = Objects.requireNonNull(template, "template");
        this.prompts = Objects.requireNonNull(prompts, "prompts");
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("maxNewTokens must be > 0, got " + maxNewTokens);
        }
        this.maxNewTokens = maxNewTokens;
        this.name = Objects.requireNonNull(name, "name");
    }

    /** The prompt ids of a query: its behaviour's conversation, ending where the teacher's reply begins. */
    public int[] promptIds(TeacherQuery q) {
        return template.encode(prompts.get(q.behavior()).messages(q.question(), q.studentAnswer()), true);
    }

    @Override
    public List<TeacherReply> reply(List<TeacherQuery> queries) {
        if (queries.isEmpty()) {
            return List.of();
        }
        SamplingParams params = SamplingParams.greedy(maxNewTokens, template.stopIds());
        List<GenerationRequest> requests = new ArrayList<>(queries.size());
        for (TeacherQuery q : queries) {
            requests.add(new GenerationRequest(promptIds(q), 1, params));
        }
        try {
            return readAll(generator.generate(requests));
        } catch (RuntimeException batchFailure) {
            List<TeacherReply> out = new ArrayList<>(requests.size());
            for (GenerationRequest r : requests) {
                try {
                    out.add(readAll(generator.generate(List.of(r))).get(0));
                } catch (RuntimeException e) {
                    out.add(new TeacherReply.Failure(TeacherReply.Kind.ERROR, name + ": " + e.getMessage()));
                }
            }
            return out;
        }
    }

    private List<TeacherReply> readAll(List<List<Completion>> completions) {
        List<TeacherReply> out = new ArrayList<>(completions.size());
        for (List<Completion> c : completions) {
            out.add(ReplyParser.parse(text(c.get(0))));
        }
        return out;
    }

    /** The reply text of a completion: its ids without a final stop id, special tokens skipped. */
    String text(Completion c) {
        int[] ids = c.tokenIds();
        if (c.endedWithEos() && ids.length > 0) {
            ids = Arrays.copyOf(ids, ids.length - 1);
        }
        return tokenizer.decode(ids, true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        if (generator instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot close the " + name + " teacher's generator", e);
            }
        }
    }
}
