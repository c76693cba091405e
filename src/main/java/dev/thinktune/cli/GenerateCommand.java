package dev.thinktune.cli;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.tokenizer.ChatMessage;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import dev.thinktune.tokenizer.TokenizerFormatException;
import dev.thinktune.tokenizer.Tokenizers;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code thinktune generate}: samples continuations of a prompt with the rollout engine and streams them. Text
 * prompts use the model directory's tokenizer, wrapped as a user turn of the chat template when the directory was
 * trained with one ({@link ChatDefault}) or with {@code --chat} ({@code --no-chat}: the raw prompt);
 * {@code --prompt-ids} takes token ids and prints ids, with no tokenizer needed.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with the model (key/value-cache decoder) and stream the text.",
                "With --n above 1 the samples are printed one after another when all are done."})
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @ArgGroup(multiplicity = "1")
    Input input;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT LoRA adapter directory (adapter_config.json,"
            + " adapter_model.safetensors) for the model, applied beside its weights (not merged).")
    Path adapter;

    static final class Input {
        @Option(names = "--prompt", paramLabel = "TEXT",
                description = "Prompt text, encoded with the model directory's tokenizer (BOS added).")
        String text;

        @Option(names = "--prompt-ids", split = ",", paramLabel = "IDS",
                description = "Prompt token ids, comma-separated; the output is ids too.")
        int[] ids;
    }

    @Option(names = "--chat", negatable = true,
            description = {"Wrap the prompt as a user turn of the chat template (--no-chat: send it raw).",
                    "Default: on when the model directory was trained with a chat template (train_config.yaml,"
                            + " pretrain.yaml, a Llama 3 or ChatML chat_template in tokenizer_config.json, or a"
                            + " qwen2 or qwen3 config.json)."})
    Boolean chat;

    @Option(names = "--n", description = "Samples to draw (default: ${DEFAULT-VALUE}).")
    int n = 1;

    @Option(names = "--temperature", description = "Softmax temperature, 0 for greedy (default: ${DEFAULT-VALUE}).")
    double temperature = 1.0;

    @Option(names = "--top-p", description = "Nucleus mass, 1 = off (default: ${DEFAULT-VALUE}).")
    double topP = 1.0;

    @Option(names = "--top-k", description = "Keep the k most likely tokens, 0 = off (default: ${DEFAULT-VALUE}).")
    int topK = 0;

    @Option(names = "--min-p", description = "Drop tokens below min-p times the top one, 0 = off (default: ${DEFAULT-VALUE}).")
    double minP = 0.0;

    @Option(names = "--max-new-tokens", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens = 256;

    @Option(names = "--seed", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--stop", split = ",", paramLabel = "TEXT",
            description = "Texts that end a sample (needs the tokenizer).")
    List<String> stopStrings = List.of();

    @Option(names = "--threads", description = "Decoder threads, 0 = all processors (default: ${DEFAULT-VALUE}).")
    int threads = 0;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ModelDirectories.require(model);
        LoraAdapters adapters = adapter == null ? null : AdapterDirectories.read(adapter, model);
        if (Boolean.TRUE.equals(chat) && input.text == null) {
            throw new IllegalArgumentException("--chat needs a text --prompt");
        }
        String template = null; // the chat template to wrap the prompt in, or null for the raw prompt
        if (input.text != null) {
            java.util.Optional<ChatDefault> trained = ChatDefault.of(model);
            if (chat == null && trained.isPresent()) {
                template = trained.get().template();
                err.println("[chat template: " + trained.get().reason() + "; --no-chat sends the prompt raw]");
            } else if (Boolean.TRUE.equals(chat)) {
                template = trained.map(ChatDefault::template).orElse("auto");
            }
        }
        Tokenizer tokenizer = input.text != null || !stopStrings.isEmpty() ? tokenizer(model) : null;
        if (!HfCheckpoint.isCheckpoint(model)) {
            throw new IllegalArgumentException(model + " is not a Hugging Face model directory (config.json and"
                    + " model.safetensors or model.safetensors.index.json)");
        }
        Set<Integer> stopIds = new HashSet<>(HfCheckpoint.readConfig(model).eosTokenIds());
        int[] prompt;
        if (input.ids != null) {
            prompt = input.ids;
        } else if (template != null) {
            ChatTemplate chatTemplate = ChatTemplate.named(template, tokenizer);
            prompt = chatTemplate.encode(List.of(ChatMessage.user(input.text)), true);
            stopIds.addAll(chatTemplate.stopIds());
        } else {
            prompt = tokenizer.encode(input.text, true);
        }
        SamplingParams params = new SamplingParams(temperature, topP, topK, minP, maxNewTokens, stopIds, stopStrings,
                seed);
        GenerationRequest request = new GenerationRequest(prompt, n, params);
        boolean ids = input.ids != null;
        Generator.TokenListener listener = Generator.TokenListener.NONE;
        Tokenizer.StreamingDecoder stream = tokenizer == null ? null : tokenizer.streamingDecoder(true);
        if (n == 1) {
            listener = (r, s, token) -> {
                out.print(ids ? token + " " : stream.next(token));
                out.flush();
            };
        }
        long load0 = System.nanoTime();
        try (RolloutEngine engine = AdapterDirectories.engine(model, adapters,
                RolloutEngine.Options.defaults().withThreads(threads).withTokenizer(tokenizer))) {
            double loadSeconds = (System.nanoTime() - load0) / 1e9;
            long t0 = System.nanoTime();
            List<Completion> samples = engine.generate(List.of(request), listener).get(0);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (n == 1) {
                out.println(ids ? "" : stream.flush());
            } else {
                for (int i = 0; i < samples.size(); i++) {
                    out.println("--- sample " + (i + 1) + " ---");
                    out.println(ids ? idText(samples.get(i).tokenIds())
                            : tokenizer.decode(samples.get(i).tokenIds(), true));
                }
            }
            out.flush();
            long total = samples.stream().mapToLong(Completion::length).sum();
            err.printf(Locale.ROOT, "[loaded in %.1f s; prompt %d tokens; %s; %d new tokens in %.2f s, %.1f"
                            + " tokens/s]%n", loadSeconds, prompt.length, samples.stream().map(c -> c.length() + " " + c.finishReason().name()
                            .toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")),
                    total, seconds, total / seconds);
            err.flush();
        }
        return 0;
    }

    private static String idText(int[] ids) {
        return java.util.Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }

    /** The model directory's tokenizer, or a clear error when it has none. */
    static Tokenizer tokenizer(Path dir) {
        try {
            return Tokenizers.load(dir);
        } catch (TokenizerFormatException e) {
            throw new IllegalArgumentException(e.getMessage() + "; give the prompt as token ids with --prompt-ids", e);
        }
    }
}
