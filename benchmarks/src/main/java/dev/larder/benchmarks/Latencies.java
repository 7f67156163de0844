package dev.larder.benchmarks;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Records latencies from many threads and reports percentiles in milliseconds.
 *
 * <p>Backed by HdrHistogram (3 significant digits, up to one hour), so recording is wait-free and
 * percentiles are exact to 0.1 %.
 */
public final class Latencies {
  private final Recorder recorder = new Recorder(TimeUnit.HOURS.toNanos(1), 3);
  private final Histogram total = new Histogram(TimeUnit.HOURS.toNanos(1), 3);

  /**
   * Records one latency.
   *
   * @param nanos the latency in nanoseconds; negative values are recorded as zero
   */
  public void record(long nanos) {
    recorder.recordValue(Math.max(0, Math.min(nanos, TimeUnit.HOURS.toNanos(1))));
  }

  /**
   * A percentile of everything recorded so far.
   *
   * @param percentile in (0, 100]
   * @return the latency at that percentile, in milliseconds
   */
  public double percentileMillis(double percentile) {
    return snapshot().getValueAtPercentile(percentile) / 1_000_000.0;
  }

  /**
   * How many latencies were recorded.
   *
   * @return the count
   */
  public long count() {
    return snapshot().getTotalCount();
  }

  private Histogram snapshot() {
    synchronized (total) { // short, CPU-only: merges the recorder's interval into the total
      total.add(recorder.getIntervalHistogram());
      return total.copy();
    }
  }
}
