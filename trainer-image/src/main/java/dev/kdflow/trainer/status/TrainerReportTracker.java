package dev.kdflow.trainer.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.trainer.training.CheckpointInfo;
import dev.kdflow.trainer.training.EndRecord;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.ExperimentDirectory;
import dev.kdflow.trainer.training.LatestState;
import dev.kdflow.trainer.training.StartRecord;
import dev.kdflow.trainer.training.StepRecord;
import dev.kdflow.trainer.training.TrainingProgressListener;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps the {@link TrainerReport} of one experiment up to date from the trainer's events: what
 * {@code GET /status} serves, what the termination message and the CLI's summary table show.
 * Thread-safe: events arrive on the training thread, {@link #snapshot()} is called by the status
 * server's threads.
 */
public final class TrainerReportTracker implements TrainingProgressListener {
  /** Checkpoint history entries kept: the report must stay small (termination message < 4 KiB). */
  public static final int MAX_HISTORY = 10;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path experimentDir;
  private final Clock clock;
  private final TrainerReport report = new TrainerReport();
  private Instant stepClockStart;
  private long stepClockStartStep;
  private Double lastEpochSeconds;

  /**
   * @param experiment the experiment name
   * @param experimentDir {@code <rootDir>/<experimentName>}, to name checkpoint paths
   * @param totalEpochs the planned epochs (training.maxEpochs)
   * @param clock the clock for update times and the ETA
   */
  public TrainerReportTracker(String experiment, Path experimentDir, int totalEpochs, Clock clock) {
    this.experimentDir = experimentDir;
    this.clock = clock;
    report.setPhase(TrainerReport.Phase.STARTING);
    report.setExperiment(experiment);
    report.setTotalEpochs(totalEpochs);
    report.setEpoch(0);
    report.setStep(0L);
    stamp();
  }

  /**
   * Fills the report from what an earlier run left on disk ({@code ckpt_latest}'s state and {@code
   * ckpt_best}'s sidecar), so that a resumed, restarted or already finished experiment reports its
   * real position and best result before (or without) training another step.
   *
   * @return true when a finished or unfinished earlier run was found
   */
  public synchronized boolean loadFromDisk() {
    boolean found = false;
    try {
      ExperimentDirectory dir = new ExperimentDirectory(experimentDir);
      Optional<LatestState> latestState = dir.readLatestState();
      if (latestState.isPresent()) {
        LatestState state = latestState.get();
        report.setEpoch(state.epoch());
        report.setStep(state.globalStep());
        if (state.lastValid() != null) {
          report.setLatest(metricsOf(state.lastValid(), state.epoch()));
        }
        if (state.best() != null) {
          report.setBest(bestOf(state.best()));
        }
        checkpoints().setLatest(checkpoint(dir.latest(), state.epoch()));
        found = true;
      }
      Optional<CheckpointInfo> bestInfo = dir.readBestInfo();
      if (bestInfo.isPresent()) {
        CheckpointInfo info = bestInfo.get();
        TrainerReport.Checkpoint c = checkpoint(dir.best(), info.epoch());
        c.setMetric(info.metric());
        c.setValue(info.value());
        checkpoints().setBest(c);
        if (report.getBest() == null && info.value() != null) {
          TrainerReport.Best b = new TrainerReport.Best();
          b.setMetric(info.metric());
          b.setValue(info.value());
          b.setEpoch(info.epoch());
          report.setBest(b);
        }
        if (report.getBest() != null
            && info.valid() != null
            && Objects.equals(report.getBest().getEpoch(), info.epoch())) {
          withFigures(report.getBest(), info.valid());
        }
        found = true;
      }
    } catch (IOException e) {
      // An unreadable sidecar only costs the report its figures; training decides on its own.
      report.setReason("could not read earlier checkpoints: " + e.getMessage());
    }
    stamp();
    return found;
  }

  @Override
  public synchronized void onStart(StartRecord start) {
    report.setPhase(TrainerReport.Phase.RUNNING);
    report.setExperiment(start.experiment());
    report.setTotalEpochs(start.maxEpochs());
    report.setStepsPerEpoch(start.stepsPerEpoch());
    report.setResumedFromEpoch(start.resumedFromEpoch());
    int epoch = start.resumedFromEpoch() == null ? 0 : start.resumedFromEpoch();
    report.setEpoch(epoch);
    report.setStep((long) epoch * start.stepsPerEpoch());
    report.setReason(null);
    stepClockStart = null;
    stamp();
  }

  @Override
  public synchronized void onStep(StepRecord step) {
    report.setStep(step.step());
    TrainerReport.Metrics latest = latest();
    latest.setLoss(step.loss());
    latest.setTaskLoss(step.taskLoss());
    latest.setDistillLoss(step.distillLoss());
    latest.setLr(step.lr());
    Instant now = clock.instant();
    if (stepClockStart == null) {
      stepClockStart = now;
      stepClockStartStep = step.step();
    }
    report.setEtaSeconds(eta(now));
    stamp();
  }

  @Override
  public synchronized void onEpochEnd(EpochRecord e) {
    report.setEpoch(e.epoch());
    report.setTotalEpochs(e.maxEpochs());
    if (report.getStepsPerEpoch() != null) {
      report.setStep(
          Math.max(orZero(report.getStep()), (long) e.epoch() * report.getStepsPerEpoch()));
    }
    TrainerReport.Metrics latest = latest();
    latest.setLr(e.lr());
    if (e.train() != null) {
      latest.setLoss(e.train().loss());
      latest.setTaskLoss(e.train().taskLoss());
      latest.setDistillLoss(e.train().distillLoss());
    }
    if (e.valid() != null) {
      TrainerReport.Metrics v = metricsOf(e.valid(), e.epoch());
      latest.setTop1(v.getTop1());
      latest.setTop5(v.getTop5());
      latest.setTeacherTop1(v.getTeacherTop1());
      latest.setTeacherTop5(v.getTeacherTop5());
      latest.setValidatedEpoch(e.epoch());
    }
    if (e.best() != null) {
      TrainerReport.Best best = bestOf(e.best());
      TrainerReport.Best previous = report.getBest();
      if (e.valid() != null && e.best().epoch() == e.epoch()) {
        withFigures(best, e.valid());
      } else if (previous != null && Objects.equals(previous.getEpoch(), best.getEpoch())) {
        best.setTop1(previous.getTop1());
        best.setTop5(previous.getTop5());
        best.setTeacherTop1(previous.getTeacherTop1());
        best.setTeacherTop5(previous.getTeacherTop5());
      }
      report.setBest(best);
    }
    recordCheckpoints(e);
    lastEpochSeconds = e.epochSeconds();
    report.setEtaSeconds(eta(clock.instant()));
    stamp();
  }

  @Override
  public synchronized void onEnd(EndRecord end) {
    report.setEpoch(Math.max(orZero(report.getEpoch()), end.epochsCompleted()));
    if (EndRecord.SUCCEEDED.equals(end.status())) {
      report.setPhase(TrainerReport.Phase.SUCCEEDED);
      report.setEtaSeconds(0L);
      report.setReason(null);
    } else {
      report.setPhase(TrainerReport.Phase.FAILED);
      report.setReason(
          EndRecord.STOPPED.equals(end.status())
              ? "stopped before the end; ckpt_latest holds epoch "
                  + orZero(report.getEpoch())
                  + " and a restart resumes from it"
              : end.reason());
    }
    stamp();
  }

  /** Marks a run that never started training (e.g. invalid input) as failed. */
  public synchronized void fail(String reason) {
    report.setPhase(TrainerReport.Phase.FAILED);
    report.setReason(reason);
    stamp();
  }

  /** Marks an experiment that was already trained to the end and is not trained again. */
  public synchronized void alreadyFinished() {
    report.setPhase(TrainerReport.Phase.SUCCEEDED);
    report.setEtaSeconds(0L);
    stamp();
  }

  /** Records the process's exit code in the report (the final report carries it). */
  public synchronized void exitCode(int code) {
    report.setExitCode(code);
    stamp();
  }

  /** A copy of the current report: safe to serialise while training goes on. */
  public synchronized TrainerReport snapshot() {
    return JSON.convertValue(report, TrainerReport.class);
  }

  private void recordCheckpoints(EpochRecord e) {
    List<String> written = e.checkpoints() == null ? List.of() : e.checkpoints();
    for (String path : written) {
      String name = Path.of(path).getFileName().toString();
      TrainerReport.Checkpoint c = checkpoint(Path.of(path), e.epoch());
      if (name.equals(ExperimentDirectory.LATEST)) {
        checkpoints().setLatest(c);
      } else if (name.equals(ExperimentDirectory.BEST)) {
        if (e.best() != null) {
          c.setMetric(e.best().metric());
          c.setValue(e.best().value());
        }
        checkpoints().setBest(c);
      } else {
        if (e.valid() != null && e.best() != null) {
          c.setMetric(e.best().metric());
          c.setValue(e.valid().get(e.best().metric()));
        }
        List<TrainerReport.Checkpoint> history = checkpoints().getHistory();
        history.removeIf(h -> h.getPath().equals(c.getPath()));
        history.add(c);
        while (history.size() > MAX_HISTORY) {
          history.remove(0);
        }
      }
    }
  }

  private Long eta(Instant now) {
    Integer total = report.getTotalEpochs();
    Integer perEpoch = report.getStepsPerEpoch();
    if (total == null || perEpoch == null || perEpoch == 0) {
      return null;
    }
    long remainingSteps = Math.max(0, (long) total * perEpoch - orZero(report.getStep()));
    if (lastEpochSeconds != null && lastEpochSeconds > 0) {
      // Whole epochs include validation and checkpoints; prefer them once one finished.
      return Math.round(remainingSteps * lastEpochSeconds / perEpoch);
    }
    long done = orZero(report.getStep()) - stepClockStartStep;
    if (stepClockStart == null || done <= 0) {
      return null;
    }
    double secondsPerStep = Duration.between(stepClockStart, now).toMillis() / 1000.0 / done;
    return Math.round(remainingSteps * secondsPerStep);
  }

  private TrainerReport.Metrics latest() {
    if (report.getLatest() == null) {
      report.setLatest(new TrainerReport.Metrics());
    }
    return report.getLatest();
  }

  private TrainerReport.Checkpoints checkpoints() {
    if (report.getCheckpoints() == null) {
      report.setCheckpoints(new TrainerReport.Checkpoints());
    }
    return report.getCheckpoints();
  }

  private static TrainerReport.Checkpoint checkpoint(Path path, int epoch) {
    TrainerReport.Checkpoint c = new TrainerReport.Checkpoint();
    c.setPath(path.toString());
    c.setEpoch(epoch);
    return c;
  }

  private static TrainerReport.Metrics metricsOf(EpochRecord.ValidMetrics v, int epoch) {
    TrainerReport.Metrics m = new TrainerReport.Metrics();
    m.setTop1(v.top1());
    m.setTop5(v.top5());
    m.setTeacherTop1(v.teacherTop1());
    m.setTeacherTop5(v.teacherTop5());
    m.setValidatedEpoch(epoch);
    return m;
  }

  private static void withFigures(TrainerReport.Best best, EpochRecord.ValidMetrics v) {
    best.setTop1(v.top1());
    best.setTop5(v.top5());
    best.setTeacherTop1(v.teacherTop1());
    best.setTeacherTop5(v.teacherTop5());
  }

  private static TrainerReport.Best bestOf(EpochRecord.Best b) {
    TrainerReport.Best best = new TrainerReport.Best();
    best.setMetric(b.metric());
    best.setValue(b.value());
    best.setEpoch(b.epoch());
    return best;
  }

  private void stamp() {
    report.setUpdateTime(clock.instant().toString());
  }

  private static long orZero(Number n) {
    return n == null ? 0 : n.longValue();
  }

  private static int orZero(Integer n) {
    return n == null ? 0 : n;
  }
}
