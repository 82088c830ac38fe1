package dev.kdflow.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.AttemptStatus;
import dev.kdflow.api.CheckpointRef;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.operator.testing.Experiments;
import dev.kdflow.operator.testing.TrainerReports;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerReportMapperTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");
  static final CheckpointLocations ON_CLAIM =
      new CheckpointLocations("/checkpoints", "fmnist", "fmnist-checkpoints");

  static KDExperimentStatus copy(KDExperimentStatus s) {
    return Serialization.unmarshal(Serialization.asJson(s), KDExperimentStatus.class);
  }

  @Test
  void theBestEpochsOwnFiguresWinEvenWhenNoPollSawThatEpoch() {
    TrainerReport r = TrainerReports.running(7, 700, 0.80);
    r.getBest().setEpoch(4);
    r.getBest().setValue(0.83);
    r.getBest().setTop1(0.83);
    r.getBest().setTop5(0.985);
    r.getBest().setTeacherTop1(0.90);
    KDExperimentStatus s = new KDExperimentStatus();

    TrainerReportMapper.apply(s, r, ON_CLAIM, NOW);

    var best = s.getMetrics().getBest();
    assertThat(best.getEpoch()).isEqualTo(4);
    assertThat(best.getTop1()).isEqualTo(0.83);
    assertThat(best.getTop5()).isEqualTo(0.985);
    assertThat(best.getTeacherTop1()).isEqualTo(0.90);
  }

  @Test
  void mapsProgressMetricsCheckpointsAndResumePoint() {
    TrainerReport r = TrainerReports.running(3, 350, 0.81);
    r.setResumedFromEpoch(2);
    KDExperimentStatus s = new KDExperimentStatus();

    assertThat(TrainerReportMapper.apply(s, r, ON_CLAIM, NOW)).isTrue();

    assertThat(s.getProgress().getEpoch()).isEqualTo(3);
    assertThat(s.getProgress().getTotalEpochs()).isEqualTo(10);
    assertThat(s.getProgress().getStep()).isEqualTo(350);
    assertThat(s.getProgress().getPercent()).as("350 of 1000 steps").isEqualTo(35.0);
    assertThat(s.getProgress().getSummary()).isEqualTo("3/10");
    assertThat(s.getProgress().getEtaSeconds()).isEqualTo(300);
    assertThat(s.getProgress().getLastUpdateTime())
        .as("the trainer's time, in RFC 3339 seconds")
        .isEqualTo("2026-01-01T00:09:30Z");

    var latest = s.getMetrics().getLatest();
    assertThat(latest.getEpoch()).isEqualTo(3);
    assertThat(latest.getTop1()).isEqualTo(0.81);
    assertThat(latest.getTop5()).isEqualTo(0.99);
    assertThat(latest.getLoss()).isEqualTo(0.9);
    assertThat(latest.getTaskLoss()).isEqualTo(0.5);
    assertThat(latest.getDistillLoss()).isEqualTo(0.4);
    assertThat(latest.getTeacherTop1()).isEqualTo(0.91);
    var best = s.getMetrics().getBest();
    assertThat(best.getEpoch()).isEqualTo(3);
    assertThat(best.getTop1()).isEqualTo(0.81);
    assertThat(best.getTop5()).as("validation figures of the best epoch").isEqualTo(0.99);
    assertThat(best.getLoss()).as("training-step losses are not the best epoch's").isNull();

    CheckpointRef bestCkpt = s.getCheckpoints().getBest();
    assertThat(bestCkpt.getPath()).isEqualTo("/checkpoints/fmnist/ckpt_best");
    assertThat(bestCkpt.getPvcPath()).isEqualTo("pvc://fmnist-checkpoints/fmnist/ckpt_best");
    assertThat(bestCkpt.getEpoch()).isEqualTo(3);
    assertThat(bestCkpt.getMetric()).isEqualTo(0.81);
    assertThat(s.getCheckpoints().getLatest().getPvcPath())
        .isEqualTo("pvc://fmnist-checkpoints/fmnist/ckpt_latest");

    assertThat(s.getAttempt().getResumedFrom()).isEqualTo(2);
  }

  @Test
  void aReportWithNothingNewChangesNothingNotEvenEtaOrTime() {
    KDExperimentStatus s = new KDExperimentStatus();
    TrainerReportMapper.apply(s, TrainerReports.running(3, 350, 0.81), ON_CLAIM, NOW);
    KDExperimentStatus before = copy(s);

    TrainerReport again = TrainerReports.running(3, 350, 0.81);
    again.setEtaSeconds(290L);
    again.setUpdateTime("2026-01-01T00:09:45Z");
    assertThat(TrainerReportMapper.apply(s, again, ON_CLAIM, NOW.plusSeconds(15))).isFalse();
    assertThat(s).isEqualTo(before);

    TrainerReport moved = TrainerReports.running(3, 360, 0.81);
    assertThat(TrainerReportMapper.apply(s, moved, ON_CLAIM, NOW)).isTrue();
    assertThat(s.getProgress().getStep()).isEqualTo(360);
  }

  @Test
  void theBestStaysWhenLaterEpochsAreWorseAndKeepsItsFigures() {
    KDExperimentStatus s = new KDExperimentStatus();
    TrainerReportMapper.apply(s, TrainerReports.running(2, 200, 0.85), ON_CLAIM, NOW);
    TrainerReport worse = TrainerReports.running(3, 300, 0.80);
    worse.getBest().setValue(0.85);
    worse.getBest().setEpoch(2);
    worse.getCheckpoints().setBest(TrainerReports.checkpoint("/c/fmnist/ckpt_best", 2, 0.85));
    TrainerReportMapper.apply(s, worse, ON_CLAIM, NOW);

    assertThat(s.getMetrics().getLatest().getTop1()).isEqualTo(0.80);
    assertThat(s.getMetrics().getBest().getEpoch()).isEqualTo(2);
    assertThat(s.getMetrics().getBest().getTop1()).isEqualTo(0.85);
    assertThat(s.getMetrics().getBest().getTop5()).isEqualTo(0.99);
    assertThat(s.getCheckpoints().getBest().getEpoch()).isEqualTo(2);
    assertThat(s.getCheckpoints().getLatest().getEpoch()).isEqualTo(3);
  }

  @Test
  void aTop5WatchFillsTop5() {
    KDExperimentStatus s = new KDExperimentStatus();
    TrainerReport r = TrainerReports.running(1, 100, 0.7);
    r.setLatest(null);
    r.getBest().setMetric("top5");
    r.getBest().setValue(0.97);
    TrainerReportMapper.apply(s, r, ON_CLAIM, NOW);
    assertThat(s.getMetrics().getBest().getTop5()).isEqualTo(0.97);
    assertThat(s.getMetrics().getBest().getTop1()).isNull();
  }

  @Test
  void historyIsMergedByPathOrderedByEpochAndBounded() {
    KDExperimentStatus s = new KDExperimentStatus();
    TrainerReport first = TrainerReports.running(6, 600, 0.8);
    for (int e = 1; e <= 6; e++) {
      first
          .getCheckpoints()
          .getHistory()
          .add(TrainerReports.checkpoint("/c/x/ckpt_epoch_" + e, e, 0.1 * e));
    }
    TrainerReportMapper.apply(s, first, ON_CLAIM, NOW);
    // a resumed trainer only knows its own epochs
    TrainerReport second = TrainerReports.running(12, 1200, 0.8);
    second.setTotalEpochs(12);
    second.getCheckpoints().setHistory(new ArrayList<>());
    for (int e = 12; e >= 5; e--) {
      second
          .getCheckpoints()
          .getHistory()
          .add(TrainerReports.checkpoint("/c/x/ckpt_epoch_" + e, e, 0.05 * e));
    }
    TrainerReportMapper.apply(s, second, ON_CLAIM, NOW);

    List<CheckpointRef> history = s.getCheckpoints().getHistory();
    assertThat(history).hasSize(10);
    assertThat(history)
        .extracting(CheckpointRef::getEpoch)
        .containsExactly(3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    assertThat(history.get(2).getMetric()).as("the newer report wins").isEqualTo(0.05 * 5);
    assertThat(history.get(0).getPath()).isEqualTo("/checkpoints/fmnist/ckpt_epoch_3");
  }

  @Test
  void aFinalReportEndsTheEtaAndAnEmptyReportKeepsWhatIsKnown() {
    KDExperimentStatus s = new KDExperimentStatus();
    TrainerReportMapper.apply(s, TrainerReports.running(9, 900, 0.8), ON_CLAIM, NOW);
    TrainerReport done = TrainerReports.running(10, 1000, 0.82);
    done.setPhase(TrainerReport.Phase.SUCCEEDED);
    done.setEtaSeconds(0L);
    TrainerReportMapper.apply(s, done, ON_CLAIM, NOW);
    assertThat(s.getProgress().getPercent()).isEqualTo(100.0);
    assertThat(s.getProgress().getEtaSeconds()).isNull();

    KDExperimentStatus before = copy(s);
    TrainerReport starting = new TrainerReport();
    starting.setPhase(TrainerReport.Phase.STARTING);
    assertThat(TrainerReportMapper.apply(s, starting, ON_CLAIM, NOW)).isFalse();
    assertThat(s).isEqualTo(before);
  }

  @Test
  void parsesReportsAndRejectsOtherText() {
    assertThat(
            TrainerReportMapper.parse(
                "{\"phase\":\"FAILED\",\"reason\":\"spec.dataset.path: no such directory\","
                    + "\"futureField\":{\"x\":1}}"))
        .hasValueSatisfying(
            r -> {
              assertThat(r.getPhase()).isEqualTo(TrainerReport.Phase.FAILED);
              assertThat(r.getReason()).isEqualTo("spec.dataset.path: no such directory");
            });
    assertThat(TrainerReportMapper.parse("Exception in thread main ...")).isEmpty();
    assertThat(TrainerReportMapper.parse("{not json")).isEmpty();
    assertThat(TrainerReportMapper.parse(null)).isEmpty();
  }

  @Test
  void locationsFollowTheExperimentsStorageAndAttempt() {
    KDExperiment kdx = Experiments.kd("fmnist");
    assertThat(CheckpointLocations.of(kdx))
        .isEqualTo(new CheckpointLocations("/checkpoints", "fmnist", "fmnist-checkpoints"));
    kdx.getSpec().getStorage().setSize(null);
    kdx.getSpec().getStorage().setExistingClaim("team-ckpts");
    kdx.getSpec().getStorage().setMountPath("/data/ckpt");
    kdx.setStatus(new KDExperimentStatus());
    kdx.getStatus().setAttempt(new AttemptStatus());
    kdx.getStatus().getAttempt().setNumber(2);
    assertThat(CheckpointLocations.of(kdx).ref("/x/ckpt_best", 1, null).getPvcPath())
        .isEqualTo("pvc://team-ckpts/fmnist-attempt-2/ckpt_best");
    assertThat(CheckpointLocations.of(kdx).ref("/x/ckpt_best", 1, null).getPath())
        .isEqualTo("/data/ckpt/fmnist-attempt-2/ckpt_best");
    kdx.getSpec().setStorage(null);
    assertThat(CheckpointLocations.of(kdx).claim()).isNull();
  }

  @Test
  void locationsWithoutAClaimHaveOnlyThePodPath() {
    CheckpointLocations emptyDir = new CheckpointLocations("/ckpt/", "exp-attempt-2", null);
    CheckpointRef ref = emptyDir.ref("/anywhere/exp/ckpt_best/", 4, 0.9);
    assertThat(ref.getPath()).isEqualTo("/ckpt/exp-attempt-2/ckpt_best");
    assertThat(ref.getPvcPath()).isNull();
    assertThat(emptyDir.ref(null, 4, 0.9)).isNull();
  }
}
