package dev.larder.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Readable output of the scenario runner: progress lines and aligned tables. */
public final class Report {
  private final PrintStream out;

  /**
   * A report printing to the given stream.
   *
   * @param out usually {@link System#out}
   */
  public Report(PrintStream out) {
    this.out = out;
  }

  /**
   * Prints a progress or note line.
   *
   * @param line the text
   */
  public void line(String line) {
    out.println(line);
    out.flush();
  }

  /**
   * Prints measurements as an aligned table.
   *
   * @param title the table's heading
   * @param rows the measurements
   */
  public void table(String title, List<Measurement> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"metric", "unit", "larder", "anchor", "anchor name", "ratio"});
    for (Measurement m : rows) {
      cells.add(
          new String[] {
            m.metric(),
            m.unit(),
            num(m.larder()),
            num(m.anchor()),
            m.anchorName(),
            Double.isNaN(m.ratio()) ? "n/a" : String.format(Locale.ROOT, "%.3f", m.ratio())
          });
    }
    int[] widths = new int[6];
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    out.println();
    out.println(title);
    for (String[] row : cells) {
      StringBuilder b = new StringBuilder("  ");
      for (int i = 0; i < row.length; i++) {
        b.append(
            String.format(
                Locale.ROOT,
                i >= 2 && i != 4 ? "%" + widths[i] + "s" : "%-" + widths[i] + "s",
                row[i]));
        b.append(i + 1 < row.length ? "  " : "");
      }
      out.println(b);
    }
    out.flush();
  }

  private static String num(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15
        ? Long.toString((long) d)
        : String.format(Locale.ROOT, "%.3f", d);
  }
}
