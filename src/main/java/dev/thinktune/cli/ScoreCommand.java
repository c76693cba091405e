package dev.thinktune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.lora.PeftAdapter;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code thinktune score}: the log-probability of each token given the ones before it, as JSON, so that any
 * checkpoint can be compared with another implementation.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Print, as JSON, log p(token_t | tokens_<t) for every token of a sequence.")
public final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model directory")
    Path model;

    @Option(names = "--adapter", description = "PEFT low-rank adapter directory to apply to the model")
    Path adapter;

    @ArgGroup(multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--ids", split = ",", description = "token ids, comma-separated")
        int[] ids;

        @Option(names = "--text", description = "text, encoded with the model directory's tokenizer (BOS added)")
        String text;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelDirectories.require(model);
        int[] ids = input.ids != null ? input.ids : TokenizerSupport.encode(model, input.text, true);
        ModelWeights weights = HfCheckpoint.load(model);
        StudentModel m = StudentModel.of(weights, adapter == null ? null : PeftAdapter.read(adapter, weights.config()));
        int vocab = m.config().vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        if (ids.length < 2) {
            throw new IllegalArgumentException("need at least two tokens to score");
        }
        float[] lp = m.tokenLogprobs(TokenBatch.rightPadded(List.of(ids), 0)).data().asFloat();
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        ArrayNode a = o.putArray("ids");
        Arrays.stream(ids).forEach(a::add);
        ArrayNode l = o.putArray("logprobs");
        l.addNull();
        double total = 0;
        for (float v : lp) {
            l.add(v);
            total += v;
        }
        o.put("total_logprob", total);
        spec.commandLine().getOut().println(o);
        return 0;
    }
}
