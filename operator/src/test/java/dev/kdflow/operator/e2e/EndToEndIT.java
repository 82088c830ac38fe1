package dev.kdflow.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.operator.e2e.LocalKubelet.LocalPod;
import dev.kdflow.operator.testing.RealCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator and the real trainer together on the real control plane: the operator runs with
 * production settings, kube-controller-manager's Job controller creates, retries, suspends and
 * deletes the pods, and {@link LocalKubelet} plays only the kubelet: it binds each pod and runs its
 * command ({@code kdflow run ... --resume --status-port ...}) as a local process. Small KD runs on
 * a Fashion-MNIST subset: a 784-32-10 MLP student learns from a 784-64-10 MLP teacher trained once
 * for the class. Needs the trainer distribution ({@code ./mvnw -pl trainer-image -am package
 * -DskipTests}; {@code ./mvnw verify} builds it first) and the dataset; skipped with that message
 * otherwise.
 */
@RealCluster
class EndToEndIT {
  static final Duration RUN = Duration.ofSeconds(90);
  static final ObjectMapper JSON = new ObjectMapper();

  static final String KD =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: %s
        namespace: ml
      spec:
        student:
          architecture: mlp
          archParams: {inputSize: 784, hiddenSizes: [32], numClasses: 10}
        teacher:
          architecture: mlp
          archParams: {inputSize: 784, hiddenSizes: [64], numClasses: 10}
          checkpoint: {checkpointPath: "%s"}
        kd:
          loss: {distillationLossCoeff: 0.5, temperature: 2.0}
        training: {maxEpochs: 3, initialLr: 0.05, seed: 1}
        dataset:
          type: fashionMnist
          path: "%s"
          trainLimit: 6000
          validLimit: 500
          batchSize: 32
        resources: {gpus: 0, cpu: "1", memory: 2Gi}
        storage: {size: 1Gi}
        runPolicy: {backoffLimit: 2}
      """;

  static final String TEACHER =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: teacher
      spec:
        student:
          architecture: mlp
          archParams: {inputSize: 784, hiddenSizes: [64], numClasses: 10}
        training: {maxEpochs: 1, initialLr: 0.05, seed: 1}
        dataset: {type: fashionMnist, path: "%s", trainLimit: 6000, validLimit: 500, batchSize: 32}
      """;

  @RegisterExtension static final LocalCluster cluster = new LocalCluster();
  static Path teacher;

  /** Trains the teacher, with the launcher, outside the cluster. */
  @BeforeAll
  static void trainTeacher() throws Exception {
    if (cluster.ready()) {
      teacher = cluster.trainTeacher(TEACHER.formatted(data()), "teacher");
    }
  }

  KDExperiment experiment(String name) {
    return cluster.experiments().withName(name).get();
  }

  Job job(String name) {
    return cluster.jobs().withName(name).get();
  }

  static String data() {
    return TrainerDistribution.FASHION_MNIST.toString();
  }

  KDExperiment create(String name, Consumer<KDExperiment> change) {
    KDExperiment kdx =
        Serialization.unmarshal(KD.formatted(name, teacher, data()), KDExperiment.class);
    kdx.getMetadata().setNamespace(cluster.namespace());
    change.accept(kdx);
    return cluster.experiments().resource(kdx).create();
  }

  KDExperimentStatus awaitStatus(String name, Predicate<KDExperimentStatus> p) {
    return cluster.kubelet().awaitStatus(name, p, RUN);
  }

  static Predicate<KDExperimentStatus> phase(Phase phase) {
    return s -> s.getPhase() == phase;
  }

  static String condition(KDExperimentStatus s, String type) {
    return s.condition(type).map(Condition::getStatus).orElse(null);
  }

  LocalPod awaitRunningPod(String job) {
    await().atMost(RUN).until(() -> cluster.kubelet().running(job).isPresent());
    return cluster.kubelet().running(job).get();
  }

  /** Waits until the trainer reports what the predicate wants; returns that report. */
  TrainerReport awaitTrainer(LocalPod pod, Predicate<TrainerReport> p) {
    TrainerReport[] seen = new TrainerReport[1];
    await()
        .atMost(RUN)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              Optional<TrainerReport> r = cluster.kubelet().report(pod).filter(p);
              r.ifPresent(x -> seen[0] = x);
              return r.isPresent();
            });
    return seen[0];
  }

  /** In the middle of an epoch after the first: some steps done, many to go. */
  static boolean midEpoch(TrainerReport r) {
    if (r.getEpoch() == null || r.getEpoch() < 1 || r.getStepsPerEpoch() == null) {
      return false;
    }
    long into = r.getStep() - (long) r.getEpoch() * r.getStepsPerEpoch();
    return into > r.getStepsPerEpoch() / 5 && into < r.getStepsPerEpoch() * 3 / 5;
  }

  /** The experiment's directory on its claim. */
  Path experimentDir(String name) {
    return cluster.kubelet().claim(name + "-checkpoints").resolve(name);
  }

  /** The epochs with an epoch record in metrics.jsonl, in file order. */
  static List<Integer> epochRecords(Path dir) throws IOException {
    return Files.readAllLines(dir.resolve("metrics.jsonl")).stream()
        .map(EndToEndIT::json)
        .filter(n -> "epoch".equals(n.path("type").asText()))
        .map(n -> n.get("epoch").asInt())
        .toList();
  }

  static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode jsonFile(Path p) throws IOException {
    return JSON.readTree(p.toFile());
  }

  /** Every status the experiment went through, from a watch. */
  final class StatusLog implements AutoCloseable {
    final List<KDExperimentStatus> seen = new CopyOnWriteArrayList<>();
    final Watch watch;

    StatusLog(String name) {
      watch =
          cluster
              .experiments()
              .withName(name)
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, KDExperiment k) {
                      if (k.getStatus() != null) {
                        seen.add(k.getStatus());
                      }
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                  });
    }

    @Override
    public void close() {
      watch.close();
    }
  }

  @Test
  void aKDRunSucceedsShowingProgressThenMetricsAndCheckpointsThatAreOnDisk() throws Exception {
    KDExperimentStatus s;
    try (StatusLog log = new StatusLog("happy")) {
      create("happy", k -> {});
      s = awaitStatus("happy", phase(Phase.SUCCEEDED));
      assertThat(log.seen)
          .as("progress while the trainer ran")
          .anySatisfy(
              st -> {
                assertThat(st.getPhase()).isEqualTo(Phase.RUNNING);
                assertThat(st.getProgress().getStep()).isPositive();
                assertThat(st.getProgress().getPercent()).isBetween(0.1, 99.9);
                assertThat(st.getProgress().getLastUpdateTime()).isNotNull();
              });
    }
    assertThat(condition(s, "Succeeded")).isEqualTo("True");
    assertThat(condition(s, "Ready")).isEqualTo("True");
    assertThat(s.getProgress().getSummary()).isEqualTo("3/3");
    assertThat(s.getProgress().getPercent()).isEqualTo(100.0);
    assertThat(s.getProgress().getEtaSeconds()).isNull();
    assertThat(s.getAttempt().getRestarts()).isZero();
    assertThat(cluster.kubelet().podsOf("happy")).hasSize(1);

    // ckpt_best: the location works, and its sidecar says what the status says
    assertThat(s.getCheckpoints().getBest().getPvcPath())
        .isEqualTo("pvc://happy-checkpoints/happy/ckpt_best");
    assertThat(s.getCheckpoints().getBest().getPath()).isEqualTo("/checkpoints/happy/ckpt_best");
    Path best = cluster.kubelet().resolve(s.getCheckpoints().getBest().getPvcPath());
    assertThat(best.resolve("model.safetensors")).isRegularFile();
    JsonNode info = jsonFile(best.resolve("checkpoint.json"));
    assertThat(s.getCheckpoints().getBest().getEpoch()).isEqualTo(info.get("epoch").asInt());
    assertThat(s.getCheckpoints().getBest().getMetric()).isEqualTo(info.get("value").asDouble());
    assertThat(s.getMetrics().getBest().getEpoch()).isEqualTo(info.get("epoch").asInt());
    assertThat(s.getMetrics().getBest().getTop1()).isEqualTo(info.at("/valid/top1").asDouble());
    if (s.getMetrics().getBest().getTop5() != null) {
      assertThat(s.getMetrics().getBest().getTop5()).isEqualTo(info.at("/valid/top5").asDouble());
    }

    // ckpt_latest: the end of training, with the last validation
    Path latest = cluster.kubelet().resolve(s.getCheckpoints().getLatest().getPvcPath());
    JsonNode state = jsonFile(latest.resolve("state.json"));
    assertThat(state.get("epoch").asInt()).isEqualTo(3);
    assertThat(s.getCheckpoints().getLatest().getEpoch()).isEqualTo(3);
    assertThat(s.getProgress().getStep()).isEqualTo(state.get("globalStep").asLong());
    assertThat(s.getMetrics().getLatest().getEpoch()).isEqualTo(3);
    assertThat(s.getMetrics().getLatest().getTop1())
        .isEqualTo(state.at("/lastValid/top1").asDouble());
    assertThat(s.getMetrics().getLatest().getTop5())
        .isEqualTo(state.at("/lastValid/top5").asDouble());
    assertThat(s.getMetrics().getLatest().getTeacherTop1())
        .isEqualTo(state.at("/lastValid/teacherTop1").asDouble());
    assertThat(s.getMetrics().getLatest().getDistillLoss()).isPositive();
    assertThat(epochRecords(experimentDir("happy"))).containsExactly(1, 2, 3);
  }

  @Test
  void aKilledTrainerIsRetriedAndResumesFromCkptLatest() throws Exception {
    create("killed", k -> {});
    LocalPod first = awaitRunningPod("killed");
    TrainerReport before = awaitTrainer(first, EndToEndIT::midEpoch);
    cluster.kubelet().kill(first);

    KDExperimentStatus s = awaitStatus("killed", phase(Phase.SUCCEEDED));
    assertThat(first.process.exitValue()).isEqualTo(137);
    assertThat(cluster.kubelet().podsOf("killed")).hasSize(2);
    assertThat(s.getAttempt().getRestarts()).isEqualTo(1);
    assertThat(s.getAttempt().getResumedFrom())
        .as("the epoch of ckpt_latest when it was killed")
        .isEqualTo(before.getEpoch());
    assertThat(s.getLastFailure().getExitCode()).isEqualTo(137);
    assertThat(s.getLastFailure().getPodName()).isEqualTo(first.name);
    assertThat(s.getProgress().getSummary()).isEqualTo("3/3");
    assertThat(job("killed").getStatus().getFailed()).isEqualTo(1);
    // exactly maxEpochs epochs: the killed one was redone, none twice
    assertThat(epochRecords(experimentDir("killed"))).containsExactly(1, 2, 3);
    assertThat(
            jsonFile(experimentDir("killed").resolve("ckpt_latest/state.json"))
                .get("epoch")
                .asInt())
        .isEqualTo(3);
  }

  @Test
  void aRestartedOperatorFindsItsJobAndPicksUpTheProgress() {
    create("steady", k -> {});
    LocalPod pod = awaitRunningPod("steady");
    KDExperimentStatus running =
        awaitStatus(
            "steady",
            st ->
                st.getPhase() == Phase.RUNNING
                    && st.getProgress().getStep() != null
                    && st.getProgress().getStep() > 0);
    String jobUid = job("steady").getMetadata().getUid();

    cluster.stopOperator();
    // training goes on without an operator
    TrainerReport meanwhile =
        awaitTrainer(
            pod, r -> r.getEpoch() != null && r.getEpoch() > running.getProgress().getEpoch());
    assertThat(experiment("steady").getStatus().getProgress().getEpoch())
        .as("nobody updates the status")
        .isLessThan(meanwhile.getEpoch());

    cluster.restartOperator();
    KDExperimentStatus s =
        awaitStatus("steady", st -> st.getProgress().getEpoch() >= meanwhile.getEpoch());
    assertThat(s.getStartTime()).isEqualTo(running.getStartTime());
    s = awaitStatus("steady", phase(Phase.SUCCEEDED));
    List<Job> jobs = cluster.jobs().withLabel("kdflow.dev/experiment", "steady").list().getItems();
    assertThat(jobs).hasSize(1);
    assertThat(jobs.get(0).getMetadata().getUid()).isEqualTo(jobUid);
    assertThat(cluster.kubelet().podsOf("steady")).hasSize(1);
    assertThat(s.getAttempt().getNumber()).isEqualTo(1);
    assertThat(s.getProgress().getSummary()).isEqualTo("3/3");
  }

  @Test
  void aMissingDatasetFailsAtOnceWithTheTrainersReason() {
    create("no-data", k -> k.getSpec().getDataset().setPath("/nonexistent/fashion-mnist"));
    KDExperimentStatus s = awaitStatus("no-data", phase(Phase.FAILED));
    assertThat(s.getLastFailure().getReason()).isEqualTo("InvalidInput");
    assertThat(s.getLastFailure().getExitCode()).isEqualTo(2);
    assertThat(s.getLastFailure().getMessage())
        .as("the trainer's own words, not its JSON")
        .contains("/nonexistent/fashion-mnist")
        .doesNotStartWith("{");
    assertThat(s.condition("Stalled").get().getStatus()).isEqualTo("True");
    assertThat(s.condition("Stalled").get().getReason()).isEqualTo("InvalidInput");
    assertThat(condition(s, "Succeeded")).isEqualTo("False");
    Job job = job("no-data");
    assertThat(job.getStatus().getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Failed");
              assertThat(c.getReason()).isEqualTo("PodFailurePolicy");
            });
    // no retry storm: one pod, and it stays one
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(5))
        .until(() -> cluster.kubelet().podsOf("no-data").size() == 1);
    assertThat(job.getStatus().getFailed()).isEqualTo(1);
  }

  @Test
  void suspendStopsThePodAndResumeContinuesFromCkptLatest() throws Exception {
    create("pausable", k -> {});
    LocalPod first = awaitRunningPod("pausable");
    awaitTrainer(first, r -> r.getEpoch() != null && r.getEpoch() >= 1);

    setSuspend("pausable", true);
    KDExperimentStatus s = awaitStatus("pausable", phase(Phase.SUSPENDED));
    assertThat(condition(s, "Suspended")).isEqualTo("True");
    assertThat(condition(s, "Ready")).isEqualTo("False");
    await()
        .atMost(RUN)
        .until(
            () ->
                cluster.client().pods().inNamespace(cluster.namespace()).withName(first.name).get()
                    == null);
    assertThat(first.process.isAlive()).isFalse();
    assertThat(first.process.exitValue()).as("SIGTERM: a clean stop").isEqualTo(143);
    assertThat(cluster.kubelet().running("pausable")).isEmpty();
    int saved =
        jsonFile(experimentDir("pausable").resolve("ckpt_latest/state.json")).get("epoch").asInt();
    assertThat(saved).isBetween(1, 2);

    setSuspend("pausable", false);
    s = awaitStatus("pausable", phase(Phase.SUCCEEDED));
    assertThat(cluster.kubelet().podsOf("pausable")).hasSize(2);
    assertThat(s.getAttempt().getResumedFrom()).isEqualTo(saved);
    assertThat(s.getAttempt().getRestarts()).as("a suspension is no failure").isZero();
    assertThat(condition(s, "Suspended")).isEqualTo("False");
    assertThat(s.getProgress().getSummary()).isEqualTo("3/3");
    assertThat(epochRecords(experimentDir("pausable"))).containsExactly(1, 2, 3);
  }

  /**
   * As {@code kubectl patch --type=merge} does: no resourceVersion precondition, so the operator's
   * status writes while the trainer reports progress cannot make the change fail with a conflict.
   */
  void setSuspend(String name, boolean suspend) {
    cluster
        .experiments()
        .withName(name)
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"runPolicy\":{\"suspend\":" + suspend + "}}}");
  }
}
