package dev.thinktune.ui;

import org.nd4j.graph.FlatArray;
import org.nd4j.graph.UIAddName;
import org.nd4j.graph.UIEvent;
import org.nd4j.graph.UIEventType;
import org.nd4j.graph.UIGraphStructure;
import org.nd4j.graph.UIHistogram;
import org.nd4j.graph.UIHistogramType;
import org.nd4j.graph.UIInfoType;
import org.nd4j.graph.UIOp;
import org.nd4j.graph.UIStaticInfoRecord;
import org.nd4j.graph.UIVariable;
import org.nd4j.graph.DType;
import org.nd4j.graph.VarType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a SameDiff UI log holds, read the way the SameDiff page reads it. The file is a sequence of records,
 * each {@code int headerLength, int contentLength} (big-endian) then two flatbuffers: first static records
 * (graph structure, system information) up to the start-of-events marker, then events (names, scalars,
 * histograms). ND4J's own reader stops at histograms; this one reads them too.
 *
 * @param graph      the graph structure, or null when the log has none
 * @param scalars    scalar series by event name, in file order
 * @param histograms histograms by event name, in file order
 * @param bytes      the length of the complete records read (a log being appended to may end in a partial one)
 * @param names      the event names in the order the log registered them (the order the Plots tab charts them)
 */
public record UiLog(Graph graph, Map<String, List<Scalar>> scalars, Map<String, List<HistogramEvent>> histograms,
                    long bytes, List<String> names) {

    public record Graph(List<String> inputs, List<String> outputs, List<Variable> variables, List<Op> ops) {
        public List<String> variableNames() {
            return variables.stream().map(Variable::name).toList();
        }

        public List<String> opNames() {
            return ops.stream().map(Op::name).toList();
        }
    }

    /**
     * A variable: {@code type} is VARIABLE, CONSTANT, PLACEHOLDER or ARRAY (an op output); {@code inputsFor} names
     * the ops that read it.
     */
    public record Variable(String name, String type, String dtype, long[] shape, String outputOf,
                           List<String> inputsFor) {
    }

    public record Op(String name, String opName, List<String> inputs, List<String> outputs) {
    }

    public record Scalar(int iteration, long time, double value) {
    }

    /** Counts over {@code counts.length} equal bins from {@code min} to {@code max}. */
    public record HistogramEvent(int iteration, long time, double min, double max, double[] counts) {
    }

    public static UiLog read(Path file) {
        try {
            return parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the UI log " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The length of the whole records at the start of {@code bytes}: a reader that gets only these never sees
     * a record that a writer is still appending.
     */
    public static int completeLength(byte[] bytes) {
        ByteBuffer bb = ByteBuffer.wrap(bytes);
        int at = 0;
        while (at + 8 <= bytes.length) {
            long h = bb.getInt(at);
            long c = bb.getInt(at + 4);
            if (h < 0 || c < 0 || at + 8 + h + c > bytes.length) {
                break;
            }
            at += (int) (8 + h + c);
        }
        return at;
    }

    public static UiLog parse(byte[] bytes) {
        int end = completeLength(bytes);
        ByteBuffer bb = ByteBuffer.wrap(bytes);
        Graph graph = null;
        Map<String, List<Scalar>> scalars = new LinkedHashMap<>();
        Map<String, List<HistogramEvent>> histograms = new LinkedHashMap<>();
        Map<Integer, String> names = new HashMap<>();
        List<String> order = new ArrayList<>();
        boolean events = false;
        int at = 0;
        while (at < end) {
            int h = bb.getInt(at);
            int c = bb.getInt(at + 4);
            ByteBuffer header = slice(bytes, at + 8, h);
            ByteBuffer content = slice(bytes, at + 8 + h, c);
            at += 8 + h + c;
            if (!events) {
                byte type = UIStaticInfoRecord.getRootAsUIStaticInfoRecord(header).infoType();
                if (type == UIInfoType.GRAPH_STRUCTURE) {
                    graph = graph(UIGraphStructure.getRootAsUIGraphStructure(content));
                } else if (type == UIInfoType.START_EVENTS) {
                    events = true;
                }
                continue;
            }
            UIEvent e = UIEvent.getRootAsUIEvent(header);
            switch (e.eventType()) {
                case UIEventType.ADD_NAME -> {
                    UIAddName n = UIAddName.getRootAsUIAddName(content);
                    names.put(n.nameIdx(), n.name());
                    order.add(n.name());
                }
                case UIEventType.SCALAR -> {
                    double v = Nd4j.createFromFlatArray(FlatArray.getRootAsFlatArray(content)).getDouble(0);
                    scalars.computeIfAbsent(name(names, e), k -> new ArrayList<>())
                            .add(new Scalar(e.iteration(), e.timestamp(), v));
                }
                case UIEventType.HISTOGRAM -> {
                    HistogramEvent he = histogram(e, UIHistogram.getRootAsUIHistogram(content));
                    if (he != null) {
                        histograms.computeIfAbsent(name(names, e), k -> new ArrayList<>()).add(he);
                    }
                }
                default -> {
                    // arrays, images, timings: not written by thinktune and not drawn by the page
                }
            }
        }
        return new UiLog(graph, scalars, histograms, end, List.copyOf(order));
    }

    private static String name(Map<Integer, String> names, UIEvent e) {
        return names.getOrDefault(e.nameIdx(), "#" + e.nameIdx());
    }

    private static ByteBuffer slice(byte[] bytes, int offset, int length) {
        return ByteBuffer.wrap(bytes, offset, length).slice();
    }

    private static HistogramEvent histogram(UIEvent e, UIHistogram h) {
        if (h.type() != UIHistogramType.EQUAL_SPACING) {
            return null;
        }
        INDArray range = Nd4j.createFromFlatArray(h.binranges()).castTo(DataType.DOUBLE);
        double[] y = Nd4j.createFromFlatArray(h.y()).castTo(DataType.DOUBLE).toDoubleVector();
        return new HistogramEvent(e.iteration(), e.timestamp(), range.getDouble(0), range.getDouble(1), y);
    }

    static Graph graph(UIGraphStructure g) {
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < g.inputsLength(); i++) {
            inputs.add(g.inputs(i));
        }
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < g.outputsLength(); i++) {
            outputs.add(g.outputs(i));
        }
        List<Variable> vars = new ArrayList<>();
        for (int i = 0; i < g.variablesLength(); i++) {
            UIVariable v = g.variables(i);
            long[] shape = new long[v.shapeLength()];
            for (int j = 0; j < shape.length; j++) {
                shape[j] = v.shape(j);
            }
            List<String> users = new ArrayList<>();
            for (int j = 0; j < v.inputsForOpLength(); j++) {
                users.add(v.inputsForOp(j));
            }
            String outputOf = v.outputOfOp() == null || v.outputOfOp().isEmpty() ? null : v.outputOfOp();
            vars.add(new Variable(v.name(), VarType.name(v.type()), DType.name(v.datatype()), shape, outputOf,
                    List.copyOf(users)));
        }
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < g.opsLength(); i++) {
            UIOp o = g.ops(i);
            List<String> in = new ArrayList<>();
            for (int j = 0; j < o.inputsLength(); j++) {
                in.add(o.inputs(j));
            }
            List<String> out = new ArrayList<>();
            for (int j = 0; j < o.outputsLength(); j++) {
                out.add(o.outputs(j));
            }
            ops.add(new Op(o.name(), o.opName(), in, out));
        }
        return new Graph(inputs, outputs, vars, ops);
    }
}
