package dev.thinktune.ui;

import com.google.flatbuffers.FlatBufferBuilder;
import org.nd4j.graph.DType;
import org.nd4j.graph.UIGraphStructure;
import org.nd4j.graph.UIInfoType;
import org.nd4j.graph.UIOp;
import org.nd4j.graph.UIStaticInfoRecord;
import org.nd4j.graph.UIVariable;
import org.nd4j.graph.VarType;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The student graph in blocks a person can read: the modules of the model (the embedding, each decoder layer, the
 * final norm, the head, the token log-probs) and the ThinkTuning loss, each drawn as one node, and any block
 * opened to its own ops. Both views are SameDiff UI logs that the SameDiff page draws as it draws any graph: the
 * graph record of a log is replaced, the events after it are kept.
 *
 * <p>An op belongs to the block its name is scoped in ({@code model.layers.2.self_attn/softmax} to
 * {@code model.layers.2}, {@code lm_head/matmul} to {@code lm_head}); an op without a scope belongs to the block
 * of the scoped ops that produce all its inputs ({@code reshape} of {@code lm_head/logits} to {@code lm_head}),
 * and otherwise to the loss (the objective's terms are named without a scope).
 *
 * <p>In the block view a block's label counts its ops and weights; the arrays that pass from one block to another
 * are its edges, the placeholders its inputs. In a block's view, what its ops take from other blocks appears as
 * placeholders labelled with the block they come from.
 */
public final class GraphBlocks {

    /** The block of the unscoped ops of the objective. */
    public static final String LOSS = "loss";

    private static final Pattern LAYER = Pattern.compile("^(model\\.layers\\.\\d+)(?:[./].*)?$");

    private GraphBlocks() {
    }

    /** A variable of a graph record, as far as the page draws it. */
    private record Var(String name, byte type, byte dtype, long[] shape, String outputOf, List<String> inputsFor,
                       String extra) {
        Var withInputsFor(List<String> ops) {
            return new Var(name, type, dtype, shape, outputOf, ops, extra);
        }
    }

    private record Op(String name, String opName, List<String> inputs, List<String> outputs, String extra) {
    }

    /** One graph record: its inputs, variables and ops. */
    private record Graph(List<String> inputs, Map<String, Var> vars, List<Op> ops) {
    }

    /** A block: its name, what it is, its ops in graph order and the weights they read. */
    public record Block(String name, String kind, List<String> ops, List<String> weights) {
    }

    /** The blocks of the graph in {@code log}, in graph order (empty when the log has no graph). */
    public static List<Block> blocks(byte[] log) {
        return graphRecord(log).map(r -> blocks(read(log, r))).orElse(List.of());
    }

    /** {@code log} with its graph drawn as blocks ({@link #blocks}); a log without a graph is returned as it is. */
    public static byte[] blockView(byte[] log) {
        return rewrite(log, g -> blockGraph(g, blocks(g)));
    }

    /**
     * {@code log} with its graph cut to the ops of {@code block} (a block name, or any scope, e.g.
     * {@code model.layers.2.self_attn}).
     *
     * @throws IllegalArgumentException naming the blocks when no op is in {@code block}
     */
    public static byte[] opened(byte[] log, String block) {
        return rewrite(log, g -> {
            List<Block> blocks = blocks(g);
            Set<String> ops = new LinkedHashSet<>();
            for (Block b : blocks) {
                for (String op : b.ops()) {
                    if (b.name().equals(block) || op.startsWith(block + "/") || op.startsWith(block + ".")) {
                        ops.add(op);
                    }
                }
            }
            if (ops.isEmpty()) {
                throw new IllegalArgumentException("no block or scope '" + block + "' in this graph; its blocks are "
                        + String.join(", ", blocks.stream().map(Block::name).toList()));
            }
            return subGraph(g, ops, blocks);
        });
    }

    // ---- blocks ----

    private static List<Block> blocks(Graph g) {
        Map<String, String> blockOfOp = new LinkedHashMap<>();
        Map<String, String> scopeOfOp = new LinkedHashMap<>();
        for (Op op : g.ops()) {
            scopeOfOp.put(op.name(), scope(op.name()));
        }
        for (Op op : g.ops()) {
            String block = scopeOfOp.get(op.name());
            if (block == null) {
                Set<String> from = new LinkedHashSet<>();
                for (String in : op.inputs()) {
                    Var v = g.vars().get(in);
                    if (v != null && v.type() == VarType.CONSTANT) {
                        continue;
                    }
                    from.add(v == null || v.outputOf() == null ? null : scopeOfOp.get(v.outputOf()));
                }
                block = from.size() == 1 && !from.contains(null) ? from.iterator().next() : LOSS;
            }
            blockOfOp.put(op.name(), block);
        }
        Map<String, List<String>> ops = new LinkedHashMap<>();
        Map<String, Set<String>> weights = new LinkedHashMap<>();
        for (Op op : g.ops()) {
            String b = blockOfOp.get(op.name());
            ops.computeIfAbsent(b, k -> new ArrayList<>()).add(op.name());
            Set<String> w = weights.computeIfAbsent(b, k -> new LinkedHashSet<>());
            for (String in : op.inputs()) {
                Var v = g.vars().get(in);
                if (v != null && v.type() == VarType.VARIABLE) {
                    w.add(in);
                }
            }
        }
        List<Block> out = new ArrayList<>();
        ops.forEach((name, list) -> out.add(new Block(name, kind(name), List.copyOf(list),
                List.copyOf(weights.get(name)))));
        return out;
    }

    /** The block an op's name scopes it in: its decoder layer, else the first scope; null when unscoped. */
    private static String scope(String op) {
        int slash = op.lastIndexOf('/');
        if (slash < 0) {
            return null;
        }
        Matcher layer = LAYER.matcher(op);
        if (layer.matches()) {
            return layer.group(1);
        }
        String scope = op.substring(0, slash);
        int first = scope.indexOf('/');
        return first < 0 ? scope : scope.substring(0, first);
    }

    private static String kind(String block) {
        if (LAYER.matcher(block).matches()) {
            return "decoder layer";
        }
        return switch (block) {
            case "inputs" -> "batch shape";
            case "model.embed_tokens" -> "embedding";
            case "model.rotary_emb" -> "rotary embedding";
            case "model.attention_mask" -> "attention mask";
            case "model.norm" -> "final norm";
            case "lm_head" -> "head";
            case "logprobs" -> "token log-probs";
            case LOSS -> "ThinkTuning loss";
            default -> "block";
        };
    }

    private static Graph blockGraph(Graph g, List<Block> blocks) {
        Map<String, String> blockOfOp = new LinkedHashMap<>();
        blocks.forEach(b -> b.ops().forEach(op -> blockOfOp.put(op, b.name())));
        Map<String, Var> vars = new LinkedHashMap<>();
        Map<String, Set<String>> inputsOf = new LinkedHashMap<>();
        Map<String, Set<String>> outputsOf = new LinkedHashMap<>();
        blocks.forEach(b -> {
            inputsOf.put(b.name(), new LinkedHashSet<>());
            outputsOf.put(b.name(), new LinkedHashSet<>());
        });
        // the arrays one block hands to the same other blocks travel as one edge, named after all of them
        Map<List<String>, List<Var>> bundles = new LinkedHashMap<>();
        for (Var v : g.vars().values()) {
            String producer = v.outputOf() == null ? null : blockOfOp.get(v.outputOf());
            Set<String> consumers = new LinkedHashSet<>();
            for (String op : v.inputsFor()) {
                String b = blockOfOp.get(op);
                if (b != null && !b.equals(producer)) {
                    consumers.add(b);
                }
            }
            if (consumers.isEmpty()) {
                continue; // arrays inside a block stay inside it
            }
            if (v.type() == VarType.PLACEHOLDER) {
                vars.put(v.name(), new Var(v.name(), v.type(), v.dtype(), v.shape(), null, List.copyOf(consumers),
                        null));
                consumers.forEach(b -> inputsOf.get(b).add(v.name()));
            } else if (v.type() == VarType.ARRAY && producer != null) {
                List<String> key = new ArrayList<>();
                key.add(producer);
                key.addAll(consumers);
                bundles.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
            } // weights and constants are counted on the blocks that read them
        }
        bundles.forEach((key, list) -> {
            String producer = key.get(0);
            List<String> consumers = key.subList(1, key.size());
            Var first = list.get(0);
            String name = list.size() == 1 ? first.name() : bundleName(list);
            vars.put(name, new Var(name, first.type(), first.dtype(), first.shape(), producer, List.copyOf(consumers),
                    null));
            consumers.forEach(b -> inputsOf.get(b).add(name));
            outputsOf.get(producer).add(name);
        });
        List<Op> ops = new ArrayList<>();
        for (Block b : blocks) {
            String extra = b.ops().size() + (b.ops().size() == 1 ? " op" : " ops")
                    + (b.weights().isEmpty() ? "" : ", " + b.weights().size()
                    + (b.weights().size() == 1 ? " weight" : " weights"));
            ops.add(new Op(b.name(), b.kind(), List.copyOf(inputsOf.get(b.name())),
                    List.copyOf(outputsOf.get(b.name())), extra));
        }
        return new Graph(g.inputs(), vars, ops);
    }

    /** {@code scope/{a, b}} for arrays of one scope, else their names joined. */
    private static String bundleName(List<Var> vars) {
        String first = vars.get(0).name();
        int slash = first.lastIndexOf('/');
        String scope = slash < 0 ? null : first.substring(0, slash + 1);
        boolean common = scope != null && vars.stream().allMatch(v -> v.name().startsWith(scope)
                && v.name().indexOf('/', scope.length()) < 0);
        if (common) {
            return scope + "{" + String.join(", ", vars.stream().map(v -> v.name().substring(scope.length()))
                    .toList()) + "}";
        }
        return String.join(", ", vars.stream().map(Var::name).toList());
    }

    private static Graph subGraph(Graph g, Set<String> keep, List<Block> blocks) {
        Map<String, String> blockOfOp = new LinkedHashMap<>();
        blocks.forEach(b -> b.ops().forEach(op -> blockOfOp.put(op, b.name())));
        List<Op> ops = g.ops().stream().filter(o -> keep.contains(o.name())).toList();
        Map<String, Var> vars = new LinkedHashMap<>();
        List<String> inputs = new ArrayList<>();
        for (Op op : ops) {
            for (String name : op.inputs()) {
                Var v = g.vars().get(name);
                if (v == null || vars.containsKey(name)) {
                    continue;
                }
                List<String> users = v.inputsFor().stream().filter(keep::contains).toList();
                if (v.outputOf() != null && !keep.contains(v.outputOf())) {
                    // made by another block: drawn as this view's input, labelled with where it comes from
                    vars.put(name, new Var(name, VarType.PLACEHOLDER, v.dtype(), v.shape(), null, users,
                            "from " + blockOfOp.getOrDefault(v.outputOf(), v.outputOf())));
                    inputs.add(name);
                } else {
                    vars.put(name, v.withInputsFor(users));
                    if (v.type() == VarType.PLACEHOLDER) {
                        inputs.add(name);
                    }
                }
            }
            for (String name : op.outputs()) {
                Var v = g.vars().get(name);
                if (v != null) {
                    vars.put(name, v.withInputsFor(v.inputsFor().stream().filter(keep::contains).toList()));
                }
            }
        }
        return new Graph(inputs, vars, ops);
    }

    // ---- reading and writing the graph record ----

    /** Where a log's graph record is: its offset, header length and content length. */
    private record Record(int at, int header, int content) {
    }

    private static Optional<Record> graphRecord(byte[] log) {
        ByteBuffer bb = ByteBuffer.wrap(log);
        int end = UiLog.completeLength(log);
        int at = 0;
        while (at < end) {
            int h = bb.getInt(at);
            int c = bb.getInt(at + 4);
            byte type = UIStaticInfoRecord.getRootAsUIStaticInfoRecord(ByteBuffer.wrap(log, at + 8, h).slice())
                    .infoType();
            if (type == UIInfoType.GRAPH_STRUCTURE) {
                return Optional.of(new Record(at, h, c));
            }
            if (type == UIInfoType.START_EVENTS) {
                break;
            }
            at += 8 + h + c;
        }
        return Optional.empty();
    }

    private static Graph read(byte[] log, Record r) {
        UiLog.Graph g = UiLog.graph(UIGraphStructure.getRootAsUIGraphStructure(
                ByteBuffer.wrap(log, r.at() + 8 + r.header(), r.content()).slice()));
        Map<String, Var> vars = new LinkedHashMap<>();
        for (UiLog.Variable v : g.variables()) {
            vars.put(v.name(), new Var(v.name(), code(VarType.names, v.type()), code(DType.names, v.dtype()),
                    v.shape(), v.outputOf(), v.inputsFor(), null));
        }
        List<Op> ops = g.ops().stream().map(o -> new Op(o.name(), o.opName(), o.inputs(), o.outputs(), null))
                .toList();
        return new Graph(g.inputs(), vars, ops);
    }

    /** The flatbuffer code of an enum value by its name. */
    private static byte code(String[] names, String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return (byte) i;
            }
        }
        throw new IllegalArgumentException("unknown value " + name);
    }

    private static byte[] rewrite(byte[] log, UnaryOperator<Graph> view) {
        Optional<Record> found = graphRecord(log);
        if (found.isEmpty()) {
            return log;
        }
        Record r = found.get();
        int end = UiLog.completeLength(log);
        byte[] content = write(view.apply(read(log, r)));
        ByteArrayOutputStream out = new ByteArrayOutputStream(log.length);
        out.write(log, 0, r.at());
        out.writeBytes(ByteBuffer.allocate(8).putInt(r.header()).putInt(content.length).array());
        out.write(log, r.at() + 8, r.header());
        out.writeBytes(content);
        int after = r.at() + 8 + r.header() + r.content();
        out.write(log, after, end - after);
        return out.toByteArray();
    }

    /** Encodes a graph record as ND4J's LogFileWriter does (fields the page reads; outputs left empty). */
    private static byte[] write(Graph g) {
        FlatBufferBuilder fb = new FlatBufferBuilder(1 << 14);
        int[] vars = new int[g.vars().size()];
        int i = 0;
        for (Var v : g.vars().values()) {
            int name = fb.createString(v.name());
            int shape = UIVariable.createShapeVector(fb, v.shape());
            int outputOf = v.outputOf() == null ? 0 : fb.createString(v.outputOf());
            int users = UIVariable.createInputsForOpVector(fb, strings(fb, v.inputsFor()));
            int extra = v.extra() == null ? 0 : fb.createString(v.extra());
            UIVariable.startUIVariable(fb);
            UIVariable.addName(fb, name);
            UIVariable.addType(fb, v.type());
            UIVariable.addDatatype(fb, v.dtype());
            UIVariable.addShape(fb, shape);
            if (outputOf != 0) {
                UIVariable.addOutputOfOp(fb, outputOf);
            }
            UIVariable.addInputsForOp(fb, users);
            if (extra != 0) {
                UIVariable.addUiLabelExtra(fb, extra);
            }
            vars[i++] = UIVariable.endUIVariable(fb);
        }
        int[] ops = new int[g.ops().size()];
        i = 0;
        for (Op o : g.ops()) {
            int name = fb.createString(o.name());
            int opName = fb.createString(o.opName());
            int in = UIOp.createInputsVector(fb, strings(fb, o.inputs()));
            int out = UIOp.createOutputsVector(fb, strings(fb, o.outputs()));
            int extra = o.extra() == null ? 0 : fb.createString(o.extra());
            UIOp.startUIOp(fb);
            UIOp.addName(fb, name);
            UIOp.addOpName(fb, opName);
            UIOp.addInputs(fb, in);
            UIOp.addOutputs(fb, out);
            if (extra != 0) {
                UIOp.addUiLabelExtra(fb, extra);
            }
            ops[i++] = UIOp.endUIOp(fb);
        }
        int inputs = UIGraphStructure.createInputsVector(fb, strings(fb, g.inputs()));
        int outputs = UIGraphStructure.createOutputsVector(fb, new int[0]);
        int varVector = UIGraphStructure.createVariablesVector(fb, vars);
        int opVector = UIGraphStructure.createOpsVector(fb, ops);
        UIGraphStructure.startUIGraphStructure(fb);
        UIGraphStructure.addInputs(fb, inputs);
        UIGraphStructure.addOutputs(fb, outputs);
        UIGraphStructure.addVariables(fb, varVector);
        UIGraphStructure.addOps(fb, opVector);
        fb.finish(UIGraphStructure.endUIGraphStructure(fb));
        return fb.sizedByteArray();
    }

    private static int[] strings(FlatBufferBuilder fb, List<String> values) {
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = fb.createString(values.get(i));
        }
        return out;
    }
}
