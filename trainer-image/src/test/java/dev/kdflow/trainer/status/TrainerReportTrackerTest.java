package dev.kdflow.trainer.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.trainer.training.EndRecord;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.StartRecord;
import dev.kdflow.trainer.training.StepRecord;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerReportTrackerTest {
  private static final Path DIR = Path.of("/ckpt/kd");

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private static StepRecord step(int epoch, long step, int inEpoch, Instant t) {
    return new StepRecord(epoch, step, inEpoch, 10, 1.5, 1.0, 2.0, 0.1, t);
  }

  private static EpochRecord epoch(int epoch, double top1, List<String> checkpoints) {
    return new EpochRecord(
        epoch,
        4,
        0.1,
        new EpochRecord.TrainMetrics(1.2, 0.8, 1.6, 0.7),
        new EpochRecord.ValidMetrics(0.9, top1, 0.99, 0.91, 0.995),
        new EpochRecord.Best("top1", top1, epoch),
        20.0,
        checkpoints,
        Instant.now());
  }

  @Test
  void followsARunFromStartToSuccess() {
    ManualClock clock = new ManualClock();
    TrainerReportTracker t = new TrainerReportTracker("kd", DIR, 4, clock);
    assertThat(t.snapshot().getPhase()).isEqualTo(TrainerReport.Phase.STARTING);

    t.onStart(new StartRecord("kd", 1, 4, 10, 640, 128, true, clock.now));
    TrainerReport started = t.snapshot();
    assertThat(started.getPhase()).isEqualTo(TrainerReport.Phase.RUNNING);
    assertThat(started.getResumedFromEpoch()).isEqualTo(1);
    assertThat(started.getStep()).isEqualTo(10);

    t.onStep(step(2, 11, 1, clock.now));
    clock.now = clock.now.plus(Duration.ofSeconds(10));
    t.onStep(step(2, 16, 6, clock.now));
    // 5 steps in 10 s; 40 - 16 = 24 steps left.
    assertThat(t.snapshot().getEtaSeconds()).isEqualTo(48);
    assertThat(t.snapshot().getLatest().getDistillLoss()).isEqualTo(2.0);

    t.onEpochEnd(epoch(2, 0.8, List.of("/ckpt/kd/ckpt_best", "/ckpt/kd/ckpt_latest")));
    TrainerReport afterEpoch = t.snapshot();
    assertThat(afterEpoch.getEpoch()).isEqualTo(2);
    assertThat(afterEpoch.getLatest().getTop1()).isEqualTo(0.8);
    assertThat(afterEpoch.getLatest().getTeacherTop1()).isEqualTo(0.91);
    assertThat(afterEpoch.getLatest().getValidatedEpoch()).isEqualTo(2);
    assertThat(afterEpoch.getBest().getValue()).isEqualTo(0.8);
    assertThat(afterEpoch.getBest().getTop5()).isEqualTo(0.99);
    assertThat(afterEpoch.getBest().getTeacherTop1()).isEqualTo(0.91);
    assertThat(afterEpoch.getCheckpoints().getBest().getPath()).isEqualTo("/ckpt/kd/ckpt_best");
    assertThat(afterEpoch.getCheckpoints().getBest().getValue()).isEqualTo(0.8);
    assertThat(afterEpoch.getCheckpoints().getLatest().getEpoch()).isEqualTo(2);
    // Whole epochs of 20 s now set the pace: 20 steps left of 10 per epoch.
    assertThat(afterEpoch.getEtaSeconds()).isEqualTo(40);

    t.onEnd(new EndRecord(EndRecord.SUCCEEDED, null, 4, clock.now));
    t.exitCode(0);
    TrainerReport end = t.snapshot();
    assertThat(end.getPhase()).isEqualTo(TrainerReport.Phase.SUCCEEDED);
    assertThat(end.getEtaSeconds()).isZero();
    assertThat(end.getExitCode()).isZero();
  }

  @Test
  void historyOfEpochCheckpointsStaysBounded() {
    TrainerReportTracker t = new TrainerReportTracker("kd", DIR, 40, new ManualClock());
    for (int e = 1; e <= 25; e++) {
      t.onEpochEnd(epoch(e, 0.5, List.of("/ckpt/kd/ckpt_epoch_" + e)));
    }
    List<TrainerReport.Checkpoint> history = t.snapshot().getCheckpoints().getHistory();
    assertThat(history).hasSize(TrainerReportTracker.MAX_HISTORY);
    assertThat(history.get(history.size() - 1).getPath()).isEqualTo("/ckpt/kd/ckpt_epoch_25");
    assertThat(history.get(0).getEpoch()).isEqualTo(16);
  }

  @Test
  void aStoppedRunIsReportedAsFailedWithWhereItCanResume() {
    TrainerReportTracker t = new TrainerReportTracker("kd", DIR, 4, new ManualClock());
    t.onEpochEnd(epoch(3, 0.5, List.of()));
    t.onEnd(new EndRecord(EndRecord.STOPPED, null, 3, Instant.now()));
    TrainerReport r = t.snapshot();
    assertThat(r.getPhase()).isEqualTo(TrainerReport.Phase.FAILED);
    assertThat(r.getReason()).contains("epoch 3").contains("resumes");
  }

  @Test
  void snapshotsAreCopies() {
    TrainerReportTracker t = new TrainerReportTracker("kd", DIR, 4, new ManualClock());
    TrainerReport a = t.snapshot();
    a.setEpoch(99);
    assertThat(t.snapshot().getEpoch()).isZero();
  }
}
