package dev.kdflow.operator.testing;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Plays the Job controller and the kubelet: builds the Pods and Job statuses they would write. */
public final class Cluster {
  private Cluster() {}

  /** A pod of the Job in the given state, labelled and owned like the Job controller does. */
  public static Pod pod(
      Job job,
      String suffix,
      String phase,
      List<PodCondition> conditions,
      ContainerStatus trainer) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(job.getMetadata().getName() + "-" + suffix)
        .withNamespace(job.getMetadata().getNamespace())
        .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
        .addToLabels(Map.of("batch.kubernetes.io/job-name", job.getMetadata().getName()))
        .withCreationTimestamp("2026-01-01T00:00:0" + Math.min(9, suffix.length()) + "Z")
        .addNewOwnerReference()
        .withApiVersion("batch/v1")
        .withKind("Job")
        .withName(job.getMetadata().getName())
        .withUid(job.getMetadata().getUid())
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
        .withNewStatus()
        .withPhase(phase)
        .withConditions(conditions)
        .withContainerStatuses(trainer == null ? List.of() : List.of(trainer))
        .endStatus()
        .build();
  }

  /** An unschedulable pod. */
  public static Pod pending(Job job, String suffix) {
    return pod(
        job,
        suffix,
        "Pending",
        List.of(
            new PodConditionBuilder()
                .withType("PodScheduled")
                .withStatus("False")
                .withReason("Unschedulable")
                .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")
                .build()),
        null);
  }

  /** A scheduled pod whose trainer container is still being created. */
  public static Pod initializing(Job job, String suffix) {
    return pod(
        job,
        suffix,
        "Pending",
        List.of(scheduled()),
        new ContainerStatusBuilder()
            .withName("trainer")
            .withNewState()
            .withNewWaiting()
            .withReason("ContainerCreating")
            .endWaiting()
            .endState()
            .build());
  }

  /** A pod whose trainer runs. */
  public static Pod running(Job job, String suffix) {
    return pod(
        job,
        suffix,
        "Running",
        List.of(scheduled()),
        new ContainerStatusBuilder()
            .withName("trainer")
            .withReady(true)
            .withNewState()
            .withNewRunning()
            .withStartedAt("2026-01-01T00:01:00Z")
            .endRunning()
            .endState()
            .build());
  }

  /** A pod whose trainer exited. */
  public static Pod terminated(
      Job job, String suffix, int exitCode, String reason, String message) {
    return pod(
        job,
        suffix,
        exitCode == 0 ? "Succeeded" : "Failed",
        List.of(scheduled()),
        new ContainerStatusBuilder()
            .withName("trainer")
            .withNewState()
            .withNewTerminated()
            .withExitCode(exitCode)
            .withReason(reason)
            .withMessage(message)
            .withFinishedAt("2026-01-01T01:00:00Z")
            .endTerminated()
            .endState()
            .build());
  }

  /** An evicted pod (the kubelet's eviction, with the DisruptionTarget condition). */
  public static Pod evicted(Job job, String suffix) {
    Pod p = terminated(job, suffix, 137, "Error", null);
    p.getStatus().setReason("Evicted");
    p.getStatus().setMessage("The node was low on resource: memory.");
    List<PodCondition> conditions = new ArrayList<>(p.getStatus().getConditions());
    conditions.add(
        new PodConditionBuilder()
            .withType("DisruptionTarget")
            .withStatus("True")
            .withReason("TerminationByKubelet")
            .build());
    p.getStatus().setConditions(conditions);
    return p;
  }

  private static PodCondition scheduled() {
    return new PodConditionBuilder().withType("PodScheduled").withStatus("True").build();
  }

  /** The Job with the status the Job controller would write. */
  public static Job withStatus(Job job, int active, int failed, JobCondition... conditions) {
    Job j = new JobBuilder(job).build();
    j.setStatus(
        new JobStatusBuilder()
            .withActive(active)
            .withFailed(failed)
            .withStartTime("2026-01-01T00:00:30Z")
            .withConditions(conditions)
            .build());
    return j;
  }

  /** A true Job condition. */
  public static JobCondition condition(String type, String reason, String message) {
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime("2026-01-01T02:00:00Z")
        .build();
  }
}
