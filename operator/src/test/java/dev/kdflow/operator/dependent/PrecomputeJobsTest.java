package dev.kdflow.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.AttemptStatus;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.PrecomputeSpec;
import dev.kdflow.operator.testing.Experiments;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soft-label precompute's Indexed Job: the training pod with the precompute command. */
class PrecomputeJobsTest {
  private final KDExperiment kdx = Experiments.kd("fmnist");

  private KDExperiment withPrecompute(Integer shards, Integer backoff) {
    PrecomputeSpec p = new PrecomputeSpec();
    p.setShards(shards);
    p.setBackoffLimitPerIndex(backoff);
    kdx.getSpec().getKd().setPrecompute(p);
    return kdx;
  }

  @Test
  void anIndexedJobOfOnePodPerShardRetriedPerIndex() {
    Job job = PrecomputeJobs.job(withPrecompute(4, 1), "registry/kdflow-trainer:1");
    assertThat(job.getMetadata().getName()).isEqualTo("fmnist-precompute");
    assertThat(job.getSpec().getCompletionMode()).isEqualTo("Indexed");
    assertThat(job.getSpec().getCompletions()).isEqualTo(4);
    assertThat(job.getSpec().getParallelism()).isEqualTo(4);
    assertThat(job.getSpec().getBackoffLimitPerIndex()).isEqualTo(1);
    assertThat(job.getSpec().getBackoffLimit()).as("per-index retries replace it").isNull();
    assertThat(job.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/component", "precompute");
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/component", "precompute")
        .containsEntry(ChildNames.EXPERIMENT_LABEL, "fmnist");
    Container c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getCommand())
        .containsExactly(
            "/opt/kdflow/bin/kdflow",
            "precompute-teacher",
            "/etc/kdflow/experiment.yaml",
            "checkpoints.rootDir=/checkpoints");
    assertThat(c.getPorts()).isEmpty();
  }

  @Test
  void itsPodsGetTheTrainingPodsImageVolumesAndResources() {
    Job training = ChildResources.job(withPrecompute(2, null), "registry/kdflow-trainer:1");
    Job pre = PrecomputeJobs.job(kdx, "registry/kdflow-trainer:1");
    Container t = training.getSpec().getTemplate().getSpec().getContainers().get(0);
    Container p = pre.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(p.getImage()).isEqualTo(t.getImage());
    assertThat(p.getVolumeMounts()).isEqualTo(t.getVolumeMounts());
    assertThat(p.getResources()).isEqualTo(t.getResources());
    assertThat(pre.getSpec().getTemplate().getSpec().getVolumes())
        .isEqualTo(training.getSpec().getTemplate().getSpec().getVolumes());
    assertThat(pre.getSpec().getBackoffLimitPerIndex())
        .as("the api's default")
        .isEqualTo(new PrecomputeSpec().getBackoffLimitPerIndex());
  }

  /** The garbage collector deletes it with the experiment; a namesake's Job is not this one. */
  @Test
  void theExperimentControlsItAndOnlyItsOwnCounts() {
    kdx.getMetadata().setUid("uid-1");
    Job job = PrecomputeJobs.job(withPrecompute(2, null), "registry/kdflow-trainer:1");
    assertThat(job.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("KDExperiment");
              assertThat(o.getName()).isEqualTo("fmnist");
              assertThat(o.getUid()).isEqualTo("uid-1");
              assertThat(o.getController()).isTrue();
              assertThat(o.getBlockOwnerDeletion()).isTrue();
            });
    assertThat(PrecomputeJobs.isCurrent(job, kdx)).isTrue();

    KDExperiment successor = Experiments.kd("fmnist");
    successor.getMetadata().setUid("uid-2");
    withPrecompute(2, null);
    successor.getSpec().getKd().setPrecompute(kdx.getSpec().getKd().getPrecompute());
    assertThat(PrecomputeJobs.isOwnPrecompute(job, successor))
        .as("the Job of a deleted experiment of the same name")
        .isFalse();
    assertThat(PrecomputeJobs.isCurrent(job, successor)).isFalse();

    KDExperimentStatus s = new KDExperimentStatus();
    AttemptStatus a = new AttemptStatus();
    a.setNumber(2);
    s.setAttempt(a);
    kdx.setStatus(s);
    assertThat(PrecomputeJobs.isOwnPrecompute(job, kdx)).as("an earlier attempt's").isTrue();
    assertThat(PrecomputeJobs.isCurrent(job, kdx)).isFalse();
    assertThat(PrecomputeJobs.isOwnPrecompute(ChildResources.job(kdx, "image"), kdx))
        .as("the training Job is not a precompute Job")
        .isFalse();
  }

  /**
   * The experiment owns two Jobs; the training Job's dependent must find its own whichever the
   * cache lists first, or it would apply a Job that exists (a 409 on every reconciliation).
   */
  @Test
  void theTrainingJobIsFoundNextToThePrecomputeJobWhicheverComesFirst() {
    kdx.getMetadata().setUid("uid-1");
    Job pre = PrecomputeJobs.job(withPrecompute(2, null), "registry/kdflow-trainer:1");
    Job training = ChildResources.job(kdx, "registry/kdflow-trainer:1");
    ControllerReference.set(training, kdx);
    for (List<Job> order : List.of(List.of(pre, training), List.of(training, pre))) {
      assertThat(
              new TrainingJobDependent()
                  .selectTargetSecondaryResource(new LinkedHashSet<>(order), kdx, null))
          .as("listed as %s", order.stream().map(j -> j.getMetadata().getName()).toList())
          .containsSame(training);
    }
  }

  @Test
  void eachAttemptHasItsOwnPrecomputeJob() {
    withPrecompute(2, null);
    KDExperimentStatus s = new KDExperimentStatus();
    AttemptStatus a = new AttemptStatus();
    a.setNumber(3);
    s.setAttempt(a);
    kdx.setStatus(s);
    assertThat(PrecomputeJobs.name(kdx)).isEqualTo("fmnist-precompute-3");
  }

  @Test
  void onlyASpecWithATeacherAndAPrecomputeSectionAsksForIt() {
    assertThat(PrecomputeJobs.requested(kdx.getSpec())).isEmpty();
    withPrecompute(2, null);
    assertThat(PrecomputeJobs.requested(kdx.getSpec())).isPresent();
    kdx.getSpec().setTeacher(null);
    assertThat(PrecomputeJobs.requested(kdx.getSpec())).isEmpty();
  }
}
