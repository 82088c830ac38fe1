package dev.kdflow.operator.reconciler;

import static dev.kdflow.operator.testing.Cluster.condition;
import static dev.kdflow.operator.testing.Cluster.withStatus;
import static dev.kdflow.operator.testing.MockCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.testing.Cluster;
import dev.kdflow.operator.testing.Experiments;
import dev.kdflow.operator.testing.MockCluster;
import dev.kdflow.operator.testing.TrainerReports;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator against the mock API server, with the test playing Job controller and kubelet.
 *
 * <p>Why the mock: this table writes Job statuses and pod states directly (unschedulable pods,
 * evictions, deadline conditions, a Job status with any counts) — on the real control plane the Job
 * controller owns the Job status and would overwrite them — and it counts the operator's writes
 * with the mock server's request log. The same paths with the real Job controller: {@code
 * OperatorOnApiServerIT}, {@code EndToEndIT}.
 */
@EnableKubernetesMockClient(crud = true)
class KDExperimentReconcilerTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  MockCluster cluster;
  KDFlowOperator operator;

  @BeforeEach
  void start() {
    cluster = new MockCluster(client);
    operator = cluster.startOperator();
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.operator().stop();
    }
  }

  KDExperiment create(String name) {
    return cluster.experiments().inNamespace(NS).resource(Experiments.kd(name)).create();
  }

  KDExperimentStatus awaitStatus(String name, Predicate<KDExperimentStatus> p) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              KDExperiment k = cluster.experiment(name);
              return k != null && k.getStatus() != null && p.test(k.getStatus());
            });
    return cluster.experiment(name).getStatus();
  }

  static Predicate<KDExperimentStatus> phase(Phase phase) {
    return s -> s.getPhase() == phase;
  }

  static String conditionStatus(KDExperimentStatus s, String type) {
    return s.condition(type).map(Condition::getStatus).orElse(null);
  }

  static void assertOwnedBy(HasMetadata child, KDExperiment kdx) {
    assertThat(child.getMetadata().getOwnerReferences())
        .extracting(OwnerReference::getUid)
        .containsExactly(kdx.getMetadata().getUid());
    assertThat(child.getMetadata().getLabels())
        .containsEntry("kdflow.dev/experiment", kdx.getMetadata().getName())
        .containsEntry("app.kubernetes.io/managed-by", "kdflow-operator");
  }

  @Test
  void createsChildrenAndFollowsTheJobToSuccess() {
    KDExperiment kdx = create("lifecycle");
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("lifecycle") != null);
    Job job = cluster.job("lifecycle");
    assertOwnedBy(job, kdx);
    assertOwnedBy(cluster.configMap("lifecycle"), kdx);
    assertThat(cluster.claim("lifecycle").getMetadata().getOwnerReferences())
        .as("the checkpoint claim outlives the experiment by default")
        .isEmpty();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("kdflow/kdflow-trainer:test");
    assertThat(cluster.configMap("lifecycle").getData()).containsKey("experiment.yaml");

    KDExperimentStatus s = awaitStatus("lifecycle", phase(Phase.PENDING));
    assertThat(s.getJobName()).isEqualTo("lifecycle");
    assertThat(s.getAttempt().getNumber()).isEqualTo(1);

    cluster.putPod(Cluster.pending(job, "a"));
    s =
        awaitStatus(
            "lifecycle", st -> "Unschedulable".equals(st.condition("Ready").get().getReason()));
    assertThat(s.getPhase()).isEqualTo(Phase.PENDING);

    cluster.putPod(Cluster.initializing(job, "a"));
    awaitStatus("lifecycle", phase(Phase.INITIALIZING));

    cluster.putPod(Cluster.running(job, "a"));
    s = awaitStatus("lifecycle", phase(Phase.RUNNING));
    assertThat(conditionStatus(s, "Ready")).isEqualTo("True");
    assertThat(s.getObservedGeneration())
        .isEqualTo(cluster.experiment("lifecycle").getMetadata().getGeneration());

    cluster.putPod(Cluster.terminated(job, "a", 0, "Completed", "done"));
    cluster.putJob(withStatus(cluster.job("lifecycle"), 0, 0, condition("Complete", null, null)));
    s = awaitStatus("lifecycle", phase(Phase.SUCCEEDED));
    assertThat(conditionStatus(s, "Succeeded")).isEqualTo("True");
    assertThat(conditionStatus(s, "Ready")).isEqualTo("True");
    assertThat(s.getCompletionTime()).isNotNull();
    assertThat(s.getProgress().getSummary()).isEqualTo("10/10");

    // a finished experiment never gets a new Job, even when its Job goes away
    long before = operator.reconciler().reconciliations(NS, "lifecycle");
    client.batch().v1().jobs().inNamespace(NS).withName("lifecycle").delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> operator.reconciler().reconciliations(NS, "lifecycle") > before);
    assertThat(cluster.job("lifecycle")).isNull();
    assertThat(cluster.experiment("lifecycle").getStatus().getPhase()).isEqualTo(Phase.SUCCEEDED);

    // ... unless restartNonce changes
    cluster
        .experiments()
        .inNamespace(NS)
        .withName("lifecycle")
        .edit(
            k -> {
              k.getSpec().setRestartNonce("second-run");
              return k;
            });
    s = awaitStatus("lifecycle", st -> st.getAttempt().getNumber() == 2);
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("lifecycle") != null);
    assertThat(cluster.job("lifecycle").getMetadata().getAnnotations())
        .containsEntry("kdflow.dev/attempt", "2");
    assertThat(cluster.configMap("lifecycle").getData().get("experiment.yaml"))
        .contains("experimentName: \"lifecycle-attempt-2\"");
    s = awaitStatus("lifecycle", phase(Phase.PENDING));
    assertThat(s.getCompletionTime()).isNull();
    assertThat(s.getObservedRestartNonce()).isEqualTo("second-run");
  }

  @Test
  void failuresAreClassified() {
    create("bad-input");
    create("oom");
    create("deadline");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster.job("bad-input") != null
                    && cluster.job("oom") != null
                    && cluster.job("deadline") != null);

    Job badInput = cluster.job("bad-input");
    cluster.putPod(
        Cluster.terminated(badInput, "a", 2, "Error", "spec.dataset.path: /data/x does not exist"));
    cluster.putJob(
        withStatus(
            badInput,
            0,
            1,
            condition(
                "Failed",
                "PodFailurePolicy",
                "Container trainer for pod ml/bad-input-a failed with exit code 2 matching FailJob rule at index 0")));

    Job oom = cluster.job("oom");
    cluster.putPod(Cluster.terminated(oom, "a", 137, "OOMKilled", null));
    cluster.putJob(
        withStatus(
            oom,
            0,
            3,
            condition(
                "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")));

    Job deadline = cluster.job("deadline");
    cluster.putPod(Cluster.running(deadline, "a"));
    awaitStatus("deadline", phase(Phase.RUNNING));
    cluster.putJob(
        withStatus(
            cluster.job("deadline"),
            0,
            0,
            condition(
                "Failed", "DeadlineExceeded", "Job was active longer than specified deadline")));

    KDExperimentStatus s = awaitStatus("bad-input", phase(Phase.FAILED));
    assertThat(s.getLastFailure().getReason()).isEqualTo("InvalidInput");
    assertThat(s.getLastFailure().getExitCode()).isEqualTo(2);
    assertThat(s.getLastFailure().getMessage()).contains("spec.dataset.path");
    assertThat(s.condition("Stalled").get().getStatus()).isEqualTo("True");
    assertThat(s.condition("Stalled").get().getReason()).isEqualTo("InvalidInput");

    s = awaitStatus("oom", phase(Phase.FAILED));
    assertThat(s.getLastFailure().getReason()).isEqualTo("OOMKilled");
    assertThat(s.getLastFailure().getExitCode()).isEqualTo(137);
    assertThat(s.getAttempt().getRestarts()).isEqualTo(3);

    s = awaitStatus("deadline", phase(Phase.FAILED));
    assertThat(s.getLastFailure().getReason()).isEqualTo("DeadlineExceeded");
    assertThat(conditionStatus(s, "Ready")).isEqualTo("False");

    // Kubernetes events tell the story
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                client.v1().events().inNamespace(NS).list().getItems().stream()
                    .anyMatch(
                        e ->
                            "Failed".equals(e.getReason())
                                && "oom".equals(e.getInvolvedObject().getName())));
  }

  @Test
  void suspendAndResume() {
    create("pausable");
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("pausable") != null);
    cluster.putPod(Cluster.running(cluster.job("pausable"), "a"));
    awaitStatus("pausable", phase(Phase.RUNNING));

    cluster
        .experiments()
        .inNamespace(NS)
        .withName("pausable")
        .edit(
            k -> {
              k.getSpec().getRunPolicy().setSuspend(true);
              return k;
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Boolean.TRUE.equals(cluster.job("pausable").getSpec().getSuspend()));
    // the Job controller stops the pod and marks the Job suspended
    client.pods().inNamespace(NS).withName("pausable-a").delete();
    cluster.putJob(
        withStatus(
            cluster.job("pausable"),
            0,
            0,
            condition("Suspended", "JobSuspended", "Job suspended")));
    KDExperimentStatus s = awaitStatus("pausable", phase(Phase.SUSPENDED));
    assertThat(conditionStatus(s, "Suspended")).isEqualTo("True");
    assertThat(conditionStatus(s, "Ready")).isEqualTo("False");

    cluster
        .experiments()
        .inNamespace(NS)
        .withName("pausable")
        .edit(
            k -> {
              k.getSpec().getRunPolicy().setSuspend(false);
              return k;
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Boolean.FALSE.equals(cluster.job("pausable").getSpec().getSuspend()));
    cluster.putJob(withStatus(cluster.job("pausable"), 1, 0));
    cluster.putPod(Cluster.running(cluster.job("pausable"), "bb"));
    s = awaitStatus("pausable", phase(Phase.RUNNING));
    assertThat(conditionStatus(s, "Suspended")).isEqualTo("False");
    assertThat(
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withLabel("kdflow.dev/experiment", "pausable")
                .list()
                .getItems())
        .hasSize(1);
  }

  @Test
  void aRestartedOperatorKeepsTheJobAndContinues() {
    create("survivor");
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("survivor") != null);
    String jobUid = cluster.job("survivor").getMetadata().getUid();
    cluster.putPod(Cluster.running(cluster.job("survivor"), "a"));
    awaitStatus("survivor", phase(Phase.RUNNING));

    operator.operator().stop();
    operator = cluster.startOperator();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> operator.reconciler().reconciliations(NS, "survivor") > 1);
    var jobs =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(NS)
            .withLabel("kdflow.dev/experiment", "survivor")
            .list()
            .getItems();
    assertThat(jobs).hasSize(1);
    assertThat(jobs.get(0).getMetadata().getUid()).isEqualTo(jobUid);
    assertThat(cluster.experiment("survivor").getStatus().getPhase()).isEqualTo(Phase.RUNNING);

    cluster.putPod(Cluster.terminated(cluster.job("survivor"), "a", 0, "Completed", null));
    cluster.putJob(withStatus(cluster.job("survivor"), 0, 0, condition("Complete", null, null)));
    awaitStatus("survivor", phase(Phase.SUCCEEDED));
  }

  @Test
  void aReconcileWithNothingChangedWritesNothing() throws InterruptedException {
    create("steady");
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("steady") != null);
    cluster.putPod(Cluster.running(cluster.job("steady"), "a"));
    awaitStatus("steady", phase(Phase.RUNNING));
    // let the Running transition's event and status land, then forget earlier requests
    long settled = operator.reconciler().reconciliations(NS, "steady");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> operator.reconciler().reconciliations(NS, "steady") > settled + 1);
    while (server.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS) != null) {
      // drain
    }
    long before = operator.reconciler().reconciliations(NS, "steady");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> operator.reconciler().reconciliations(NS, "steady") >= before + 3);
    java.util.List<String> writes = new java.util.ArrayList<>();
    io.fabric8.mockwebserver.http.RecordedRequest r;
    while ((r = server.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS)) != null) {
      if (!"GET".equals(r.getMethod())) {
        writes.add(r.getMethod() + " " + r.getPath());
      }
    }
    assertThat(writes).as("requests other than reads during idle reconciliations").isEmpty();
    // the recorder works: a write shows up
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("probe")
                .endMetadata()
                .build())
        .create();
    boolean seen = false;
    while ((r = server.takeRequest(100, java.util.concurrent.TimeUnit.MILLISECONDS)) != null) {
      seen |= "POST".equals(r.getMethod()) && r.getPath().contains("/configmaps");
    }
    assertThat(seen).as("the mock server records writes").isTrue();
  }

  /** One defect per experiment; each must stall with the field named and get no Job. */
  static final Map<String, Consumer<KDExperiment>> INVALID = new LinkedHashMap<>();

  static {
    INVALID.put(
        "spec.student.architecture", k -> k.getSpec().getStudent().setArchitecture("vgg99"));
    INVALID.put(
        "spec.student.archParams.depth",
        k -> k.getSpec().getStudent().getArchParams().put("depth", 3));
    INVALID.put("spec.teacher", k -> k.getSpec().getTeacher().setTorchscript("/m/teacher.pt"));
    INVALID.put(
        "spec.dataset.path",
        k -> k.getSpec().getDataset().setType(dev.kdflow.api.DatasetSpec.Type.CIFAR10));
    INVALID.put(
        "spec.kd.loss.distillationLossCoeff",
        k -> k.getSpec().getKd().getLoss().setDistillationLossCoeff(1.2));
    INVALID.put("spec.kd.loss.temperature", k -> k.getSpec().getKd().getLoss().setTemperature(0.0));
    INVALID.put("spec.training.maxEpochs", k -> k.getSpec().getTraining().setMaxEpochs(0));
    INVALID.put("spec.training.initialLr", k -> k.getSpec().getTraining().setInitialLr(-1.0));
    INVALID.put(
        "spec.training.lrUpdates", k -> k.getSpec().getTraining().setLrUpdates(List.of(5, 3)));
    INVALID.put(
        "spec.training.emaParams.decay",
        k -> k.getSpec().getTraining().getEmaParams().setDecay(1.5));
    INVALID.put("spec.dataset.batchSize", k -> k.getSpec().getDataset().setBatchSize(0));
    INVALID.put("spec.resources.memory", k -> k.getSpec().getResources().setMemory("lots"));
    INVALID.put("spec.resources.gpus", k -> k.getSpec().getResources().setGpus(2));
    INVALID.put("spec.storage", k -> k.getSpec().getStorage().setExistingClaim("other"));
    INVALID.put(
        "spec.storage.mountPath", k -> k.getSpec().getStorage().setMountPath("/etc/kdflow"));
    INVALID.put(
        "spec.scheduling.queueName",
        k -> k.getSpec().getScheduling().setQueueName("no spaces allowed"));
    INVALID.put(
        "spec.runPolicy.activeDeadlineSeconds",
        k -> k.getSpec().getRunPolicy().setActiveDeadlineSeconds(-5L));
    INVALID.put(
        "spec.training.saveCkptEpochList[0]",
        k -> k.getSpec().getTraining().setSaveCkptEpochList(List.of(99)));
  }

  @Test
  void invalidSpecsStallNamingTheFieldAndGetNoJob() {
    Map<String, String> names = new LinkedHashMap<>();
    int i = 0;
    for (var e : INVALID.entrySet()) {
      String name = "invalid-" + i++;
      KDExperiment kdx = Experiments.kd(name);
      e.getValue().accept(kdx);
      cluster.experiments().inNamespace(NS).resource(kdx).create();
      names.put(name, e.getKey());
    }
    assertThat(names).hasSizeGreaterThanOrEqualTo(15);
    names.forEach(
        (name, field) -> {
          KDExperimentStatus s =
              awaitStatus(
                  name,
                  st ->
                      st.condition("Stalled")
                          .map(c -> "InvalidSpec".equals(c.getReason()))
                          .orElse(false));
          Condition stalled = s.condition("Stalled").get();
          assertThat(stalled.getStatus()).isEqualTo("True");
          assertThat(stalled.getMessage()).as(name).contains(field + ": ");
          assertThat(s.getPhase()).isEqualTo(Phase.FAILED);
          assertThat(conditionStatus(s, "Ready")).isEqualTo("False");
        });
    // the reconciliation that found the spec invalid is the one that would have made the Job
    names
        .keySet()
        .forEach(
            name -> {
              assertThat(cluster.job(name)).as("Job of " + name).isNull();
              assertThat(cluster.configMap(name)).as("ConfigMap of " + name).isNull();
            });

    // fixing the spec lets the experiment run
    cluster
        .experiments()
        .inNamespace(NS)
        .withName("invalid-6")
        .edit(
            k -> {
              k.getSpec().getTraining().setMaxEpochs(3);
              return k;
            });
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("invalid-6") != null);
    KDExperimentStatus s = awaitStatus("invalid-6", phase(Phase.PENDING));
    assertThat(conditionStatus(s, "Stalled")).isEqualTo("False");
  }

  /**
   * The manifest the CLI's test runs through kdflow validate and kdflow run: the operator stalls it
   * with the validator's exact problems, as the CLI prints them.
   */
  @Test
  void theSharedInvalidManifestStallsWithTheSameProblemsAsTheCli() throws java.io.IOException {
    KDExperiment kdx =
        Serialization.unmarshal(
            java.nio.file.Files.readString(
                java.nio.file.Path.of(
                    "../api/src/test/resources/dev/kdflow/api/validation/invalid-experiment.yaml")),
            KDExperiment.class);
    kdx.getMetadata().setNamespace(NS);
    List<ValidationProblem> expected = KDExperimentValidator.validate(kdx);
    assertThat(expected).hasSize(2);
    cluster.experiments().inNamespace(NS).resource(kdx).create();

    KDExperimentStatus s =
        awaitStatus(
            "one-verdict",
            st ->
                st.condition("Stalled")
                    .map(c -> "InvalidSpec".equals(c.getReason()))
                    .orElse(false));

    assertThat(s.condition("Stalled").get().getMessage())
        .isEqualTo(String.join("; ", expected.stream().map(ValidationProblem::toString).toList()));
    assertThat(cluster.job("one-verdict")).isNull();
  }

  /** A warning does not stop the experiment; it is said once, as a Warning event. */
  @Test
  void aTeacherWithoutWeightsRunsWithOneWarningEvent() {
    KDExperiment kdx = Experiments.kd("random-teacher");
    kdx.getSpec().getTeacher().setCheckpoint(null);
    cluster.experiments().inNamespace(NS).resource(kdx).create();

    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("random-teacher") != null);
    awaitStatus("random-teacher", phase(Phase.PENDING));
    // Later reconciliations of the same generation say nothing more.
    long before = operator.reconciler().reconciliations(NS, "random-teacher");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> operator.reconciler().reconciliations(NS, "random-teacher") > before);
    List<io.fabric8.kubernetes.api.model.Event> warnings =
        client.v1().events().inNamespace(NS).list().getItems().stream()
            .filter(e -> "random-teacher".equals(e.getInvolvedObject().getName()))
            .filter(e -> KDExperimentReconciler.SPEC_WARNING.equals(e.getReason()))
            .toList();
    assertThat(warnings)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).startsWith("spec.teacher.checkpoint: not set");
            });
  }

  @Test
  void aQueuedExperimentIsStartedByKueueNotFoughtOver() {
    KDExperiment kdx = Experiments.kd("queued");
    kdx.getSpec().getScheduling().setQueueName("team-a");
    kdx.getSpec().getStorage().setSize(null);
    kdx.getSpec().getStorage().setStorageClassName(null);
    kdx.getSpec().getStorage().setExistingClaim("team-a-checkpoints");
    cluster
        .client()
        .persistentVolumeClaims()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("team-a-checkpoints")
                .endMetadata()
                .build())
        .create();
    cluster.experiments().inNamespace(NS).resource(kdx).create();
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("queued") != null);
    Job job = cluster.job("queued");
    assertThat(job.getSpec().getSuspend()).isTrue();
    assertThat(job.getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "team-a");
    assertThat(cluster.claim("queued")).as("an existing claim is used, none created").isNull();
    KDExperimentStatus s = awaitStatus("queued", phase(Phase.PENDING));
    assertThat(s.condition("Ready").get().getReason()).isEqualTo("Queued");

    // Kueue admits the workload by unsuspending the Job
    Job admitted = cluster.job("queued");
    admitted.getSpec().setSuspend(false);
    cluster.putJob(withStatus(admitted, 1, 0));
    cluster.putPod(Cluster.running(cluster.job("queued"), "a"));
    awaitStatus("queued", phase(Phase.RUNNING));
    long before = operator.reconciler().reconciliations(NS, "queued");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> operator.reconciler().reconciliations(NS, "queued") > before + 2);
    assertThat(cluster.job("queued").getSpec().getSuspend())
        .as("the operator leaves Kueue's decision")
        .isFalse();
  }

  @Test
  void aRunningTrainersReportsReachTheStatusAndAQuietTrainerCausesNoWrites() throws Exception {
    operator.operator().stop();
    AtomicReference<TrainerReport> report = new AtomicReference<>();
    List<String> asked = new CopyOnWriteArrayList<>();
    operator =
        cluster.startOperator(
            pod -> {
              asked.add(pod.getMetadata().getName());
              return Optional.ofNullable(report.get());
            });
    create("reported");
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("reported") != null);
    Job job = cluster.job("reported");
    cluster.putPod(Cluster.initializing(job, "a"));
    awaitStatus("reported", phase(Phase.INITIALIZING));
    assertThat(asked).as("no trainer runs yet").isEmpty();

    cluster.putPod(Cluster.running(job, "a"));
    report.set(TrainerReports.running("reported", 2, 230, 0.71));
    KDExperimentStatus s =
        awaitStatus("reported", st -> st.getProgress() != null && st.getProgress().getEpoch() == 2);
    assertThat(s.getProgress().getSummary()).isEqualTo("2/10");
    assertThat(s.getProgress().getStep()).isEqualTo(230);
    assertThat(s.getMetrics().getBest().getTop1()).isEqualTo(0.71);
    assertThat(s.getCheckpoints().getBest().getPvcPath())
        .isEqualTo("pvc://reported-checkpoints/reported/ckpt_best");
    assertThat(asked).contains("reported-a");

    // the trainer keeps answering the same: polls go on, writes do not
    while (server.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS) != null) {
      // drain
    }
    int polls = asked.size();
    await().atMost(Duration.ofSeconds(20)).until(() -> asked.size() >= polls + 3);
    io.fabric8.mockwebserver.http.RecordedRequest r;
    List<String> writes = new java.util.ArrayList<>();
    while ((r = server.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS)) != null) {
      if (!"GET".equals(r.getMethod())) {
        writes.add(r.getMethod() + " " + r.getPath());
      }
    }
    assertThat(writes).as("writes while the trainer reported nothing new").isEmpty();

    // news is written; the end comes from the termination message
    report.set(TrainerReports.running("reported", 5, 520, 0.8));
    awaitStatus("reported", st -> st.getProgress().getEpoch() == 5);
    TrainerReport last = TrainerReports.running(10, 1000, 0.86);
    last.setPhase(TrainerReport.Phase.SUCCEEDED);
    report.set(null);
    cluster.putPod(
        Cluster.terminated(
            cluster.job("reported"), "a", 0, "Completed", Serialization.asJson(last)));
    cluster.putJob(withStatus(cluster.job("reported"), 0, 0, condition("Complete", null, null)));
    s = awaitStatus("reported", phase(Phase.SUCCEEDED));
    assertThat(s.getProgress().getStep()).isEqualTo(1000);
    assertThat(s.getMetrics().getBest().getTop1()).isEqualTo(0.86);
    assertThat(s.getCheckpoints().getLatest().getEpoch()).isEqualTo(10);
  }
}
