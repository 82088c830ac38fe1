package dev.kdflow.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.status.StatusResolver;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.ControlPlane.ShellResult;
import dev.kdflow.operator.testing.Kubelet;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * spec.podTemplate on a real API server: the additions reach the pod the real Job controller
 * creates (and its admission: the ServiceAccount and RuntimeClass must exist), clashes the schema
 * can express are rejected at admission, and the rest by the operator with the field path.
 */
@RealCluster
class PodTemplateOnApiServerIT {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** A dataset on its own read-only claim, a teacher file from a ConfigMap, and the rest. */
  static final String KD =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: %s
      spec:
        student: {architecture: cnn}
        teacher: {torchscript: /teacher/teacher.pt}
        training: {maxEpochs: 2, initialLr: 0.01}
        dataset: {type: imageFolder, path: /data/imagenette}
        resources: {gpus: 1, gpuResourceName: nvidia.com/mig-1g.10gb, cpu: "1", memory: 1Gi}
        storage: {size: 1Gi}
        podTemplate:
          labels: {team: vision}
          annotations: {example.com/cost-centre: "42"}
          serviceAccountName: trainer
          runtimeClassName: %s
          imagePullSecrets: [{name: registry}]
          env: [{name: HF_HOME, value: /tmp/hf}]
          envFrom: [{configMapRef: {name: settings}}]
          volumes:
          - name: dataset
            persistentVolumeClaim: {claimName: imagenette, readOnly: true}
          - name: teacher
            configMap: {name: teacher-ts}
          volumeMounts:
          - {name: dataset, mountPath: /data, readOnly: true}
          - {name: teacher, mountPath: /teacher, readOnly: true}
      """;

  TestNamespace ns;
  ControlPlane plane;
  KDFlowOperator operator;
  String runtimeClass;

  @BeforeEach
  void prepare(TestNamespace ns, ControlPlane plane) {
    this.ns = ns;
    this.plane = plane;
    runtimeClass = ns.name() + "-gpu";
    plane
        .kubectlWithInput(
            """
            apiVersion: node.k8s.io/v1
            kind: RuntimeClass
            metadata: {name: %s}
            handler: nvidia
            """
                .formatted(runtimeClass),
            "apply",
            "-f",
            "-")
        .orThrow();
    plane.kubectl("create", "serviceaccount", "trainer", "-n", ns.name()).orThrow();
    plane
        .kubectl(
            "create", "configmap", "teacher-ts", "--from-literal=teacher.pt=x", "-n", ns.name())
        .orThrow();
    plane
        .kubectlWithInput(
            """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: imagenette}
            spec:
              accessModes: [ReadOnlyMany]
              resources: {requests: {storage: 1Gi}}
            """,
            "apply",
            "-n",
            ns.name(),
            "-f",
            "-")
        .orThrow();
    operator = plane.startOperator(ns.name(), TrainerStatusSource.NONE, Duration.ofMillis(500));
  }

  @AfterEach
  void cleanUp() {
    if (operator != null) {
      operator.operator().stop();
    }
    plane.kubectl("delete", "runtimeclass", runtimeClass, "--ignore-not-found");
  }

  String manifest(String name) {
    return KD.formatted(name, runtimeClass);
  }

  ShellResult apply(String manifest) {
    return plane.kubectlWithInput(manifest, "apply", "-n", ns.name(), "-f", "-");
  }

  KDExperiment experiment(String name) {
    return ns.client().resources(KDExperiment.class).inNamespace(ns.name()).withName(name).get();
  }

  @Test
  void theAdditionsReachThePodTheJobControllerCreates() {
    apply(manifest("passthrough")).orThrow();
    Pod pod = new Kubelet(ns.client(), ns.name()).awaitPod("passthrough", TIMEOUT);

    assertThat(pod.getMetadata().getLabels())
        .containsEntry("team", "vision")
        .containsEntry("kdflow.dev/experiment", "passthrough")
        .containsEntry("app.kubernetes.io/managed-by", "kdflow-operator");
    assertThat(pod.getMetadata().getAnnotations()).containsEntry("example.com/cost-centre", "42");
    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("trainer");
    assertThat(pod.getSpec().getRuntimeClassName()).isEqualTo(runtimeClass);
    assertThat(pod.getSpec().getImagePullSecrets())
        .extracting(LocalObjectReference::getName)
        .containsExactly("registry");
    assertThat(pod.getSpec().getVolumes())
        .filteredOn(v -> v.getName().equals("dataset"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("imagenette");
              assertThat(v.getPersistentVolumeClaim().getReadOnly()).isTrue();
            });
    Container trainer = pod.getSpec().getContainers().get(0);
    assertThat(trainer.getVolumeMounts())
        .extracting(VolumeMount::getName, VolumeMount::getMountPath, VolumeMount::getReadOnly)
        .contains(
            org.assertj.core.groups.Tuple.tuple("dataset", "/data", true),
            org.assertj.core.groups.Tuple.tuple("teacher", "/teacher", true),
            org.assertj.core.groups.Tuple.tuple("checkpoints", "/checkpoints", null));
    assertThat(trainer.getEnv()).extracting(EnvVar::getName).contains("HF_HOME", "HOME");
    assertThat(trainer.getEnvFrom().get(0).getConfigMapRef().getName()).isEqualTo("settings");
    assertThat(trainer.getResources().getLimits())
        .containsEntry("nvidia.com/mig-1g.10gb", new Quantity("1"))
        .doesNotContainKey("nvidia.com/gpu");
    // The trainer reads dataset.path from the read-only claim's mount.
    String experimentYaml =
        ns.client()
            .configMaps()
            .inNamespace(ns.name())
            .withName("passthrough-experiment")
            .get()
            .getData()
            .get("experiment.yaml");
    assertThat(
            io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                    experimentYaml, KDExperiment.class)
                .getSpec()
                .getDataset()
                .getPath())
        .isEqualTo("/data/imagenette");
  }

  static Stream<Arguments> rejectedAtAdmission() {
    return Stream.of(
        Arguments.of(
            "- name: dataset\n",
            "- name: checkpoints\n",
            "the names experiment, checkpoints and tmp belong to the operator"),
        Arguments.of("{name: HF_HOME,", "{name: KDFLOW_EXPERIMENT,", "KDFLOW_"),
        Arguments.of("{team: vision}", "{kdflow.dev/experiment: other}", "podTemplate.labels"),
        Arguments.of(
            "gpuResourceName: nvidia.com/mig-1g.10gb",
            "gpuResourceName: gpu",
            "spec.resources.gpuResourceName"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("rejectedAtAdmission")
  void clashesTheSchemaCanSeeAreRejectedAtAdmission(String from, String to, String named) {
    String bad = manifest("clash").replace(from, to);
    assertThat(bad).isNotEqualTo(manifest("clash"));
    ShellResult result = apply(bad);
    assertThat(result.exitCode()).as(result.stdout()).isNotZero();
    assertThat(result.stderr()).contains(named);
  }

  @Test
  void aMountOverTheOperatorsPathsStallsTheExperimentNamingTheField() {
    apply(manifest("shadow").replace("mountPath: /teacher", "mountPath: /etc/kdflow")).orThrow();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                experiment("shadow").getStatus() != null
                    && experiment("shadow")
                        .getStatus()
                        .condition(KDExperimentStatus.STALLED)
                        .map(Condition::getStatus)
                        .orElse("")
                        .equals("True"));
    Condition stalled =
        experiment("shadow").getStatus().condition(KDExperimentStatus.STALLED).orElseThrow();
    assertThat(stalled.getReason()).isEqualTo(StatusResolver.INVALID_SPEC);
    assertThat(stalled.getMessage())
        .contains("spec.podTemplate.volumeMounts[1].mountPath")
        .contains("/etc/kdflow");
    assertThat(ns.client().batch().v1().jobs().inNamespace(ns.name()).withName("shadow").get())
        .isNull();
  }
}
