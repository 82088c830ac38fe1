package dev.kdflow.trainer.cli;

import dev.kdflow.api.trainer.TrainerReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The table {@code kdflow run} ends with: per experiment, how it ended, the student's best
 * accuracy, the teacher's accuracy on the same validation data, and where the checkpoints and the
 * report are.
 */
public final class SummaryTable {
  private static final List<String> HEADER =
      List.of("experiment", "status", "epochs", "student best", "teacher", "checkpoints", "report");

  private final List<List<String>> rows = new ArrayList<>();

  /**
   * Adds an experiment.
   *
   * @param report its final report
   * @param status what happened in this invocation (trained, resumed, already trained, failed…)
   * @param checkpointsDir its experiment directory
   * @param reportFile the HTML report; null when none was written
   */
  public SummaryTable add(
      TrainerReport report, String status, String checkpointsDir, String reportFile) {
    String best =
        report.getBest() == null || report.getBest().getValue() == null
            ? "-"
            : Format.percent(report.getBest().getValue())
                + " "
                + report.getBest().getMetric()
                + " @"
                + report.getBest().getEpoch();
    String teacher =
        report.getLatest() == null || report.getLatest().getTeacherTop1() == null
            ? "-"
            : Format.percent(report.getLatest().getTeacherTop1()) + " top1";
    rows.add(
        List.of(
            report.getExperiment(),
            status,
            String.format(
                Locale.ROOT,
                "%d/%d",
                report.getEpoch() == null ? 0 : report.getEpoch(),
                report.getTotalEpochs() == null ? 0 : report.getTotalEpochs()),
            best,
            teacher,
            checkpointsDir,
            reportFile == null ? "-" : reportFile));
    return this;
  }

  /** True when no experiment was added. */
  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** The table as aligned text, header first. */
  public String render() {
    int[] widths = new int[HEADER.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(HEADER);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < all.size(); r++) {
      List<String> row = all.get(r);
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == 0 ? "" : "  ").append(pad(row.get(i), widths[i]));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
      if (r == 0) {
        int total = 0;
        for (int w : widths) {
          total += w;
        }
        sb.append("-".repeat(total + 2 * (widths.length - 1))).append('\n');
      }
    }
    return sb.toString();
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(width - s.length());
  }
}
