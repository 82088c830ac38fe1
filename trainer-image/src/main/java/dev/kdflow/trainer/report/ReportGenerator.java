package dev.kdflow.trainer.report;

import dev.kdflow.trainer.report.LineChart.Event;
import dev.kdflow.trainer.report.LineChart.Marker;
import dev.kdflow.trainer.report.LineChart.Series;
import dev.kdflow.trainer.report.MetricsLog.Run;
import dev.kdflow.trainer.training.ExperimentDirectory;
import dev.kdflow.trainer.training.MetricsRecord;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Turns an experiment's {@code metrics.jsonl} into a report in {@code <experimentDir>/report/}: a
 * loss chart, an accuracy chart and a one-page HTML summary with both charts embedded. Charts are
 * drawn by JFreeChart in headless mode; every file is written to a temporary file first and renamed
 * into place, so a reader never sees half a report file.
 */
public final class ReportGenerator {

  /** Chart size in pixels. */
  public static final int CHART_WIDTH = 900;

  /** Chart size in pixels. */
  public static final int CHART_HEIGHT = 500;

  private ReportGenerator() {}

  /**
   * Generates (or regenerates) the report of one experiment.
   *
   * @param experimentDir {@code <checkpoints.rootDir>/<experimentName>}, holding {@code
   *     metrics.jsonl}
   * @return the written files
   * @throws IllegalArgumentException when {@code metrics.jsonl} is missing or holds no record
   * @throws UncheckedIOException when a report file cannot be written
   */
  public static ReportFiles generate(Path experimentDir) {
    if (System.getProperty("java.awt.headless") == null) {
      // Reports are drawn in pods and CI without a display.
      System.setProperty("java.awt.headless", "true");
    }
    MetricsLog log = MetricsLog.read(new ExperimentDirectory(experimentDir).metricsFile());
    String name =
        log.experiment() != null
            ? log.experiment()
            : experimentDir.toAbsolutePath().normalize().getFileName().toString();

    byte[] loss = LineChart.png(lossChart(log, name).render(CHART_WIDTH, CHART_HEIGHT));
    byte[] accuracy = LineChart.png(accuracyChart(log, name).render(CHART_WIDTH, CHART_HEIGHT));
    String html = HtmlReport.render(log, name, loss, accuracy);

    Path dir = new ExperimentDirectory(experimentDir).reportFolder();
    try {
      Files.createDirectories(dir);
      ReportFiles files =
          new ReportFiles(
              dir.resolve("index.html"), dir.resolve("loss.png"), dir.resolve("accuracy.png"));
      writeAtomically(files.lossChart(), loss);
      writeAtomically(files.accuracyChart(), accuracy);
      writeAtomically(files.html(), html.getBytes(StandardCharsets.UTF_8));
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report into " + dir + ": " + e, e);
    }
  }

  static LineChart lossChart(MetricsLog log, String name) {
    LineChart chart = new LineChart("Loss · " + name, "epoch", "loss").yFromZero();
    List<MetricsRecord> epochs = log.epochs();
    double[] x = epochs.stream().mapToDouble(MetricsRecord::epoch).toArray();
    List<MetricsRecord> steps = log.steps();
    if (!steps.isEmpty()) {
      chart.xFromZero();
      // Faint behind the epoch curves; the main line while no epoch has finished.
      float alpha = epochs.isEmpty() ? 0.9f : 0.28f;
      double[] sx = stepPositions(steps);
      add(
          chart,
          "train loss (logged steps)",
          LineChart.BLUE,
          sx,
          steps,
          MetricsRecord::loss,
          1.2f,
          false,
          alpha,
          false);
      add(
          chart,
          "distill loss (logged steps)",
          LineChart.GREEN,
          sx,
          steps,
          MetricsRecord::distillLoss,
          1.0f,
          false,
          alpha * 0.8f,
          false);
    }
    add(
        chart,
        "train loss",
        LineChart.BLUE,
        x,
        epochs,
        MetricsRecord::trainLoss,
        2.6f,
        false,
        1f,
        true);
    add(
        chart,
        "task loss",
        LineChart.ORANGE,
        x,
        epochs,
        MetricsRecord::trainTaskLoss,
        2f,
        false,
        1f,
        true);
    add(
        chart,
        "distill loss",
        LineChart.GREEN,
        x,
        epochs,
        MetricsRecord::trainDistillLoss,
        2f,
        false,
        1f,
        true);
    add(
        chart,
        "valid loss",
        LineChart.RED,
        x,
        epochs,
        MetricsRecord::validLoss,
        2f,
        true,
        1f,
        true);
    addResumes(chart, log);
    return chart.emptyMessage("No finished epoch or logged step yet");
  }

  static LineChart accuracyChart(MetricsLog log, String name) {
    LineChart chart = new LineChart("Validation accuracy · " + name, "epoch", "accuracy").percent();
    List<MetricsRecord> epochs = log.epochs();
    double[] x = epochs.stream().mapToDouble(MetricsRecord::epoch).toArray();
    add(
        chart,
        "student top-1",
        LineChart.BLUE,
        x,
        epochs,
        MetricsRecord::top1,
        2.6f,
        false,
        1f,
        true);
    add(
        chart,
        "student top-5",
        LineChart.PURPLE,
        x,
        epochs,
        MetricsRecord::top5,
        2f,
        false,
        1f,
        true);
    // The frozen teacher scores the same every epoch: a plain dashed reference line.
    add(
        chart,
        "teacher top-1",
        LineChart.GREY,
        x,
        epochs,
        MetricsRecord::teacherTop1,
        2f,
        true,
        1f,
        false);
    add(
        chart,
        "train top-1",
        LineChart.ORANGE,
        x,
        epochs,
        MetricsRecord::trainTop1,
        1.4f,
        true,
        0.7f,
        false);
    bestEpoch(log)
        .ifPresent(
            best ->
                epochs.stream()
                    .filter(e -> e.epoch() == best.epoch() && e.top1() != null)
                    .findFirst()
                    .ifPresent(
                        e ->
                            chart.marker(
                                new Marker(
                                    e.epoch(),
                                    e.top1(),
                                    "best "
                                        + ("top1".equals(best.metric())
                                            ? HtmlReport.percent(e.top1())
                                            : "by " + best.metric())
                                        + " · epoch "
                                        + e.epoch(),
                                    LineChart.RED))));
    addResumes(chart, log);
    return chart.emptyMessage("No validation results yet");
  }

  /** The best epoch as the trainer reported it, else the epoch with the highest top-1. */
  static Optional<Best> bestEpoch(MetricsLog log) {
    for (int i = log.epochs().size() - 1; i >= 0; i--) {
      MetricsRecord e = log.epochs().get(i);
      if (e.bestEpoch() != null) {
        return Optional.of(
            new Best(
                e.bestEpoch(), e.bestMetric() == null ? "top1" : e.bestMetric(), e.bestValue()));
      }
    }
    return log.epochs().stream()
        .filter(e -> e.top1() != null && Double.isFinite(e.top1()))
        .reduce((a, b) -> b.top1() > a.top1() ? b : a)
        .map(e -> new Best(e.epoch(), "top1", e.top1()));
  }

  /** The best epoch, the metric that chose it and that metric's value (null when unknown). */
  record Best(int epoch, String metric, Double value) {}

  private static void addResumes(LineChart chart, MetricsLog log) {
    // A restart from scratch dropped the earlier epochs, so only resumes have a place on the axis.
    for (Run run : log.resumes()) {
      if (run.resumedFromEpoch() != null) {
        chart.event(
            new Event(run.resumedFromEpoch(), "resumed after epoch " + run.resumedFromEpoch()));
      }
    }
  }

  /**
   * Adds the records that have the value as a series: absent values are left out (the line joins
   * across epochs without validation), NaN values stay (the line breaks there). Nothing is added
   * when no record has the value.
   */
  private static <T> void add(
      LineChart chart,
      String name,
      Color color,
      double[] x,
      List<T> records,
      Function<T, Double> value,
      float width,
      boolean dashed,
      float alpha,
      boolean dots) {
    List<double[]> points = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      Double v = value.apply(records.get(i));
      if (v != null) {
        points.add(new double[] {x[i], v});
      }
    }
    if (points.stream().anyMatch(p -> !Double.isNaN(p[1]))) {
      chart.add(
          new Series(
              name,
              color,
              points.stream().mapToDouble(p -> p[0]).toArray(),
              points.stream().mapToDouble(p -> p[1]).toArray(),
              width,
              dashed,
              alpha,
              dots));
    }
  }

  /**
   * Places each step on the epoch axis, where epoch E ends at x = E. Steps per epoch come from the
   * distance between the first logged steps of consecutive epochs (or, with one epoch, its last
   * logged step); each point is kept inside its own epoch.
   */
  static double[] stepPositions(List<MetricsRecord> steps) {
    List<Long> gaps = new ArrayList<>();
    MetricsRecord previousFirst = null;
    long maxInFirstEpoch = 0;
    int firstEpoch = steps.get(0).epoch();
    for (MetricsRecord s : steps) {
      if (s.epoch() == firstEpoch) {
        maxInFirstEpoch = Math.max(maxInFirstEpoch, s.step());
      }
      if (previousFirst == null || s.epoch() != previousFirst.epoch()) {
        if (previousFirst != null && s.epoch() == previousFirst.epoch() + 1) {
          gaps.add(s.step() - previousFirst.step());
        }
        previousFirst = s;
      }
    }
    double perEpoch;
    if (!gaps.isEmpty()) {
      gaps.sort(null);
      perEpoch = gaps.get(gaps.size() / 2);
    } else {
      perEpoch = Math.max(1, maxInFirstEpoch / (double) Math.max(1, firstEpoch));
    }
    double[] x = new double[steps.size()];
    for (int i = 0; i < steps.size(); i++) {
      MetricsRecord s = steps.get(i);
      double position = perEpoch > 0 ? s.step() / perEpoch : s.epoch();
      x[i] = Math.max(s.epoch() - 1, Math.min(s.epoch(), position));
    }
    return x;
  }

  private static void writeAtomically(Path target, byte[] bytes) throws IOException {
    // A sibling name (same file system, so the rename is atomic) with the default permissions.
    Path temp =
        target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.write(temp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
