package dev.kdflow.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.api.PrecomputeSpec;
import dev.kdflow.operator.testing.Experiments;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The precompute's progress on the status, read from its Indexed Job. */
class PrecomputeProgressTest {
  private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
  private final KDExperiment kdx = Experiments.kd("fmnist");

  PrecomputeProgressTest() {
    kdx.getMetadata().setGeneration(1L);
    PrecomputeSpec p = new PrecomputeSpec();
    p.setShards(4);
    kdx.getSpec().getKd().setPrecompute(p);
  }

  private static Job job(Integer succeeded, String failedIndexes, String condition) {
    JobBuilder b =
        new JobBuilder()
            .withNewMetadata()
            .withName("fmnist-precompute")
            .endMetadata()
            .withNewStatus()
            .withSucceeded(succeeded)
            .withFailedIndexes(failedIndexes)
            .endStatus();
    if (condition != null) {
      b.editStatus()
          .addNewCondition()
          .withType(condition)
          .withStatus("True")
          .withMessage("Job has failed indexes")
          .endCondition()
          .endStatus();
    }
    return b.build();
  }

  private KDExperimentStatus resolve(Job precompute, boolean trainingStarted) {
    return PrecomputeProgress.apply(
        StatusResolver.resolve(kdx, null, List.of(), NOW), kdx, precompute, trainingStarted, NOW);
  }

  private static Condition condition(KDExperimentStatus s, String type) {
    return s.condition(type).orElseThrow();
  }

  @Test
  void whileShardsAreComputedTheExperimentWaitsForThem() {
    KDExperimentStatus s = resolve(job(1, null, null), false);
    assertThat(s.getPhase()).isEqualTo(Phase.PENDING);
    assertThat(s.getPrecompute().getSummary()).isEqualTo("1/4");
    assertThat(s.getPrecompute().getJobName()).isEqualTo("fmnist-precompute");
    assertThat(condition(s, KDExperimentStatus.PRECOMPUTED).getStatus()).isEqualTo("False");
    assertThat(condition(s, KDExperimentStatus.READY).getReason())
        .isEqualTo(PrecomputeProgress.COMPUTING);
    assertThat(condition(s, KDExperimentStatus.READY).getMessage())
        .isEqualTo("1 of 4 shard(s) of teacher soft labels done");
    assertThat(resolve(null, false).getPrecompute().getSummary()).isEqualTo("0/4");
  }

  @Test
  void aCompletedPrecomputeIsAConditionAndTheTrainingSpeaksForItself() {
    KDExperimentStatus s = resolve(job(4, null, "Complete"), true);
    assertThat(condition(s, KDExperimentStatus.PRECOMPUTED).getStatus()).isEqualTo("True");
    assertThat(condition(s, KDExperimentStatus.PRECOMPUTED).getReason())
        .isEqualTo(PrecomputeProgress.DONE);
    assertThat(s.getPrecompute().getSummary()).isEqualTo("4/4");
    assertThat(condition(s, KDExperimentStatus.READY).getReason())
        .isNotEqualTo(PrecomputeProgress.COMPUTING);
  }

  @Test
  void aFailedPrecomputeFailsTheExperimentNamingTheShards() {
    KDExperimentStatus s = resolve(job(2, "1,3", "Failed"), false);
    assertThat(s.getPhase()).isEqualTo(Phase.FAILED);
    assertThat(s.getCompletionTime()).isNotNull();
    assertThat(StatusResolver.isFinished(s)).as("terminal: restartNonce reruns it").isTrue();
    assertThat(s.getPrecompute().getFailed()).isEqualTo(2);
    Condition stalled = condition(s, KDExperimentStatus.STALLED);
    assertThat(stalled.getStatus()).isEqualTo("True");
    assertThat(stalled.getReason()).isEqualTo(PrecomputeProgress.FAILED);
    assertThat(stalled.getMessage())
        .contains("fmnist-precompute failed: 2 of 4 shard(s)", "Job has failed indexes");
  }

  @Test
  void withoutPrecomputeNothingIsAdded() {
    kdx.getSpec().getKd().setPrecompute(null);
    KDExperimentStatus s = resolve(null, false);
    assertThat(s.getPrecompute()).isNull();
    assertThat(s.condition(KDExperimentStatus.PRECOMPUTED)).isEmpty();
  }

  @Test
  void indexListsAreCounted() {
    assertThat(PrecomputeProgress.count(null)).isZero();
    assertThat(PrecomputeProgress.count("0,2-4,7")).isEqualTo(5);
  }
}
