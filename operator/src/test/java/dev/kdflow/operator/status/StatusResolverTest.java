package dev.kdflow.operator.status;

import static dev.kdflow.operator.testing.Cluster.condition;
import static dev.kdflow.operator.testing.Cluster.withStatus;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.operator.dependent.ChildResources;
import dev.kdflow.operator.testing.Cluster;
import dev.kdflow.operator.testing.Experiments;
import dev.kdflow.operator.testing.TrainerReports;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatusResolverTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2026-01-01T00:05:00Z");

  static KDExperiment kdx() {
    KDExperiment kdx = Experiments.kd("fmnist");
    kdx.getMetadata().setGeneration(1L);
    return kdx;
  }

  static Job job(KDExperiment kdx) {
    Job job = ChildResources.job(kdx, "img");
    job.getMetadata().setUid("job-uid");
    return job;
  }

  /** One observed world: the Job (null: none) and its pods. */
  record World(Job job, List<Pod> pods) {}

  static Arguments row(
      String name,
      Function<Job, World> world,
      Phase phase,
      String ready,
      String stalled,
      String failureReason,
      Integer exitCode) {
    return Arguments.of(name, world, phase, ready, stalled, failureReason, exitCode);
  }

  static Stream<Arguments> transitions() {
    return Stream.of(
        row(
            "no Job yet",
            j -> new World(null, List.of()),
            Phase.PENDING,
            "False",
            "False",
            null,
            null),
        row(
            "Job created, no pod",
            j -> new World(withStatus(j, 0, 0), List.of()),
            Phase.PENDING,
            "False",
            "False",
            null,
            null),
        row(
            "pod unschedulable",
            j -> new World(withStatus(j, 1, 0), List.of(Cluster.pending(j, "a"))),
            Phase.PENDING,
            "False",
            "False",
            null,
            null),
        row(
            "container creating",
            j -> new World(withStatus(j, 1, 0), List.of(Cluster.initializing(j, "a"))),
            Phase.INITIALIZING,
            "False",
            "False",
            null,
            null),
        row(
            "trainer running",
            j -> new World(withStatus(j, 1, 0), List.of(Cluster.running(j, "a"))),
            Phase.RUNNING,
            "True",
            "False",
            null,
            null),
        row(
            "succeeded",
            j ->
                new World(
                    withStatus(j, 0, 0, condition("Complete", null, null)),
                    List.of(Cluster.terminated(j, "a", 0, "Completed", "done"))),
            Phase.SUCCEEDED,
            "True",
            "False",
            null,
            null),
        row(
            "invalid input fails at once",
            j ->
                new World(
                    withStatus(
                        j,
                        0,
                        1,
                        condition("Failed", "PodFailurePolicy", "Container trainer exited with 2")),
                    List.of(
                        Cluster.terminated(
                            j, "a", 2, "Error", "spec.dataset.path: /nope does not exist"))),
            Phase.FAILED,
            "False",
            "True",
            "InvalidInput",
            2),
        row(
            "training failed after retries",
            j ->
                new World(
                    withStatus(
                        j,
                        0,
                        3,
                        condition(
                            "Failed",
                            "BackoffLimitExceeded",
                            "Job has reached the specified backoff limit")),
                    List.of(
                        Cluster.terminated(j, "a", 3, "Error", "NaN loss"),
                        Cluster.terminated(j, "bb", 3, "Error", "NaN loss"),
                        Cluster.terminated(j, "ccc", 3, "Error", "NaN loss at epoch 4"))),
            Phase.FAILED,
            "False",
            "True",
            "TrainingFailed",
            3),
        row(
            "OOMKilled",
            j ->
                new World(
                    withStatus(j, 0, 3, condition("Failed", "BackoffLimitExceeded", "backoff")),
                    List.of(Cluster.terminated(j, "a", 137, "OOMKilled", null))),
            Phase.FAILED,
            "False",
            "True",
            "OOMKilled",
            137),
        row(
            "deadline exceeded",
            j ->
                new World(
                    withStatus(
                        j,
                        0,
                        0,
                        condition(
                            "Failed",
                            "DeadlineExceeded",
                            "Job was active longer than specified deadline")),
                    List.of()),
            Phase.FAILED,
            "False",
            "True",
            "DeadlineExceeded",
            null),
        row(
            "pod failed, retry pending",
            j ->
                new World(
                    withStatus(j, 0, 1),
                    List.of(Cluster.terminated(j, "a", 3, "Error", "CUDA error"))),
            Phase.PENDING,
            "False",
            "False",
            "TrainingFailed",
            3),
        row(
            "evicted then running again",
            j ->
                new World(
                    withStatus(j, 1, 0),
                    List.of(Cluster.evicted(j, "a"), Cluster.running(j, "bb"))),
            Phase.RUNNING,
            "True",
            "False",
            "Evicted",
            137),
        row(
            "suspended",
            j -> {
              j.getSpec().setSuspend(true);
              return new World(
                  withStatus(j, 0, 0, condition("Suspended", "JobSuspended", "Job suspended")),
                  List.of());
            },
            Phase.SUSPENDED,
            "False",
            "False",
            null,
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transitions")
  void phaseConditionsAndFailure(
      String name,
      Function<Job, World> world,
      Phase phase,
      String ready,
      String stalled,
      String failureReason,
      Integer exitCode) {
    KDExperiment kdx = kdx();
    World w = world.apply(job(kdx));
    KDExperimentStatus s = StatusResolver.resolve(kdx, w.job(), w.pods(), T0);
    assertThat(s.getPhase()).isEqualTo(phase);
    assertThat(s.getObservedGeneration()).isEqualTo(1L);
    assertThat(s.condition("Ready").map(Condition::getStatus)).contains(ready);
    assertThat(s.condition("Stalled").map(Condition::getStatus)).contains(stalled);
    assertThat(s.condition("Suspended").map(Condition::getStatus))
        .contains(phase == Phase.SUSPENDED ? "True" : "False");
    assertThat(s.condition("Succeeded").map(Condition::getStatus))
        .contains(phase == Phase.SUCCEEDED ? "True" : phase == Phase.FAILED ? "False" : "Unknown");
    if (failureReason == null) {
      assertThat(s.getLastFailure()).isNull();
    } else {
      assertThat(s.getLastFailure().getReason()).isEqualTo(failureReason);
      assertThat(s.getLastFailure().getExitCode()).isEqualTo(exitCode);
    }
    if (phase.isTerminal()) {
      assertThat(s.getCompletionTime()).isNotNull();
      assertThat(StatusResolver.isFinished(s)).isTrue();
    } else {
      assertThat(s.getCompletionTime()).isNull();
    }
  }

  @Test
  void failureMessagesNameTheCauseAndAreBounded() {
    KDExperiment kdx = kdx();
    Job j = job(kdx);
    String longMessage = "x".repeat(5000);
    KDExperimentStatus s =
        StatusResolver.resolve(
            kdx,
            withStatus(j, 0, 1, condition("Failed", "PodFailurePolicy", "exit 2")),
            List.of(Cluster.terminated(j, "a", 2, "Error", longMessage)),
            T0);
    assertThat(s.getLastFailure().getMessage()).hasSizeLessThanOrEqualTo(1024);
    assertThat(s.condition("Stalled").get().getReason()).isEqualTo("InvalidInput");
    assertThat(s.condition("Stalled").get().getMessage()).startsWith("InvalidInput (exit code 2)");
  }

  @Test
  void unschedulableMessageIsSurfaced() {
    KDExperiment kdx = kdx();
    Job j = job(kdx);
    KDExperimentStatus s =
        StatusResolver.resolve(kdx, withStatus(j, 1, 0), List.of(Cluster.pending(j, "a")), T0);
    assertThat(s.condition("Ready").get().getReason()).isEqualTo("Unschedulable");
    assertThat(s.condition("Ready").get().getMessage()).contains("Insufficient nvidia.com/gpu");
  }

  @Test
  void anUnchangedWorldGivesAnEqualStatus() {
    KDExperiment kdx = kdx();
    Job j = withStatus(job(kdx), 1, 0);
    List<Pod> pods = List.of(Cluster.running(j, "a"));
    KDExperimentStatus first = StatusResolver.resolve(kdx, j, pods, T0);
    kdx.setStatus(first);
    KDExperimentStatus second = StatusResolver.resolve(kdx, j, pods, T1);
    assertThat(second).isEqualTo(first);
  }

  @Test
  void transitionTimesMoveOnlyWhenAConditionFlips() {
    KDExperiment kdx = kdx();
    Job j = withStatus(job(kdx), 1, 0);
    kdx.setStatus(StatusResolver.resolve(kdx, j, List.of(Cluster.initializing(j, "a")), T0));
    KDExperimentStatus running =
        StatusResolver.resolve(kdx, j, List.of(Cluster.running(j, "a")), T1);
    assertThat(running.condition("Ready").get().getLastTransitionTime())
        .isEqualTo("2026-01-01T00:05:00Z");
    assertThat(running.condition("Stalled").get().getLastTransitionTime())
        .isEqualTo("2026-01-01T00:00:00Z");
    assertThat(running.getStartTime()).isEqualTo("2026-01-01T00:00:30Z");
    assertThat(running.getProgress().getTotalEpochs()).isEqualTo(10);
    assertThat(running.getProgress().getSummary()).isEqualTo("0/10");
  }

  @Test
  void successCompletesTheProgress() {
    KDExperiment kdx = kdx();
    Job j = job(kdx);
    KDExperimentStatus s =
        StatusResolver.resolve(
            kdx, withStatus(j, 0, 0, condition("Complete", null, null)), List.of(), T0);
    assertThat(s.getProgress().getSummary()).isEqualTo("10/10");
    assertThat(s.getProgress().getPercent()).isEqualTo(100.0);
  }

  @Test
  void kueueQueuedJobIsPendingNotSuspended() {
    KDExperiment kdx = kdx();
    kdx.getSpec().getScheduling().setQueueName("team-a");
    Job j = job(kdx);
    KDExperimentStatus s = StatusResolver.resolve(kdx, withStatus(j, 0, 0), List.of(), T0);
    assertThat(s.getPhase()).isEqualTo(Phase.PENDING);
    assertThat(s.condition("Ready").get().getReason()).isEqualTo("Queued");
  }

  @Test
  void aSpecChangedAfterTheJobWasBuiltSaysRestartRequiredAndStaysReady() {
    KDExperiment kdx = kdx();
    Job j = withStatus(job(kdx), 1, 0);
    KDExperimentStatus before =
        StatusResolver.resolve(kdx, j, List.of(Cluster.running(j, "a")), T0);
    assertThat(before.condition("RestartRequired").get().getStatus()).isEqualTo("False");

    kdx.getSpec().getResources().setMemory("32Gi");
    KDExperimentStatus s = StatusResolver.resolve(kdx, j, List.of(Cluster.running(j, "a")), T0);
    assertThat(s.getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(s.condition("Ready").get().getStatus())
        .as("the Job still runs the spec it started with")
        .isEqualTo("True");
    assertThat(s.condition("Stalled").get().getStatus()).isEqualTo("False");
    assertThat(s.condition("RestartRequired").get().getStatus()).isEqualTo("True");
    assertThat(s.condition("RestartRequired").get().getReason()).isEqualTo("SpecChanged");
    assertThat(s.condition("RestartRequired").get().getMessage()).contains("spec.restartNonce");
  }

  @Test
  void invalidSpecIsStalledWithTheFieldPath() {
    KDExperiment kdx = kdx();
    KDExperimentStatus s =
        StatusResolver.invalid(
            kdx,
            List.of(new ValidationProblem("spec.training.maxEpochs", "must be >= 1, got 0")),
            T0);
    assertThat(s.getPhase()).isEqualTo(Phase.FAILED);
    assertThat(s.condition("Stalled").get().getStatus()).isEqualTo("True");
    assertThat(s.condition("Stalled").get().getReason()).isEqualTo("InvalidSpec");
    assertThat(s.condition("Stalled").get().getMessage())
        .isEqualTo("spec.training.maxEpochs: must be >= 1, got 0");
    assertThat(StatusResolver.isFinished(s)).as("fixing the spec lets it run").isFalse();
  }

  @Test
  void restartStartsTheNextAttemptAndClearsTheRun() {
    KDExperiment kdx = kdx();
    Job j = job(kdx);
    kdx.setStatus(
        StatusResolver.resolve(
            kdx, withStatus(j, 0, 0, condition("Complete", null, null)), List.of(), T0));
    kdx.getSpec().setRestartNonce("again");
    KDExperimentStatus s = StatusResolver.restarted(kdx, T1);
    assertThat(s.getAttempt().getNumber()).isEqualTo(2);
    assertThat(s.getPhase()).isEqualTo(Phase.PENDING);
    assertThat(s.getCompletionTime()).isNull();
    assertThat(s.getObservedRestartNonce()).isEqualTo("again");
    assertThat(StatusResolver.isFinished(s)).isFalse();
  }

  static String json(TrainerReport r) {
    return Serialization.asJson(r);
  }

  @Test
  void aLiveReportFillsProgressMetricsAndCheckpointsWhileRunning() {
    KDExperiment kdx = kdx();
    Job j = withStatus(job(kdx), 1, 0);
    List<Pod> pods = List.of(Cluster.running(j, "a"));
    assertThat(StatusResolver.trainerToPoll(pods)).contains(pods.get(0));

    KDExperimentStatus s =
        StatusResolver.resolve(kdx, j, pods, TrainerReports.running(4, 420, 0.8), T0);
    assertThat(s.getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(s.getProgress().getSummary()).isEqualTo("4/10");
    assertThat(s.getProgress().getPercent()).isEqualTo(42.0);
    assertThat(s.getMetrics().getBest().getTop1()).isEqualTo(0.8);
    assertThat(s.getCheckpoints().getLatest().getPvcPath())
        .isEqualTo("pvc://fmnist-checkpoints/fmnist/ckpt_latest");

    // the same report again: an equal status, so no write
    kdx.setStatus(s);
    assertThat(StatusResolver.resolve(kdx, j, pods, TrainerReports.running(4, 420, 0.8), T1))
        .isEqualTo(s);
    // no answer from the trainer: what is known stays
    assertThat(StatusResolver.resolve(kdx, j, pods, null, T1)).isEqualTo(s);
  }

  @Test
  void theTerminationMessageGivesTheExactEndEvenWhenPollsWereMissed() {
    KDExperiment kdx = kdx();
    Job j = job(kdx);
    Job running = withStatus(j, 1, 0);
    kdx.setStatus(
        StatusResolver.resolve(
            kdx,
            running,
            List.of(Cluster.running(j, "a")),
            TrainerReports.running(3, 300, 0.7),
            T0));
    TrainerReport last = TrainerReports.running(10, 1000, 0.88);
    last.setPhase(TrainerReport.Phase.SUCCEEDED);
    last.setExitCode(0);
    KDExperimentStatus s =
        StatusResolver.resolve(
            kdx,
            withStatus(j, 0, 0, condition("Complete", null, null)),
            List.of(Cluster.terminated(j, "a", 0, "Completed", json(last))),
            null,
            T1);
    assertThat(s.getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(s.getProgress().getSummary()).isEqualTo("10/10");
    assertThat(s.getProgress().getStep()).isEqualTo(1000);
    assertThat(s.getProgress().getEtaSeconds()).isNull();
    assertThat(s.getMetrics().getLatest().getTop1()).isEqualTo(0.88);
    assertThat(s.getMetrics().getBest().getEpoch()).isEqualTo(10);
    assertThat(s.getCheckpoints().getBest().getEpoch()).isEqualTo(10);
  }

  @Test
  void aFailedTrainersReasonIsTheFailureMessage() {
    KDExperiment kdx = kdx();
    Job j = job(kdx);
    TrainerReport failed = new TrainerReport();
    failed.setPhase(TrainerReport.Phase.FAILED);
    failed.setReason("spec.dataset.path: /nope: no such directory");
    failed.setExitCode(2);
    KDExperimentStatus s =
        StatusResolver.resolve(
            kdx,
            withStatus(j, 0, 1, condition("Failed", "PodFailurePolicy", "exit code 2")),
            List.of(Cluster.terminated(j, "a", 2, "Error", json(failed))),
            T0);
    assertThat(s.getPhase()).isEqualTo(Phase.FAILED);
    assertThat(s.getLastFailure().getReason()).isEqualTo("InvalidInput");
    assertThat(s.getLastFailure().getMessage())
        .isEqualTo("spec.dataset.path: /nope: no such directory");
    assertThat(s.condition("Stalled").get().getMessage())
        .isEqualTo("InvalidInput (exit code 2): spec.dataset.path: /nope: no such directory");
  }

  @Test
  void aFinishedJobWaitsForItsPodsFinalStateInTheCache() {
    KDExperiment kdx = kdx();
    Job j = job(kdx);
    KDExperimentStatus s =
        StatusResolver.resolve(
            kdx,
            withStatus(j, 0, 0, condition("Complete", null, null)),
            List.of(Cluster.running(j, "a")),
            T0);
    assertThat(s.getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(s.condition("Ready").get().getReason()).isEqualTo("Finishing");
    assertThat(StatusResolver.isFinished(s)).isFalse();
  }

  @Test
  void afterARetryTheNewPodsReportCountsNotTheFailedOnes() {
    KDExperiment kdx = kdx();
    Job j = job(kdx);
    TrainerReport killed = TrainerReports.running(2, 250, 0.7);
    Pod failed = Cluster.terminated(j, "a", 137, "Error", json(killed));
    Pod retry = Cluster.running(j, "bb");
    TrainerReport resumed = TrainerReports.running(3, 310, 0.75);
    resumed.setResumedFromEpoch(2);

    // between the pods: the failed pod's last word
    KDExperimentStatus between =
        StatusResolver.resolve(kdx, withStatus(j, 0, 1), List.of(failed), null, T0);
    assertThat(between.getPhase()).isEqualTo(Phase.PENDING);
    assertThat(between.getProgress().getEpoch()).isEqualTo(2);
    kdx.setStatus(between);

    assertThat(StatusResolver.trainerToPoll(List.of(failed, retry))).contains(retry);
    KDExperimentStatus s =
        StatusResolver.resolve(kdx, withStatus(j, 1, 1), List.of(failed, retry), resumed, T1);
    assertThat(s.getProgress().getEpoch()).isEqualTo(3);
    assertThat(s.getAttempt().getRestarts()).isEqualTo(1);
    assertThat(s.getAttempt().getResumedFrom()).isEqualTo(2);
    kdx.setStatus(s);
    assertThat(StatusResolver.resolve(kdx, withStatus(j, 1, 1), List.of(failed, retry), null, T1))
        .as("the failed pod's older report does not come back")
        .isEqualTo(s);
  }
}
