package dev.kdflow.trainer.status;

import dev.kdflow.api.trainer.TrainerReport;
import java.util.Locale;

/** Renders a {@link TrainerReport} as Prometheus text exposition format (version 0.0.4). */
public final class PrometheusFormat {
  private PrometheusFormat() {}

  /** The report as gauges named {@code kdflow_trainer_*}. */
  public static String render(TrainerReport r) {
    StringBuilder out = new StringBuilder();
    String exp = r.getExperiment() == null ? "" : escape(r.getExperiment());
    String labels = "experiment=\"" + exp + "\"";
    gauge(out, "kdflow_trainer_epoch", "Epochs completed.", labels, r.getEpoch());
    gauge(out, "kdflow_trainer_total_epochs", "Epochs of the run.", labels, r.getTotalEpochs());
    gauge(out, "kdflow_trainer_step", "Optimizer steps taken.", labels, r.getStep());
    gauge(out, "kdflow_trainer_eta_seconds", "Estimated seconds left.", labels, r.getEtaSeconds());
    TrainerReport.Metrics m = r.getLatest();
    if (m != null) {
      header(out, "kdflow_trainer_loss", "Latest training loss, by part.");
      sample(out, "kdflow_trainer_loss", labels + ",part=\"total\"", m.getLoss());
      sample(out, "kdflow_trainer_loss", labels + ",part=\"task\"", m.getTaskLoss());
      sample(out, "kdflow_trainer_loss", labels + ",part=\"distill\"", m.getDistillLoss());
      gauge(out, "kdflow_trainer_learning_rate", "Current learning rate.", labels, m.getLr());
      header(out, "kdflow_trainer_validation_accuracy", "Latest validation accuracy (fraction).");
      sample(
          out,
          "kdflow_trainer_validation_accuracy",
          labels + ",model=\"student\",k=\"1\"",
          m.getTop1());
      sample(
          out,
          "kdflow_trainer_validation_accuracy",
          labels + ",model=\"student\",k=\"5\"",
          m.getTop5());
      sample(
          out,
          "kdflow_trainer_validation_accuracy",
          labels + ",model=\"teacher\",k=\"1\"",
          m.getTeacherTop1());
      sample(
          out,
          "kdflow_trainer_validation_accuracy",
          labels + ",model=\"teacher\",k=\"5\"",
          m.getTeacherTop5());
    }
    if (r.getBest() != null) {
      gauge(
          out,
          "kdflow_trainer_best_metric",
          "Best value of the watched validation metric.",
          labels + ",metric=\"" + escape(String.valueOf(r.getBest().getMetric())) + "\"",
          r.getBest().getValue());
    }
    return out.toString();
  }

  private static void gauge(StringBuilder out, String name, String help, String labels, Number v) {
    if (v == null) {
      return;
    }
    header(out, name, help);
    sample(out, name, labels, v);
  }

  private static void header(StringBuilder out, String name, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
  }

  private static void sample(StringBuilder out, String name, String labels, Number v) {
    if (v == null) {
      return;
    }
    String value =
        v instanceof Double d
            ? (d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "+Inf" : "-Inf") : repr(d))
            : v.toString();
    out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
  }

  private static String repr(double d) {
    return String.format(Locale.ROOT, "%s", d);
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
