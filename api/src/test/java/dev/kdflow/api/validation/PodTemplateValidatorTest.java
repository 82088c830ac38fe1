package dev.kdflow.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.PodTemplateOverrides;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** spec.podTemplate, spec.resources.gpuResourceName and spec.storage.claimRetention. */
class PodTemplateValidatorTest {
  /** A dataset on its own read-only claim, a teacher from a ConfigMap, and the other additions. */
  static final String VALID =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata: {name: imagenette-kd}
      spec:
        student: {architecture: cnn}
        teacher: {torchscript: /teacher/teacher.pt}
        training: {maxEpochs: 1, initialLr: 0.01}
        dataset: {type: imageFolder, path: /data/imagenette}
        resources: {gpus: 1, gpuResourceName: nvidia.com/mig-1g.10gb}
        storage: {size: 5Gi, claimRetention: Delete}
        podTemplate:
          labels: {team: vision}
          annotations: {example.com/cost-centre: "42"}
          serviceAccountName: trainer
          runtimeClassName: nvidia
          imagePullSecrets: [{name: registry}]
          env: [{name: HF_HOME, value: /tmp/hf}]
          envFrom: [{secretRef: {name: wandb}}]
          volumes:
          - name: dataset
            persistentVolumeClaim: {claimName: imagenette, readOnly: true}
          - name: teacher
            configMap: {name: teacher-ts}
          volumeMounts:
          - {name: dataset, mountPath: /data, readOnly: true}
          - {name: teacher, mountPath: /teacher, readOnly: true}
      """;

  static final com.fasterxml.jackson.databind.ObjectMapper YAML =
      new com.fasterxml.jackson.databind.ObjectMapper(
          new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

  static KDExperiment valid() {
    return Serialization.unmarshal(VALID, KDExperiment.class);
  }

  @Test
  void aDatasetClaimATeacherConfigMapAndTheOtherAdditionsAreValid() {
    assertThat(KDExperimentValidator.validate(valid())).isEmpty();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("spec.podTemplate.volumes[0].name", "operator's volumes", "volumes[0].name", "tmp"),
        bad("spec.podTemplate.volumes[1].name", "given twice", "volumes[1].name", "dataset"),
        bad("spec.podTemplate.volumes[0].name", "lower-case", "volumes[0].name", "Data_Set"),
        bad(
            "spec.podTemplate.volumes[0]",
            "exactly one volume source",
            "volumes[0].emptyDir",
            "{}"),
        bad(
            "spec.podTemplate.volumeMounts[0].name",
            "no volume 'datasets'",
            "volumeMounts[0].name",
            "datasets"),
        bad(
            "spec.podTemplate.volumeMounts[0].name",
            "operator's volume",
            "volumeMounts[0].name",
            "checkpoints"),
        bad(
            "spec.podTemplate.volumeMounts[0].mountPath",
            "/etc/kdflow",
            "volumeMounts[0].mountPath",
            "/etc/kdflow/extra"),
        bad(
            "spec.podTemplate.volumeMounts[0].mountPath",
            "the checkpoint volume",
            "volumeMounts[0].mountPath",
            "/checkpoints/dataset"),
        bad(
            "spec.podTemplate.volumeMounts[0].mountPath",
            "covers",
            "volumeMounts[0].mountPath",
            "/"),
        bad(
            "spec.podTemplate.volumeMounts[0].mountPath",
            "/opt/kdflow",
            "volumeMounts[0].mountPath",
            "/opt"),
        bad(
            "spec.podTemplate.volumeMounts[1].mountPath",
            "mounted twice",
            "volumeMounts[1].mountPath",
            "/data/"),
        bad(
            "spec.podTemplate.volumeMounts[0].mountPath",
            "absolute path",
            "volumeMounts[0].mountPath",
            "data"),
        bad(
            "spec.podTemplate.volumeMounts[0].subPath",
            "relative path",
            "volumeMounts[0].subPath",
            "../etc"),
        bad("spec.podTemplate.env[0].name", "set by the operator", "env[0].name", "HOME"),
        bad(
            "spec.podTemplate.env[0].name",
            "set by the operator",
            "env[0].name",
            "KDFLOW_EXPERIMENT"),
        bad("spec.podTemplate.env[0].name", "without '='", "env[0].name", "A=B"),
        bad(
            "spec.podTemplate.envFrom[0]",
            "exactly one of configMapRef or secretRef",
            "envFrom[0].configMapRef",
            "{name: settings}"),
        bad(
            "spec.podTemplate.labels.app.kubernetes.io/managed-by",
            "set by the operator",
            "labels",
            "{app.kubernetes.io/managed-by: me}"),
        bad(
            "spec.podTemplate.labels.kdflow.dev/experiment",
            "set by the operator",
            "labels",
            "{kdflow.dev/experiment: other}"),
        bad("spec.podTemplate.labels.job-name", "set by the operator", "labels", "{job-name: x}"),
        bad("spec.podTemplate.labels.team", "label value", "labels", "{team: 'a b'}"),
        bad(
            "spec.podTemplate.annotations.kdflow.dev/attempt",
            "operator's",
            "annotations",
            "{kdflow.dev/attempt: '9'}"),
        bad(
            "spec.podTemplate.serviceAccountName",
            "Kubernetes name",
            "serviceAccountName",
            "Trainer"),
        bad("spec.podTemplate.runtimeClassName", "Kubernetes name", "runtimeClassName", "nv idia"),
        bad(
            "spec.podTemplate.imagePullSecrets[0].name",
            "Kubernetes name",
            "imagePullSecrets[0].name",
            "Registry"),
        bad(
            "spec.resources.gpuResourceName",
            "extended resource",
            "/resources.gpuResourceName",
            "gpu"),
        bad(
            "spec.resources.gpuResourceName",
            "Kubernetes' own domain",
            "/resources.gpuResourceName",
            "kubernetes.io/gpu"),
        bad(
            "spec.storage.claimRetention",
            "only applies to a claim the operator creates",
            "/storage",
            "{existingClaim: mine, claimRetention: Retain}"));
  }

  /**
   * @param where a path under spec.podTemplate, or under spec when it starts with '/'
   * @param yaml the value set there
   */
  static Arguments bad(String path, String messagePart, String where, String yaml) {
    return Arguments.of(path, messagePart, where, yaml);
  }

  @ParameterizedTest(name = "{2} = {3}")
  @MethodSource("invalid")
  void namesTheFieldAndTheProblem(String path, String messagePart, String where, String yaml) {
    KDExperiment kdx = withValue(where, yaml);
    List<ValidationProblem> problems = KDExperimentValidator.validate(kdx);
    assertThat(problems)
        .as("problems of %s", path)
        .anySatisfy(
            p -> {
              assertThat(p.fieldPath()).isEqualTo(path);
              assertThat(p.message()).contains(messagePart);
              assertThat(p.isError()).isTrue();
            });
  }

  /** The valid manifest with one value replaced, through its YAML tree like a user's edit. */
  static KDExperiment withValue(String where, String yaml) {
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> doc = Serialization.unmarshal(VALID, java.util.Map.class);
    Object node = ((java.util.Map<?, ?>) doc.get("spec"));
    String path = where.startsWith("/") ? where.substring(1) : "podTemplate." + where;
    String[] parts = path.split("\\.");
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      Integer index = null;
      if (part.endsWith("]")) {
        index = Integer.valueOf(part.substring(part.indexOf('[') + 1, part.length() - 1));
        part = part.substring(0, part.indexOf('['));
      }
      @SuppressWarnings("unchecked")
      java.util.Map<String, Object> map = (java.util.Map<String, Object>) node;
      boolean last = i == parts.length - 1;
      if (index != null) {
        Object element = ((List<?>) map.get(part)).get(index);
        node = element;
        if (last) {
          throw new IllegalArgumentException("give a field of the list element");
        }
      } else if (last) {
        try {
          map.put(part, YAML.readValue(yaml, Object.class));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      } else {
        node = map.get(part);
      }
    }
    return Serialization.unmarshal(Serialization.asYaml(doc), KDExperiment.class);
  }

  @Test
  void theOperatorsOwnLabelsAndEnvAreAllReserved() {
    // ChildNames (operator) labels every pod with these; the validator must reject each one.
    for (String key : PodTemplateOverrides.OPERATOR_LABELS) {
      KDExperiment kdx = valid();
      kdx.getSpec().getPodTemplate().setLabels(java.util.Map.of(key, "x"));
      assertThat(KDExperimentValidator.hasErrors(KDExperimentValidator.validate(kdx)))
          .as(key)
          .isTrue();
    }
  }

  @Test
  void aDatasetPathOutsideEveryMountIsAWarning() {
    KDExperiment kdx = valid();
    kdx.getSpec().getDataset().setPath("/datasets/imagenette");
    List<ValidationProblem> problems = KDExperimentValidator.validate(kdx);
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.isError()).isFalse();
              assertThat(p.fieldPath()).isEqualTo("spec.dataset.path");
              assertThat(p.message()).contains("the trainer image must contain it");
            });
  }

  @Test
  void aDatasetOnAWritableMountIsAWarning() {
    KDExperiment kdx = valid();
    kdx.getSpec().getPodTemplate().getVolumeMounts().get(0).setReadOnly(null);
    kdx.getSpec().getPodTemplate().getVolumes().get(0).getPersistentVolumeClaim().setReadOnly(null);
    assertThat(KDExperimentValidator.validate(kdx))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.isError()).isFalse();
              assertThat(p.fieldPath()).isEqualTo("spec.dataset.path");
              assertThat(p.message()).contains("writable mount /data", "set readOnly: true");
            });
  }

  @Test
  void theImageFolderOnAReadOnlyClaimExampleHasNoProblems() throws java.io.IOException {
    java.nio.file.Path example =
        java.nio.file.Path.of("../examples/imagefolder/kd-readonly-claim.yaml");
    String manifest =
        Stream.of(java.nio.file.Files.readString(example).split("(?m)^---$"))
            .filter(doc -> doc.contains("kind: KDExperiment"))
            .findFirst()
            .orElseThrow();
    KDExperiment kdx = Serialization.unmarshal(manifest, KDExperiment.class);
    assertThat(kdx.getSpec().getPodTemplate().getVolumeMounts()).isNotEmpty();
    assertThat(KDExperimentValidator.validate(kdx)).as(example.toString()).isEmpty();
  }

  /** Kubernetes mounts a claim volume marked readOnly read-only, whatever the mount says. */
  @Test
  void aDatasetOnAReadOnlyClaimNeedsNoReadOnlyOnTheMount() {
    KDExperiment kdx = valid();
    kdx.getSpec().getPodTemplate().getVolumeMounts().get(0).setReadOnly(null);
    assertThat(KDExperimentValidator.validate(kdx)).isEmpty();
  }

  @Test
  void aDatasetUnderTheCheckpointVolumeIsFine() {
    KDExperiment kdx = valid();
    kdx.getSpec().getDataset().setPath("/checkpoints/data");
    assertThat(KDExperimentValidator.validate(kdx)).isEmpty();
  }

  @Test
  void aGpuResourceNameWithoutGpusIsAWarning() {
    KDExperiment kdx = valid();
    kdx.getSpec().getResources().setGpus(0);
    assertThat(KDExperimentValidator.validate(kdx))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.isError()).isFalse();
              assertThat(p.fieldPath()).isEqualTo("spec.resources.gpuResourceName");
            });
  }

  @Test
  void otherVendorsAndMigProfilesAreAccepted() {
    for (String name :
        List.of("nvidia.com/gpu", "nvidia.com/mig-3g.40gb", "amd.com/gpu", "gpu.intel.com/i915")) {
      KDExperiment kdx = valid();
      kdx.getSpec().getResources().setGpuResourceName(name);
      assertThat(KDExperimentValidator.validate(kdx)).as(name).isEmpty();
    }
  }
}
