package dev.kdflow.trainer.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.kdflow.trainer.training.MetricsRecord;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.jfree.chart.annotations.XYPointerAnnotation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.Layer;
import org.jfree.data.Range;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportGeneratorTest {

  @TempDir Path dir;

  /** Writes metrics.jsonl lines in the trainer's schema. */
  static final class Metrics {
    final List<String> lines = new ArrayList<>();
    int maxEpochs = 10;
    int stepsPerEpoch = 100;
    int logEvery = 20;

    Metrics start(Integer resumedFromEpoch) {
      lines.add(
          String.format(
              Locale.ROOT,
              "{\"type\":\"start\",\"resumedFromEpoch\":%s,\"experiment\":\"resnet18-kd\","
                  + "\"time\":\"2026-11-28T10:00:00Z\"}",
              resumedFromEpoch == null ? "null" : resumedFromEpoch.toString()));
      return this;
    }

    /** Step records of one epoch, then its epoch record. */
    Metrics epoch(int epoch, boolean teacher, int bestEpoch, double bestValue) {
      for (int s = logEvery; s <= stepsPerEpoch; s += logEvery) {
        long global = (long) (epoch - 1) * stepsPerEpoch + s;
        double loss = trainLoss(epoch) + 0.3 * Math.exp(-global / 150.0) + 0.02 * Math.sin(s);
        lines.add(
            String.format(
                Locale.ROOT,
                "{\"type\":\"step\",\"epoch\":%d,\"step\":%d,\"loss\":%.5f,\"taskLoss\":%.5f%s,"
                    + "\"lr\":0.1,\"time\":\"2026-11-28T10:00:00Z\"}",
                epoch,
                global,
                loss,
                loss * 0.6,
                teacher ? String.format(Locale.ROOT, ",\"distillLoss\":%.5f", loss * 0.4) : ""));
      }
      String train =
          String.format(
              Locale.ROOT,
              "\"train\":{\"loss\":%.4f,\"taskLoss\":%.4f%s,\"top1\":%.4f}",
              trainLoss(epoch),
              trainLoss(epoch) * 0.6,
              teacher
                  ? String.format(Locale.ROOT, ",\"distillLoss\":%.4f", trainLoss(epoch) * 0.4)
                  : "",
              top1(epoch) + 0.02);
      String valid =
          String.format(
              Locale.ROOT,
              "\"valid\":{\"loss\":%.4f,\"top1\":%.4f,\"top5\":%.4f%s}",
              trainLoss(epoch) * 1.1,
              top1(epoch),
              Math.min(1, top1(epoch) + 0.15),
              teacher ? ",\"teacherTop1\":0.9321,\"teacherTop5\":0.9912" : "");
      lines.add(
          String.format(
              Locale.ROOT,
              "{\"type\":\"epoch\",\"epoch\":%d,\"maxEpochs\":%d,\"lr\":%.4f,%s,%s,"
                  + "\"best\":{\"metric\":\"top1\",\"value\":%.4f,\"epoch\":%d},"
                  + "\"epochSeconds\":%.1f,\"time\":\"2026-11-28T10:%02d:00Z\"}",
              epoch,
              maxEpochs,
              0.1 * Math.pow(0.8, epoch - 1),
              train,
              valid,
              bestValue,
              bestEpoch,
              41.5 + epoch,
              epoch));
      return this;
    }

    Metrics end(String status, String reason) {
      lines.add(
          "{\"type\":\"end\",\"status\":\""
              + status
              + "\",\"reason\":\""
              + reason
              + "\",\"time\":\"2026-11-28T11:00:00Z\"}");
      return this;
    }

    Metrics raw(String line) {
      lines.add(line);
      return this;
    }

    /** Epochs 1..n with the running best. */
    Metrics epochs(int from, int to, boolean teacher) {
      for (int e = from; e <= to; e++) {
        int best = 1;
        for (int k = 1; k <= e; k++) {
          if (top1(k) > top1(best)) {
            best = k;
          }
        }
        epoch(e, teacher, best, top1(best));
      }
      return this;
    }

    static double trainLoss(int epoch) {
      return 0.4 + 1.6 * Math.exp(-epoch / 3.0);
    }

    /** Rises, then dips at epoch 9 so the best is not the last epoch. */
    static double top1(int epoch) {
      double value = 0.55 + 0.33 * (1 - Math.exp(-epoch / 2.5));
      return epoch >= 9 ? value - 0.012 : value;
    }

    void writeTo(Path experimentDir, String tail) throws IOException {
      Files.createDirectories(experimentDir);
      Files.writeString(
          experimentDir.resolve("metrics.jsonl"), String.join("\n", lines) + "\n" + tail);
    }
  }

  private static BufferedImage png(Path file) throws IOException {
    BufferedImage image = ImageIO.read(file.toFile());
    assertThat(image).as("%s decodes", file).isNotNull();
    return image;
  }

  private static List<String> seriesNames(XYPlot plot) {
    return IntStream.range(0, plot.getDatasetCount())
        .mapToObj(i -> plot.getDataset(i).getSeriesKey(0).toString())
        .toList();
  }

  /** Pixels of exactly this colour: where a curve or its dots are drawn at full opacity. */
  private static long pixelsOf(BufferedImage image, java.awt.Color color) {
    long count = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if ((image.getRGB(x, y) & 0xFFFFFF) == (color.getRGB() & 0xFFFFFF)) {
          count++;
        }
      }
    }
    return count;
  }

  @Test
  void kdRunProducesChartsAndSummary() throws IOException {
    Metrics m = new Metrics().start(null).epochs(1, 10, true).end("succeeded", "");
    m.writeTo(dir, "");

    ReportFiles files = ReportGenerator.generate(dir);

    assertThat(files.html()).isEqualTo(dir.resolve("report/index.html"));
    assertThat(files.lossChart()).isEqualTo(dir.resolve("report/loss.png"));
    assertThat(files.accuracyChart()).isEqualTo(dir.resolve("report/accuracy.png"));
    for (Path chart : List.of(files.lossChart(), files.accuracyChart())) {
      BufferedImage image = png(chart);
      assertThat(image.getWidth()).isEqualTo(ReportGenerator.CHART_WIDTH);
      assertThat(image.getHeight()).isEqualTo(ReportGenerator.CHART_HEIGHT);
      // The first epoch curve of each chart (train loss, student top-1) is drawn.
      assertThat(pixelsOf(image, LineChart.BLUE))
          .as("%s shows its curves", chart)
          .isGreaterThan(50);
    }
    int best = 8;
    String html = Files.readString(files.html());
    assertThat(html)
        .contains("resnet18-kd")
        .contains("succeeded")
        .contains(HtmlReport.percent(Metrics.top1(best)))
        .contains("epoch " + best)
        .contains(HtmlReport.percent(Metrics.top1(10)))
        .contains("93.21 %")
        .contains("99.12 %")
        .contains("10 / 10")
        .contains(HtmlReport.number(Metrics.trainLoss(10)))
        .contains("distill loss")
        .contains("teacher top-1")
        .contains(HtmlReport.duration((42.5 + 51.5) / 2))
        .contains("data:image/png;base64,");
    // One table row per epoch, the best one highlighted.
    assertThat(html.split("<tr class=\"best\">", -1)).hasSize(2);
    for (int e = 1; e <= 10; e++) {
      assertThat(html).contains(HtmlReport.percent(Metrics.top1(e)));
    }
    try (Stream<Path> left = Files.list(files.html().getParent())) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("index.html", "loss.png", "accuracy.png");
    }
  }

  @Test
  void chartsHoldTheCurvesTheBestEpochAndTheResume() throws IOException {
    Metrics m = new Metrics().start(null).epochs(1, 5, true);
    m.start(4).epochs(5, 10, true).end("succeeded", "");
    m.writeTo(dir, "");
    MetricsLog log = MetricsLog.read(dir.resolve("metrics.jsonl"));

    XYPlot loss = ReportGenerator.lossChart(log, "resnet18-kd").toJFreeChart().getXYPlot();
    XYPlot accuracy = ReportGenerator.accuracyChart(log, "resnet18-kd").toJFreeChart().getXYPlot();

    assertThat(seriesNames(loss))
        .containsExactly(
            "train loss (logged steps)",
            "distill loss (logged steps)",
            "train loss",
            "task loss",
            "distill loss",
            "valid loss");
    assertThat(loss.getDataset(2).getItemCount(0)).isEqualTo(10);
    assertThat(loss.getDataset(2).getYValue(0, 9)).isCloseTo(Metrics.trainLoss(10), within(1e-4));
    assertThat(loss.getRangeAxis().getRange().getLowerBound()).isEqualTo(0.0);
    assertThat(seriesNames(accuracy))
        .containsExactly("student top-1", "student top-5", "teacher top-1", "train top-1");
    Range percent = accuracy.getRangeAxis().getRange();
    assertThat(percent.getLowerBound()).isGreaterThanOrEqualTo(0.0);
    assertThat(percent.getUpperBound()).isLessThanOrEqualTo(1.0);
    double bestTop1 = log.epochs().get(7).top1();
    assertThat(accuracy.getAnnotations())
        .filteredOn(XYPointerAnnotation.class::isInstance)
        .singleElement()
        .isInstanceOfSatisfying(
            XYPointerAnnotation.class,
            a -> {
              assertThat(a.getText())
                  .isEqualTo("best " + HtmlReport.percent(bestTop1) + " · epoch 8");
              assertThat(a.getX()).isEqualTo(8.0);
              assertThat(a.getY()).isEqualTo(bestTop1);
            });
    for (XYPlot plot : List.of(loss, accuracy)) {
      Collection<?> events = plot.getDomainMarkers(Layer.BACKGROUND);
      assertThat(events)
          .singleElement()
          .isInstanceOfSatisfying(
              ValueMarker.class,
              e -> {
                assertThat(e.getValue()).isEqualTo(4.0);
                assertThat(e.getLabel()).isEqualTo("resumed after epoch 4");
              });
    }
  }

  @Test
  void runWithoutTeacherHasNoTeacherOrDistillationColumns() throws IOException {
    Metrics m = new Metrics().start(null).epochs(1, 3, false).end("succeeded", "");
    m.writeTo(dir, "");

    ReportFiles files = ReportGenerator.generate(dir);

    String html = Files.readString(files.html());
    assertThat(html).contains("no teacher").doesNotContain("<th>teacher top-1</th>");
    assertThat(html).doesNotContain("<th>distill loss</th>");
    assertThat(html).contains(HtmlReport.percent(Metrics.top1(3)));
    assertThat(png(files.accuracyChart()).getWidth()).isEqualTo(ReportGenerator.CHART_WIDTH);
  }

  @Test
  void resumeReplacesTheRedoneEpochsAndIsListed() throws IOException {
    Metrics m = new Metrics().start(null).epochs(1, 5, true);
    // Killed during epoch 6 after epoch 5's record but before its checkpoint: resume from 4.
    m.raw(
        "{\"type\":\"epoch\",\"epoch\":5,\"maxEpochs\":10,\"train\":{\"loss\":9.8765},"
            + "\"valid\":{\"top1\":0.1111,\"top5\":0.2222}}");
    m.start(4).epochs(5, 7, true).end("failed", "NaN loss at step 700");
    m.writeTo(dir, "");

    MetricsLog log = MetricsLog.read(dir.resolve("metrics.jsonl"));
    assertThat(log.epochs()).extracting(MetricsRecord::epoch).containsExactly(1, 2, 3, 4, 5, 6, 7);
    assertThat(log.runs()).hasSize(2);
    assertThat(log.resumes())
        .singleElement()
        .extracting(MetricsLog.Run::resumedFromEpoch)
        .isEqualTo(4);

    String html = Files.readString(ReportGenerator.generate(dir).html());
    assertThat(html)
        .contains("resumed after epoch 4")
        .contains("failed")
        .contains("NaN loss at step 700")
        .contains("7 / 10")
        .doesNotContain("9.8765")
        .doesNotContain("11.11 %");
  }

  @Test
  void truncatedLastLineOfAKilledRunIsTolerated() throws IOException {
    Metrics m = new Metrics().start(null).epochs(1, 4, true);
    m.writeTo(dir, "{\"type\":\"epoch\",\"epoch\":5,\"maxEpochs\":10,\"train\":{\"lo");

    ReportFiles files = ReportGenerator.generate(dir);

    String html = Files.readString(files.html());
    assertThat(html).contains("running or interrupted").contains("4 / 10");
    assertThat(html).contains("1 unreadable line");
    assertThat(png(files.lossChart()).getHeight()).isEqualTo(ReportGenerator.CHART_HEIGHT);
  }

  @Test
  void recordAppendedToAPartialLineIsRecovered() throws IOException {
    Metrics m = new Metrics().start(null).epochs(1, 2, false);
    m.raw("{\"type\":\"epoch\",\"epo" + "{\"type\":\"start\",\"resumedFromEpoch\":2}");
    m.epochs(3, 3, false);
    m.writeTo(dir, "");

    MetricsLog log = MetricsLog.read(dir.resolve("metrics.jsonl"));

    assertThat(log.runs()).hasSize(2);
    assertThat(log.epochs()).hasSize(3);
    assertThat(log.skippedLines()).isZero();
  }

  @Test
  void onlyStepsSoFarStillGivesAReport() throws IOException {
    Metrics m = new Metrics().start(null);
    m.epoch(1, false, 1, 0.5);
    List<String> stepsOnly = new ArrayList<>(m.lines.subList(0, m.lines.size() - 1));
    Files.write(dir.resolve("metrics.jsonl"), stepsOnly);

    ReportFiles files = ReportGenerator.generate(dir);

    assertThat(png(files.accuracyChart()).getWidth()).isEqualTo(ReportGenerator.CHART_WIDTH);
    assertThat(Files.readString(files.html()))
        .contains("no finished epoch yet")
        .contains("no validation yet");
    MetricsLog log = MetricsLog.read(dir.resolve("metrics.jsonl"));
    XYPlot accuracy = ReportGenerator.accuracyChart(log, "x").toJFreeChart().getXYPlot();
    assertThat(accuracy.getDatasetCount()).isZero();
    assertThat(accuracy.getNoDataMessage()).isEqualTo("No validation results yet");
    XYPlot loss = ReportGenerator.lossChart(log, "x").toJFreeChart().getXYPlot();
    assertThat(seriesNames(loss)).containsExactly("train loss (logged steps)");
    assertThat(loss.getDomainAxis().getRange().getLowerBound()).isLessThanOrEqualTo(0.0);
  }

  @Test
  void regeneratingReplacesTheReport() throws IOException {
    new Metrics().start(null).epochs(1, 2, false).writeTo(dir, "");
    ReportGenerator.generate(dir);
    new Metrics().start(null).epochs(1, 3, false).writeTo(dir, "");

    ReportFiles files = ReportGenerator.generate(dir);

    assertThat(Files.readString(files.html())).contains("3 / 10");
    try (Stream<Path> left = Files.list(files.html().getParent())) {
      assertThat(left).hasSize(3);
    }
  }

  @Test
  void missingMetricsFileIsNamed() {
    assertThatThrownBy(() -> ReportGenerator.generate(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.resolve("metrics.jsonl").toString())
        .hasMessageContaining("does not exist");
    assertThat(dir.resolve("report")).doesNotExist();
  }

  @Test
  void emptyMetricsFileIsNamed() throws IOException {
    Files.writeString(dir.resolve("metrics.jsonl"), "\n");

    assertThatThrownBy(() -> ReportGenerator.generate(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.resolve("metrics.jsonl").toString())
        .hasMessageContaining("empty");
  }

  @Test
  void stepsAreSpreadOverTheirEpochs() throws IOException {
    new Metrics().start(null).epochs(1, 3, false).writeTo(dir, "");
    MetricsLog log = MetricsLog.read(dir.resolve("metrics.jsonl"));

    double[] x = ReportGenerator.stepPositions(log.steps());

    for (int i = 0; i < x.length; i++) {
      int epoch = log.steps().get(i).epoch();
      assertThat(x[i]).isGreaterThan(epoch - 1).isLessThanOrEqualTo(epoch);
      if (i > 0) {
        assertThat(x[i]).isGreaterThan(x[i - 1]);
      }
    }
    assertThat(x[x.length - 1]).isEqualTo(3.0);
  }

  @Test
  void nanLossAndSparseValidationAreShownAsLogged() throws IOException {
    Files.write(
        dir.resolve("metrics.jsonl"),
        List.of(
            "{\"type\":\"start\",\"resumedFromEpoch\":null,\"experiment\":\"sparse\"}",
            "{\"type\":\"epoch\",\"epoch\":1,\"maxEpochs\":3,\"train\":{\"loss\":1.25},"
                + "\"valid\":{\"loss\":1.5,\"top1\":0.625,\"top5\":0.875}}",
            "{\"type\":\"epoch\",\"epoch\":2,\"maxEpochs\":3,\"train\":{\"loss\":0.75}}",
            "{\"type\":\"epoch\",\"epoch\":3,\"maxEpochs\":3,\"train\":{\"loss\":NaN}}",
            "{\"type\":\"end\",\"status\":\"failed\",\"reason\":\"loss is NaN\"}"));

    MetricsLog log = MetricsLog.read(dir.resolve("metrics.jsonl"));
    ReportFiles files = ReportGenerator.generate(dir);

    assertThat(log.epochs()).hasSize(3);
    assertThat(log.epochs().get(2).trainLoss()).isNaN();
    assertThat(log.lastValidated()).get().extracting(MetricsRecord::epoch).isEqualTo(1);
    String html = Files.readString(files.html());
    assertThat(html)
        .contains("3 / 3")
        .contains("loss is NaN")
        .contains("<td>NaN</td>")
        .contains("62.50 %")
        .contains("87.50 %");
    assertThat(png(files.lossChart()).getWidth()).isEqualTo(ReportGenerator.CHART_WIDTH);
    // The NaN stays in the series (the line breaks there) and the axis ignores it.
    XYPlot loss = ReportGenerator.lossChart(log, "sparse").toJFreeChart().getXYPlot();
    assertThat(seriesNames(loss)).containsExactly("train loss", "valid loss");
    assertThat(loss.getDataset(0).getYValue(0, 2)).isNaN();
    assertThat(loss.getRangeAxis().getRange().getUpperBound()).isBetween(1.5, 2.0);
  }

  @Test
  void textFromTheLogIsEscaped() throws IOException {
    Files.write(
        dir.resolve("metrics.jsonl"),
        List.of(
            "{\"type\":\"start\",\"experiment\":\"<script>x</script>\"}",
            "{\"type\":\"end\",\"status\":\"failed\",\"reason\":\"a < b & \\\"c\\\"\"}"));

    String html = Files.readString(ReportGenerator.generate(dir).html());

    assertThat(html).doesNotContain("<script>").contains("&lt;script&gt;x&lt;/script&gt;");
    assertThat(html).contains("a &lt; b &amp; &quot;c&quot;");
  }
}
