package dev.thinktune.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PNG line charts of metrics against steps (XChart), one or more runs per chart. */
public final class Charts {
    /** Ticks the value axis aims for; its labels get the decimals that tell them apart. */
    private static final int TICKS = 6;

    private Charts() {
    }

    /**
     * A vertical line across a chart, such as the step after which guidance ends.
     *
     * @param x     where on the step axis
     * @param label the legend's name for it
     */
    public record Marker(double x, String label) {
    }

    /**
     * Plots {@code metric} against {@code step} for each named run's rows; rows without the metric are skipped.
     * Returns false (and writes nothing) when no run has the metric.
     */
    public static boolean line(Path png, String title, String metric, Map<String, List<Map<String, Double>>> runs) {
        return line(png, title, metric, runs, List.of());
    }

    /** As {@link #line(Path, String, String, Map)}, with vertical {@code markers}. */
    public static boolean line(Path png, String title, String metric, Map<String, List<Map<String, Double>>> runs,
                               List<Marker> markers) {
        XYChart chart = chart(title, metric, runs, markers);
        if (chart == null) {
            return false;
        }
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write chart " + png, e);
        }
        return true;
    }

    /** The chart {@link #line} draws, or null when no run has the metric. */
    static XYChart chart(String title, String metric, Map<String, List<Map<String, Double>>> runs,
                         List<Marker> markers) {
        XYChart chart = new XYChartBuilder().width(720).height(420).title(title).xAxisTitle("step")
                .yAxisTitle(metric).build();
        XYStyler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesVisible(true);
        styler.setXAxisDecimalPattern("0");
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        int series = 0;
        for (Map.Entry<String, List<Map<String, Double>>> run : runs.entrySet()) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (Map<String, Double> row : run.getValue()) {
                Double x = row.get("step"), y = row.get(metric);
                if (x != null && y != null && Double.isFinite(y)) {
                    xs.add(x);
                    ys.add(y);
                    lo = Math.min(lo, y);
                    hi = Math.max(hi, y);
                }
            }
            if (xs.isEmpty()) {
                continue;
            }
            XYSeries s = chart.addSeries(run.getKey(), xs, ys);
            s.setMarker(xs.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
            series++;
        }
        if (series == 0) {
            return null;
        }
        if (hi - lo < 1e-12) { // a flat line: give the axis some height around it
            double pad = Math.max(Math.abs(hi) * 0.1, 0.01);
            lo -= pad;
            hi += pad;
        }
        for (Marker m : markers) {
            XYSeries s = chart.addSeries(m.label(), new double[]{m.x(), m.x()}, new double[]{lo, hi});
            s.setMarker(SeriesMarkers.NONE);
            s.setLineStyle(SeriesLines.DASH_DASH);
            s.setLineColor(Color.GRAY);
        }
        styler.setLegendVisible(runs.size() > 1 || !markers.isEmpty());
        styler.setYAxisDecimalPattern(decimalPattern(lo, hi));
        return chart;
    }

    /**
     * A number format for the value axis of data in [lo, hi]: a leading zero and the same number of decimals on
     * every tick, as many as ticks about a sixth of the range apart need ("0.05" beside "0.10", never ".05" beside
     * "0.1"); scientific notation for values too small or too large for that.
     */
    static String decimalPattern(double lo, double hi) {
        double span = Math.max(hi - lo, Math.max(Math.abs(lo), Math.abs(hi)) * 1e-6);
        double tick = span / TICKS;
        double largest = Math.max(Math.abs(lo), Math.abs(hi));
        if (largest >= 1e6 || (largest > 0 && largest < 1e-4)) {
            return "0.0##E0";
        }
        int decimals = (int) Math.max(0, Math.ceil(-Math.log10(tick)));
        return decimals == 0 ? "0" : "0." + "0".repeat(Math.min(decimals, 6));
    }

    /** One run under a name. */
    public static Map<String, List<Map<String, Double>>> single(String name, List<Map<String, Double>> rows) {
        Map<String, List<Map<String, Double>>> m = new LinkedHashMap<>();
        m.put(name, rows);
        return m;
    }
}
