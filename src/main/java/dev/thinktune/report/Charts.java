package dev.thinktune.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

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
    private Charts() {
    }

    /**
     * Plots {@code metric} against {@code step} for each named run's rows; rows without the metric are skipped.
     * Returns false (and writes nothing) when no run has the metric.
     */
    public static boolean line(Path png, String title, String metric, Map<String, List<Map<String, Double>>> runs) {
        XYChart chart = new XYChartBuilder().width(720).height(420).title(title).xAxisTitle("step")
                .yAxisTitle(metric).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
        chart.getStyler().setLegendVisible(runs.size() > 1);
        boolean any = false;
        for (Map.Entry<String, List<Map<String, Double>>> run : runs.entrySet()) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (Map<String, Double> row : run.getValue()) {
                Double x = row.get("step"), y = row.get(metric);
                if (x != null && y != null && Double.isFinite(y)) {
                    xs.add(x);
                    ys.add(y);
                }
            }
            if (xs.isEmpty()) {
                continue;
            }
            XYSeries s = chart.addSeries(run.getKey(), xs, ys);
            s.setMarker(xs.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
            any = true;
        }
        if (!any) {
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

    /** One run under a name. */
    public static Map<String, List<Map<String, Double>>> single(String name, List<Map<String, Double>> rows) {
        Map<String, List<Map<String, Double>>> m = new LinkedHashMap<>();
        m.put(name, rows);
        return m;
    }
}
