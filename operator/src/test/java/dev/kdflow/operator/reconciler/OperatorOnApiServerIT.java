package dev.kdflow.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.Experiments;
import dev.kdflow.operator.testing.Kubelet;
import dev.kdflow.operator.testing.Manifests;
import dev.kdflow.operator.testing.OperatorInNamespace;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import dev.kdflow.operator.testing.TrainerReports;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator with production settings (server-side apply) on a real API server, where the real
 * Job controller owns Jobs and Pods and the test plays only the kubelet ({@link Kubelet}). Users'
 * tools are used as users use them: {@code kubectl apply}, {@code get}, {@code wait}.
 */
@RealCluster
class OperatorOnApiServerIT {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** A CPU experiment without cluster-specific scheduling (no PriorityClass exists here). */
  static final String KD = Experiments.CPU_KD;

  TestNamespace ns;
  ControlPlane plane;
  @RegisterExtension final OperatorInNamespace cluster = new OperatorInNamespace();

  @BeforeEach
  void setUp(TestNamespace ns, ControlPlane plane) {
    this.ns = ns;
    this.plane = plane;
  }

  KDExperimentStatus awaitCondition(String name, String type) {
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              KDExperiment k = cluster.experiment(name);
              return k != null
                  && k.getStatus() != null
                  && k.getStatus()
                      .condition(type)
                      .map(Condition::getStatus)
                      .orElse("")
                      .equals("True");
            });
    return cluster.experiment(name).getStatus();
  }

  static void assertOwnedBy(HasMetadata child, KDExperiment kdx) {
    assertThat(child.getMetadata().getOwnerReferences())
        .extracting(OwnerReference::getKind, OwnerReference::getUid)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("KDExperiment", kdx.getMetadata().getUid()));
  }

  @Test
  void childrenAreServerSideAppliedAndTheJobControllerRunsThePod() {
    cluster.apply(KD.formatted("ssa"));
    await().atMost(TIMEOUT).until(() -> cluster.job("ssa") != null);
    KDExperiment kdx = cluster.experiment("ssa");
    Job job = cluster.job("ssa");
    assertOwnedBy(job, kdx);
    assertOwnedBy(
        ns.client().configMaps().inNamespace(ns.name()).withName("ssa-experiment").get(), kdx);
    assertThat(
            ns.client()
                .persistentVolumeClaims()
                .inNamespace(ns.name())
                .withName("ssa-checkpoints")
                .get()
                .getMetadata()
                .getOwnerReferences())
        .as("the checkpoint claim outlives the experiment by default (storage.claimRetention)")
        .isEmpty();
    assertThat(job.getMetadata().getManagedFields())
        .as("the operator applies its Job with server-side apply")
        .extracting(ManagedFieldsEntry::getOperation)
        .contains("Apply");
    // The status patch may land a moment after the Job: wait for it rather than read once.
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(cluster.experiment("ssa").getMetadata().getManagedFields())
                    .as("and patches the status with server-side apply")
                    .anyMatch(
                        f ->
                            "Apply".equals(f.getOperation())
                                && "status".equals(f.getSubresource())));

    Kubelet kubelet = new Kubelet(ns.client(), ns.name());
    Pod pod = kubelet.awaitPod("ssa", TIMEOUT);
    assertThat(pod.getMetadata().getOwnerReferences())
        .extracting(OwnerReference::getKind, OwnerReference::getName)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Job", "ssa"));
    assertThat(pod.getSpec().getNodeName()).isEqualTo(ControlPlane.NODE);
    kubelet.running(pod);
    KDExperimentStatus running = awaitCondition("ssa", "Ready");
    assertThat(running.getPhase()).isEqualTo(Phase.RUNNING);
    assertThat(running.getObservedGeneration()).isEqualTo(kdx.getMetadata().getGeneration());
  }

  @Test
  void kubectlGetShowsTheColumnsAndKubectlWaitSeesSuccess() {
    cluster.apply(KD.formatted("waited"));
    Kubelet kubelet = new Kubelet(ns.client(), ns.name());
    Pod pod = kubelet.awaitPod("waited", TIMEOUT);
    kubelet.running(pod);
    awaitCondition("waited", "Ready");

    TrainerReport report = TrainerReports.running(10, 1000, 0.87);
    report.setPhase(TrainerReport.Phase.SUCCEEDED);
    kubelet.terminated(pod, 0, "Completed", Serialization.asJson(report));
    assertThat(
            plane
                .kubectl(
                    "wait",
                    "-n",
                    ns.name(),
                    "--for=condition=Succeeded",
                    "kdx/waited",
                    "--timeout=" + TIMEOUT.toSeconds() + "s")
                .orThrow())
        .contains("kdexperiment.kdflow.dev/waited condition met");

    String table = plane.kubectl("get", "kdx", "-n", ns.name()).orThrow();
    assertThat(table.lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "AGE", "READY", "BEST-TOP1", "PHASE", "EPOCH");
    assertThat(table).containsPattern("waited\\s+\\S+\\s+True\\s+0\\.87\\s+Succeeded\\s+10/10");
    String wide = plane.kubectl("get", "kdflow", "-n", ns.name(), "-o", "wide").orThrow();
    assertThat(wide.lines().findFirst().orElseThrow()).contains("STUDENT", "TEACHER");
    assertThat(wide).containsPattern("waited\\s+\\S+\\s+mlp\\s+cnn");
    assertThat(cluster.job("waited").getStatus().getSucceeded())
        .as("the Job controller counted it")
        .isOne();
  }

  @Test
  void invalidInputFailsTheJobAtOnceThroughThePodFailurePolicy() {
    cluster.apply(KD.formatted("bad-input"));
    Kubelet kubelet = new Kubelet(ns.client(), ns.name());
    Pod pod = kubelet.awaitPod("bad-input", TIMEOUT);
    kubelet.terminated(pod, 2, "Error", "spec.dataset.path: /data/x does not exist");
    KDExperimentStatus s = awaitCondition("bad-input", "Stalled");
    assertThat(s.getPhase()).isEqualTo(Phase.FAILED);
    assertThat(s.getLastFailure().getExitCode()).isEqualTo(2);
    assertThat(s.getLastFailure().getMessage()).contains("spec.dataset.path");
    assertThat(cluster.job("bad-input").getStatus().getConditions())
        .as("the real Job controller applied podFailurePolicy FailJob, without a retry")
        .anyMatch(c -> "Failed".equals(c.getType()) && "PodFailurePolicy".equals(c.getReason()));
    assertThat(kubelet.livePods("bad-input")).isEmpty();
  }

  @Test
  void aCrashIsRetriedByTheJobControllerUpToBackoffLimit() {
    cluster.apply(KD.formatted("crashy"));
    Kubelet kubelet = new Kubelet(ns.client(), ns.name());
    Pod first = kubelet.awaitPod("crashy", TIMEOUT);
    kubelet.terminated(first, 137, "OOMKilled", null);
    // backoffLimit 1: the Job controller starts one more pod (after its back-off delay).
    Pod second = kubelet.awaitPod("crashy", Duration.ofSeconds(90));
    assertThat(second.getMetadata().getName()).isNotEqualTo(first.getMetadata().getName());
    kubelet.terminated(second, 137, "OOMKilled", null);
    KDExperimentStatus s = awaitCondition("crashy", "Stalled");
    assertThat(s.getPhase()).isEqualTo(Phase.FAILED);
    assertThat(s.getLastFailure().getReason()).isEqualTo("OOMKilled");
    assertThat(cluster.job("crashy").getStatus().getFailed()).isEqualTo(2);
  }

  static Stream<Arguments> invalidForTheOperator() {
    return Stream.of(
        // path, value (YAML; null removes), the field the Stalled condition names
        Arguments.of("spec.student.architecture", "transformer9000", "spec.student.architecture"),
        Arguments.of("spec.training.lrMode", "step", "spec.training.lrUpdates"),
        Arguments.of("spec.training.lrUpdates", "[20]", "spec.training.lrUpdates"),
        Arguments.of("spec.student.archParams.hiddenSizes", "[0]", "spec.student.archParams"),
        Arguments.of("spec.teacher", null, "spec.kd"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("invalidForTheOperator")
  void whatTheSchemaCannotSayIsStalledAsInvalidSpecNamingTheField(
      String path, String value, String named) {
    String manifest = Manifests.with(KD.formatted("invalid"), path, value);
    if ("spec.teacher".equals(path)) {
      manifest =
          Manifests.with(
              manifest,
              "spec.kd.teacherInputAdapter",
              "{meanOriginal: [0.5], stdOriginal: [0.5], meanRequired: [0.1], stdRequired: [0.3]}");
    }
    if ("spec.training.lrUpdates".equals(path)) {
      manifest = Manifests.with(manifest, "spec.training.lrMode", "step");
    }
    cluster.apply(manifest);
    assertThat(
            plane
                .kubectl(
                    "wait",
                    "-n",
                    ns.name(),
                    "--for=condition=Stalled",
                    "kdx/invalid",
                    "--timeout=" + TIMEOUT.toSeconds() + "s")
                .orThrow())
        .contains("condition met");
    Condition stalled =
        cluster.experiment("invalid").getStatus().condition("Stalled").orElseThrow();
    assertThat(stalled.getReason()).isEqualTo("InvalidSpec");
    assertThat(stalled.getMessage()).contains(named);
    assertThat(cluster.job("invalid")).as("no Job for an invalid spec").isNull();
  }
}
