package dev.kdflow.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.ControlPlane.ShellResult;
import dev.kdflow.operator.testing.Manifests;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated CRD on a real API server: its structural schema and CEL rules are accepted (CEL
 * cost included), kubectl explains it, and the schema rejects malformed manifests at admission,
 * naming the field. What the schema cannot say is the operator's job (see {@code
 * OperatorOnApiServerIT}).
 */
@RealCluster
class CrdOnApiServerIT {
  static final String VALID =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: malformed
      spec:
        student:
          architecture: mlp
          archParams: {hiddenSizes: [64], numClasses: 10}
        teacher:
          architecture: cnn
          checkpoint: {checkpointPath: /data/teacher/ckpt_best}
        kd:
          loss: {distillationLossCoeff: 0.7, temperature: 4.0}
        training: {maxEpochs: 10, initialLr: 0.1}
        dataset: {type: fashionMnist, batchSize: 64}
        resources: {gpus: 1, cpu: "2", memory: 8Gi}
        storage: {size: 5Gi}
        runPolicy: {backoffLimit: 2}
      """;

  @Test
  void theGeneratedCrdIsEstablishedAndTheCommittedCopiesApplyToo(ControlPlane plane) {
    CustomResourceDefinition crd =
        plane
            .client()
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName("kdexperiments.kdflow.dev")
            .get();
    assertThat(crd.getStatus().getConditions())
        .filteredOn(c -> "True".equals(c.getStatus()))
        .extracting(c -> c.getType())
        .contains("Established", "NamesAccepted");
    assertThat(crd.getStatus().getAcceptedNames().getShortNames()).containsExactly("kdx");
    for (String file : new String[] {"crds", "helm/kdflow/crds"}) {
      String path =
          ControlPlane.repositoryRoot()
              .resolve(file)
              .resolve("kdexperiments.kdflow.dev-v1.yml")
              .toString();
      assertThat(plane.kubectl("apply", "--dry-run=server", "-f", path).orThrow())
          .contains("customresourcedefinition.apiextensions.k8s.io/kdexperiments.kdflow.dev");
      assertThat(
              plane
                  .kubectl(
                      "apply", "--server-side", "--force-conflicts", "--dry-run=server", "-f", path)
                  .orThrow())
          .contains("serverside-applied");
    }
  }

  @Test
  void kubectlExplainsTheLossWithTheApiDescriptions(ControlPlane plane) {
    String explained = plane.kubectl("explain", "kdexperiments.spec.kd.loss").orThrow();
    assertThat(explained)
        .contains("KIND:       KDExperiment")
        .contains("FIELD: loss <Object>")
        .contains("The distillation loss.")
        .containsPattern("distillationLossCoeff\\s+<number>")
        .containsPattern("temperature\\s+<number>")
        .contains("Softmax temperature T > 0");
    assertThat(plane.kubectl("explain", "kdx.spec.training").orThrow())
        .containsPattern("maxEpochs\\s+<integer> -required-");
  }

  @Test
  void theValidManifestIsAccepted(TestNamespace ns, ControlPlane plane) {
    assertThat(plane.kubectlWithInput(VALID, "apply", "-n", ns.name(), "-f", "-").orThrow())
        .contains("kdexperiment.kdflow.dev/malformed created");
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        // path, new value (YAML; null removes the field), what the API server's error names
        Arguments.of("spec.student", null, "spec.student: Required value"),
        Arguments.of("spec.training", null, "spec.training: Required value"),
        Arguments.of("spec.training.initialLr", null, "spec.training.initialLr: Required value"),
        Arguments.of("spec.training.maxEpochs", "0", "spec.training.maxEpochs"),
        Arguments.of("spec.training.maxEpochs", "ten", "spec.training.maxEpochs"),
        Arguments.of("spec.training.initialLr", "0", "spec.training.initialLr"),
        Arguments.of("spec.training.optimizer", "RMSprop", "spec.training.optimizer"),
        Arguments.of("spec.training.lrMode", "linear", "spec.training.lrMode"),
        Arguments.of("spec.kd.loss.temperature", "0", "kd.loss.temperature must be > 0"),
        Arguments.of(
            "spec.kd.loss.distillationLossCoeff",
            "1.5",
            "kd.loss.distillationLossCoeff (alpha) must be in [0, 1]"),
        Arguments.of(
            "spec.kd.loss.labelSmoothing", "1", "kd.loss.labelSmoothing must be in [0, 1)"),
        Arguments.of("spec.kd.loss.type", "Hinton", "spec.kd.loss.type"),
        Arguments.of("spec.dataset.type", "imagenet", "spec.dataset.type"),
        Arguments.of("spec.dataset.batchSize", "0", "spec.dataset.batchSize"),
        Arguments.of("spec.resources.gpus", "65", "spec.resources.gpus"),
        Arguments.of("spec.resources.memory", "lots", "spec.resources.memory"),
        Arguments.of(
            "spec.storage",
            "{existingClaim: shared, size: 5Gi}",
            "set exactly one of storage.existingClaim or storage.size"),
        Arguments.of(
            "spec.teacher.torchscript",
            "/models/teacher.pt",
            "teacher needs exactly one of architecture or torchscript"),
        Arguments.of("spec.student.architecture", null, "student.architecture is required"),
        Arguments.of("spec.runPolicy.backoffLimit", "-1", "spec.runPolicy.backoffLimit"),
        Arguments.of("spec.image", "\"kdflow trainer\"", "spec.image"),
        Arguments.of(
            "spec.scheduling.priorityClassName", "Bad_Name", "spec.scheduling.priorityClassName"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("malformed")
  void malformedManifestsAreRejectedAtAdmissionNamingTheField(
      String path, String value, String named, TestNamespace ns, ControlPlane plane) {
    String manifest = Manifests.with(VALID, path, value);
    for (String[] apply :
        new String[][] {{"apply"}, {"apply", "--server-side", "--field-manager=kubectl-test"}}) {
      ShellResult result =
          plane.kubectlWithInput(manifest, concat(apply, "-n", ns.name(), "-f", "-"));
      assertThat(result.exitCode())
          .as(String.join(" ", apply) + ": " + result.stdout())
          .isNotZero();
      // Admission says "The KDExperiment "malformed" is invalid: <field>: ..."; server-side apply
      // rejects a wrongly typed value earlier, naming the field as ".spec.training.maxEpochs".
      assertThat(result.stderr())
          .as(String.join(" ", apply))
          .containsAnyOf("The KDExperiment \"malformed\" is invalid", "/malformed;")
          .contains(named);
    }
    assertThat(
            ns.client()
                .genericKubernetesResources("kdflow.dev/v1alpha1", "KDExperiment")
                .inNamespace(ns.name())
                .list()
                .getItems())
        .as("nothing stored")
        .isEmpty();
  }

  private static String[] concat(String[] head, String... tail) {
    return Stream.concat(Stream.of(head), Stream.of(tail)).toArray(String[]::new);
  }
}
