package dev.kdflow.trainer.cli;

import dev.kdflow.trainer.training.EndRecord;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.ExperimentDirectory;
import dev.kdflow.trainer.training.StartRecord;
import dev.kdflow.trainer.training.StepRecord;
import dev.kdflow.trainer.training.TrainingProgressListener;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Shows a run's progress on the console: a bar redrawn in place on a terminal, or plain lines (a
 * few per epoch) where output goes to a log, and one line per finished epoch in both cases.
 */
public final class ConsoleProgress implements TrainingProgressListener {
  private static final int BAR_WIDTH = 24;
  private static final long BAR_REDRAW_MILLIS = 200;
  private static final int PLAIN_LINES_PER_EPOCH = 4;

  private final PrintStream out;
  private final ProgressMode mode;
  private final Clock clock;
  private int maxEpochs;
  private Instant epochStart;
  private long epochStartStep;
  private Instant lastDraw = Instant.EPOCH;
  private boolean barShown;

  /**
   * @param out where to print
   * @param mode {@link ProgressMode#BAR}, {@link ProgressMode#PLAIN} or {@link ProgressMode#QUIET}
   *     (AUTO is resolved by the caller)
   * @param clock the clock for step rates
   */
  public ConsoleProgress(PrintStream out, ProgressMode mode, Clock clock) {
    this.out = out;
    this.mode = mode;
    this.clock = clock;
  }

  @Override
  public void onStart(StartRecord s) {
    maxEpochs = s.maxEpochs();
    out.printf(
        Locale.ROOT,
        "%s: %s, %d epochs of %d steps, %d training and %d validation images%s%n",
        s.experiment(),
        s.withTeacher() ? "distilling from a frozen teacher" : "supervised training",
        s.maxEpochs(),
        s.stepsPerEpoch(),
        s.trainSize(),
        s.validSize(),
        s.resumedFromEpoch() == null
            ? ""
            : ", resuming after epoch " + s.resumedFromEpoch() + " (ckpt_latest)");
    epochStart = null;
  }

  @Override
  public void onStep(StepRecord s) {
    Instant now = clock.instant();
    if (epochStart == null || s.stepInEpoch() == 1) {
      epochStart = now;
      epochStartStep = s.step() - 1;
    }
    double seconds = Duration.between(epochStart, now).toMillis() / 1000.0;
    long done = s.step() - epochStartStep;
    double rate = seconds > 0 ? done / seconds : Double.NaN;
    switch (mode) {
      case BAR -> {
        boolean last = s.stepInEpoch() == s.stepsPerEpoch();
        if (!last && Duration.between(lastDraw, now).toMillis() < BAR_REDRAW_MILLIS) {
          return;
        }
        lastDraw = now;
        int filled = (int) ((long) BAR_WIDTH * s.stepInEpoch() / Math.max(1, s.stepsPerEpoch()));
        String bar = "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled);
        long eta =
            Double.isNaN(rate) || rate <= 0
                ? -1
                : Math.round((s.stepsPerEpoch() - s.stepInEpoch()) / rate);
        out.printf(
            Locale.ROOT,
            "\r  epoch %d/%d [%s] %d/%d  loss %.4f  %s it/s  ETA %s ",
            s.epoch(),
            maxEpochs,
            bar,
            s.stepInEpoch(),
            s.stepsPerEpoch(),
            s.loss(),
            Double.isNaN(rate) ? "-" : String.format(Locale.ROOT, "%.1f", rate),
            eta < 0 ? "-" : Format.duration(eta));
        out.flush();
        barShown = true;
      }
      case PLAIN -> {
        int every = Math.max(1, s.stepsPerEpoch() / PLAIN_LINES_PER_EPOCH);
        if (s.stepInEpoch() % every == 0 && s.stepInEpoch() != s.stepsPerEpoch()) {
          out.printf(
              Locale.ROOT,
              "  epoch %d/%d step %d/%d  loss %.4f%s  lr %.5g  %s it/s%n",
              s.epoch(),
              maxEpochs,
              s.stepInEpoch(),
              s.stepsPerEpoch(),
              s.loss(),
              s.distillLoss() == null
                  ? ""
                  : String.format(
                      Locale.ROOT, " (task %.4f, distill %.4f)", s.taskLoss(), s.distillLoss()),
              s.lr(),
              Double.isNaN(rate) ? "-" : String.format(Locale.ROOT, "%.1f", rate));
        }
      }
      default -> {}
    }
  }

  @Override
  public void onEpochEnd(EpochRecord e) {
    clearBar();
    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT, "  epoch %d/%d", e.epoch(), e.maxEpochs()));
    if (e.train() != null) {
      line.append(String.format(Locale.ROOT, "  loss %.4f", e.train().loss()));
      if (e.train().distillLoss() != null) {
        line.append(
            String.format(
                Locale.ROOT,
                " (task %.4f, distill %.4f)",
                e.train().taskLoss(),
                e.train().distillLoss()));
      }
      line.append("  train top-1 ").append(Format.percent(e.train().top1()));
    }
    if (e.valid() != null) {
      line.append("  valid top-1 ")
          .append(Format.percent(e.valid().top1()))
          .append(" top-5 ")
          .append(Format.percent(e.valid().top5()));
      if (e.valid().teacherTop1() != null) {
        line.append("  teacher ").append(Format.percent(e.valid().teacherTop1()));
      }
    }
    if (e.best() != null) {
      line.append("  best ")
          .append(Format.percent(e.best().value()))
          .append(" @")
          .append(e.best().epoch());
    }
    line.append(String.format(Locale.ROOT, "  %.1f s", e.epochSeconds()));
    if (e.checkpoints() != null
        && e.checkpoints().stream()
            .anyMatch(c -> Path.of(c).getFileName().toString().equals(ExperimentDirectory.BEST))) {
      line.append("  (new best)");
    }
    out.println(line);
    epochStart = null;
  }

  @Override
  public void onEnd(EndRecord end) {
    clearBar();
    if (EndRecord.FAILED.equals(end.status())) {
      out.println("  failed: " + end.reason());
    } else if (EndRecord.STOPPED.equals(end.status())) {
      out.println(
          "  stopped after epoch "
              + end.epochsCompleted()
              + "; --resume continues from ckpt_latest");
    }
  }

  private void clearBar() {
    if (barShown) {
      out.print("\r" + " ".repeat(100) + "\r");
      out.flush();
      barShown = false;
    }
  }
}
