package dev.larder.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Writes the PNG charts the docs show, with XChart, headless. */
public final class Plots {
  private final Path dir;

  /**
   * Charts written into a directory (created if missing).
   *
   * @param dir e.g. {@code docs/benchmarks}
   */
  public Plots(Path dir) {
    this.dir = dir;
    System.setProperty("java.awt.headless", "true");
  }

  /** One named line of a chart. */
  public record Series(String name, List<? extends Number> x, List<? extends Number> y) {}

  /**
   * Writes a line chart.
   *
   * @param file the PNG's file name, e.g. {@code keyset.png}
   * @param title the chart's title
   * @param xTitle the x axis's title
   * @param yTitle the y axis's title
   * @param logX whether the x axis is logarithmic
   * @param logY whether the y axis is logarithmic
   * @param series the lines
   * @return the file written
   * @throws IOException if it cannot be written
   */
  public Path lines(
      String file,
      String title,
      String xTitle,
      String yTitle,
      boolean logX,
      boolean logY,
      List<Series> series)
      throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(800)
            .height(500)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setXAxisLogarithmic(logX);
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    for (Series s : series) {
      if (s.x().isEmpty()) {
        continue; // XChart refuses empty series; a side with no data is named in the table instead
      }
      XYSeries xy = chart.addSeries(s.name(), s.x(), s.y());
      xy.setMarker(SeriesMarkers.CIRCLE);
    }
    Files.createDirectories(dir);
    Path out = dir.resolve(file);
    BitmapEncoder.saveBitmap(chart, out.toString(), BitmapEncoder.BitmapFormat.PNG);
    return out;
  }
}
