package dev.kdflow.trainer.report;

import dev.kdflow.trainer.report.MetricsLog.Run;
import dev.kdflow.trainer.report.ReportGenerator.Best;
import dev.kdflow.trainer.training.MetricsRecord;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one-page HTML summary: headline numbers, both charts (embedded as data URIs so the page is a
 * single portable file), the runs with their resumes, and a per-epoch table.
 */
final class HtmlReport {

  private static final String STYLE =
      """
      :root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa; --accent:#1f77b4; }
      * { box-sizing: border-box; }
      body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
             color:var(--fg); background:#fff; }
      main { max-width: 960px; margin: 0 auto; padding: 28px 24px 48px; }
      h1 { font-size: 26px; margin: 0 0 4px; }
      h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
      .sub { color: var(--muted); margin: 0; }
      .badge { display:inline-block; padding:1px 9px; border-radius:999px; font-size:13px; font-weight:600; }
      .succeeded { background:#dafbe1; color:#116329; } .failed { background:#ffebe9; color:#a40e26; }
      .running { background:#ddf4ff; color:#0a3069; }
      .cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(170px,1fr)); gap:12px; margin-top:20px; }
      .card { border:1px solid var(--line); border-radius:8px; padding:12px 14px; background:var(--soft); }
      .card .label { color:var(--muted); font-size:13px; }
      .card .value { font-size:24px; font-weight:650; margin-top:2px; }
      .card .note { color:var(--muted); font-size:13px; }
      img { max-width:100%; height:auto; border:1px solid var(--line); border-radius:6px; }
      table { border-collapse:collapse; width:100%; font-size:13.5px; font-variant-numeric:tabular-nums; }
      th, td { padding:5px 8px; border-bottom:1px solid var(--line); text-align:right; white-space:nowrap; }
      th { background:var(--soft); font-weight:600; }
      th:first-child, td:first-child, td.text { text-align:left; }
      td.text { white-space:normal; }
      tr.best td { background:#fff8c5; font-weight:600; }
      .scroll { overflow-x:auto; }
      footer { margin-top:36px; color:var(--muted); font-size:13px; }
      """;

  private HtmlReport() {}

  static String render(MetricsLog log, String name, byte[] lossPng, byte[] accuracyPng) {
    StringBuilder h = new StringBuilder(16_384);
    Optional<MetricsRecord> last = log.lastEpoch();
    Optional<MetricsRecord> lastValid = log.lastValidated();
    Optional<Best> best = ReportGenerator.bestEpoch(log);
    Run latestRun = log.runs().isEmpty() ? null : log.runs().get(log.runs().size() - 1);
    String status = latestRun == null || latestRun.status() == null ? null : latestRun.status();

    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>")
        .append(esc(name))
        .append(" · kdflow training report</title>\n<style>")
        .append(STYLE)
        .append("</style>\n</head>\n<body>\n<main>\n");

    // Header.
    h.append("<h1>").append(esc(name)).append("</h1>\n<p class=\"sub\">");
    String badgeClass =
        "succeeded".equals(status) ? "succeeded" : "failed".equals(status) ? "failed" : "running";
    String badgeText = status == null ? "running or interrupted" : status;
    h.append("<span class=\"badge ").append(badgeClass).append("\">").append(esc(badgeText));
    h.append("</span>");
    if (latestRun != null && latestRun.reason() != null && !latestRun.reason().isBlank()) {
      h.append(" ").append(esc(latestRun.reason()));
    }
    h.append(" · kdflow training report</p>\n");

    // Headline numbers.
    h.append("<section class=\"cards\">\n");
    if (best.isPresent()) {
      Best b = best.get();
      boolean accuracy = isAccuracy(b.metric());
      String value =
          b.value() == null
              ? epochTop1(log, b.epoch()).map(HtmlReport::percent).orElse("–")
              : accuracy ? percent(b.value()) : number(b.value());
      card(h, "Best " + metricLabel(b.metric()), value, "epoch " + b.epoch());
    } else {
      card(h, "Best top-1", "–", "no validation yet");
    }
    if (lastValid.isPresent()) {
      MetricsRecord e = lastValid.get();
      card(
          h,
          "Final top-1",
          percent(e.top1()),
          "top-5 " + percent(e.top5()) + " · epoch " + e.epoch());
    } else {
      card(h, "Final top-1", "–", "no validation yet");
    }
    Optional<MetricsRecord> teacher =
        log.epochs().stream().filter(e -> e.teacherTop1() != null).reduce((a, b) -> b);
    if (teacher.isPresent()) {
      card(
          h,
          "Teacher top-1",
          percent(teacher.get().teacherTop1()),
          "top-5 " + percent(teacher.get().teacherTop5()));
    } else {
      card(h, "Teacher top-1", "–", log.hasDistillation() ? "not evaluated" : "no teacher");
    }
    Integer maxEpochs = last.map(MetricsRecord::maxEpochs).orElse(null);
    card(
        h,
        "Epochs",
        last.map(e -> String.valueOf(e.epoch())).orElse("0")
            + (maxEpochs == null ? "" : " / " + maxEpochs),
        resumeNote(log));
    double[] seconds =
        log.epochs().stream()
            .map(MetricsRecord::epochSeconds)
            .filter(s -> s != null && Double.isFinite(s))
            .mapToDouble(Double::doubleValue)
            .toArray();
    if (seconds.length > 0) {
      double total = 0;
      for (double s : seconds) {
        total += s;
      }
      card(h, "Time per epoch", duration(total / seconds.length), "total " + duration(total));
    } else {
      card(h, "Time per epoch", "–", "no finished epoch");
    }
    if (last.isPresent() && last.get().trainLoss() != null) {
      MetricsRecord e = last.get();
      String note =
          e.trainDistillLoss() != null
              ? "task " + number(e.trainTaskLoss()) + " · distill " + number(e.trainDistillLoss())
              : "epoch " + e.epoch();
      card(h, "Final train loss", number(e.trainLoss()), note);
    }
    h.append("</section>\n");

    // Charts.
    h.append("<h2>Loss</h2>\n");
    image(h, lossPng, "Training loss per epoch");
    h.append("<h2>Accuracy</h2>\n");
    image(h, accuracyPng, "Validation accuracy per epoch");

    // Runs.
    h.append("<h2>Runs</h2>\n<div class=\"scroll\"><table>\n<tr><th>#</th><th>started</th>")
        .append("<th>begins</th><th>ended</th><th>status</th><th>reason</th></tr>\n");
    int index = 1;
    for (Run run : log.runs()) {
      boolean latest = index == log.runs().size();
      h.append("<tr><td>").append(index++).append("</td><td>").append(esc(time(run.startTime())));
      h.append("</td><td>");
      if (run.resumedFromEpoch() != null) {
        h.append("resumed after epoch ").append(run.resumedFromEpoch());
      } else {
        h.append("from scratch");
      }
      h.append("</td><td>").append(esc(time(run.endTime()))).append("</td><td>");
      // A run without an end record was killed, unless it is the latest: that one may still run.
      h.append(
          esc(
              run.status() != null
                  ? run.status()
                  : latest ? "running or interrupted" : "interrupted"));
      h.append("</td><td class=\"text\">").append(esc(run.reason() == null ? "" : run.reason()));
      h.append("</td></tr>\n");
    }
    if (log.runs().isEmpty()) {
      h.append("<tr><td colspan=\"6\" class=\"text\">no start record</td></tr>\n");
    }
    h.append("</table></div>\n");

    // Per-epoch table.
    boolean distill = log.epochs().stream().anyMatch(e -> e.trainDistillLoss() != null);
    boolean hasTeacher = log.hasTeacher();
    h.append("<h2>Epochs</h2>\n<div class=\"scroll\"><table>\n<tr><th>epoch</th><th>lr</th>")
        .append("<th>train loss</th>")
        .append(distill ? "<th>task loss</th><th>distill loss</th>" : "")
        .append("<th>train top-1</th><th>valid loss</th><th>top-1</th><th>top-5</th>")
        .append(hasTeacher ? "<th>teacher top-1</th><th>teacher top-5</th>" : "")
        .append("<th>time</th></tr>\n");
    int bestEpoch = best.map(Best::epoch).orElse(-1);
    for (MetricsRecord e : log.epochs()) {
      h.append(e.epoch() == bestEpoch ? "<tr class=\"best\">" : "<tr>");
      cell(h, String.valueOf(e.epoch()) + (e.epoch() == bestEpoch ? " ★" : ""));
      cell(h, lr(e.lr()));
      cell(h, number(e.trainLoss()));
      if (distill) {
        cell(h, number(e.trainTaskLoss()));
        cell(h, number(e.trainDistillLoss()));
      }
      cell(h, percent(e.trainTop1()));
      cell(h, number(e.validLoss()));
      cell(h, percent(e.top1()));
      cell(h, percent(e.top5()));
      if (hasTeacher) {
        cell(h, percent(e.teacherTop1()));
        cell(h, percent(e.teacherTop5()));
      }
      cell(h, e.epochSeconds() == null ? "–" : duration(e.epochSeconds()));
      h.append("</tr>\n");
    }
    if (log.epochs().isEmpty()) {
      h.append("<tr><td colspan=\"12\" class=\"text\">no finished epoch yet</td></tr>\n");
    }
    h.append("</table></div>\n");

    // Footer.
    h.append("<footer>Generated ")
        .append(esc(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()))
        .append(" from <code>")
        .append(esc(log.file().toString()))
        .append("</code>");
    if (!log.steps().isEmpty()) {
      h.append(" · ").append(log.steps().size()).append(" logged steps");
    }
    if (log.skippedLines() > 0) {
      h.append(" · ")
          .append(log.skippedLines())
          .append(log.skippedLines() == 1 ? " unreadable line" : " unreadable lines")
          .append(" skipped (e.g. a record cut short when a run was killed)");
    }
    h.append(".</footer>\n</main>\n</body>\n</html>\n");
    return h.toString();
  }

  private static Optional<Double> epochTop1(MetricsLog log, int epoch) {
    return log.epochs().stream()
        .filter(e -> e.epoch() == epoch && e.top1() != null)
        .map(MetricsRecord::top1)
        .findFirst();
  }

  private static String resumeNote(MetricsLog log) {
    List<Run> resumes = log.resumes();
    if (resumes.isEmpty()) {
      return "no resume";
    }
    StringBuilder note = new StringBuilder();
    for (Run run : resumes) {
      note.append(note.length() == 0 ? "" : ", ");
      note.append(
          run.resumedFromEpoch() == null ? "restarted" : "resumed after " + run.resumedFromEpoch());
    }
    return note.toString();
  }

  private static void card(StringBuilder h, String label, String value, String note) {
    h.append("<div class=\"card\"><div class=\"label\">")
        .append(esc(label))
        .append("</div><div class=\"value\">")
        .append(esc(value))
        .append("</div><div class=\"note\">")
        .append(esc(note))
        .append("</div></div>\n");
  }

  private static void image(StringBuilder h, byte[] png, String alt) {
    h.append("<img width=\"")
        .append(ReportGenerator.CHART_WIDTH)
        .append("\" height=\"")
        .append(ReportGenerator.CHART_HEIGHT)
        .append("\" alt=\"")
        .append(esc(alt))
        .append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(png))
        .append("\">\n");
  }

  private static void cell(StringBuilder h, String text) {
    h.append("<td>").append(esc(text)).append("</td>");
  }

  private static boolean isAccuracy(String metric) {
    String m = metric.toLowerCase(Locale.ROOT);
    return m.contains("top") || m.contains("acc");
  }

  private static String metricLabel(String metric) {
    return switch (metric) {
      case "top1" -> "top-1";
      case "top5" -> "top-5";
      default -> metric;
    };
  }

  /** A fraction as a percentage with two decimals, {@code –} when absent. */
  static String percent(Double fraction) {
    return fraction == null || fraction.isNaN()
        ? "–"
        : String.format(Locale.ROOT, "%.2f %%", fraction * 100);
  }

  /** A loss with four decimals, {@code –} when absent. */
  static String number(Double value) {
    if (value == null) {
      return "–";
    }
    if (!Double.isFinite(value)) {
      return String.valueOf(value);
    }
    return String.format(Locale.ROOT, "%.4f", value);
  }

  private static String lr(Double lr) {
    if (lr == null || !Double.isFinite(lr)) {
      return lr == null ? "–" : String.valueOf(lr);
    }
    if (lr != 0 && Math.abs(lr) < 1e-3) {
      return String.format(Locale.ROOT, "%.2e", lr);
    }
    return new BigDecimal(lr).round(new MathContext(3)).stripTrailingZeros().toPlainString();
  }

  /** Seconds as {@code 12.3 s}, {@code 4 min 05 s} or {@code 1 h 02 min}. */
  static String duration(double seconds) {
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    long s = Math.round(seconds);
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
  }

  private static String time(String iso) {
    return iso == null ? "–" : iso.replace('T', ' ');
  }

  static String esc(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
