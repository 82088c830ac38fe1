package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.Architectures;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.validation.KDExperimentValidator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * examples/gitops builds, applies to an API server, and uses the api's own field names. Why the
 * mock: these are checks of content, kept in the fast {@code test} phase; the same manifests are
 * applied with real kubectl to the real API server by {@code ExamplesOnApiServerIT}.
 */
@EnableKubernetesMockClient(crud = true)
class GitOpsExamplesIT {
  static final Path EXAMPLES = RepositoryFiles.resolve("examples/gitops");

  KubernetesClient client;
  CustomResourceDefinition crd;

  @BeforeEach
  void installCrd() throws IOException {
    crd = ExampleCluster.installCrd(client);
  }

  @Test
  void theKustomizationAppliesANamespaceAClaimAndTheDistillation() throws IOException {
    List<GenericKubernetesResource> objects = Kustomization.build(EXAMPLES);

    assertThat(objects)
        .extracting(HasMetadata::getKind, o -> o.getMetadata().getName())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Namespace", "kdflow-examples"),
            org.assertj.core.groups.Tuple.tuple("PersistentVolumeClaim", "kdflow-checkpoints"),
            org.assertj.core.groups.Tuple.tuple("PersistentVolumeClaim", "fashion-mnist-data"),
            org.assertj.core.groups.Tuple.tuple("KDExperiment", "fashion-mnist-kd"));
    ExampleCluster.apply(client, crd, objects);

    KDExperiment kd = read("fashion-mnist-kd");
    assertThat(kd.getSpec().getStudent().getArchitecture()).isEqualTo("mlp");
    assertThat(kd.getSpec().getStudent().getArchParams())
        .containsEntry("hiddenSizes", List.of(800, 800));
    assertThat(kd.getSpec().getTeacher().getArchitecture()).isEqualTo("resnet_small");
    assertThat(kd.getSpec().getTeacher().getCheckpoint().getCheckpointPath())
        .isEqualTo("/checkpoints/fashion-mnist-teacher/ckpt_best");
    assertThat(kd.getStatus()).isNull();
    assertThat(
            client
                .persistentVolumeClaims()
                .inNamespace("kdflow-examples")
                .withName("kdflow-checkpoints")
                .get()
                .getSpec()
                .getResources()
                .getRequests()
                .get("storage")
                .toString())
        .isEqualTo("5Gi");
  }

  @Test
  void theTeacherStageWritesTheCheckpointTheDistillationLoads() throws IOException {
    List<GenericKubernetesResource> teacherStage = Kustomization.build(EXAMPLES.resolve("teacher"));
    ExampleCluster.apply(client, crd, teacherStage);
    ExampleCluster.apply(client, crd, Kustomization.build(EXAMPLES));

    KDExperiment teacher = read("fashion-mnist-teacher");
    KDExperiment kd = read("fashion-mnist-kd");
    assertThat(teacher.getSpec().getTeacher()).isNull();
    assertThat(teacher.getSpec().getStudent().getArchitecture())
        .isEqualTo(kd.getSpec().getTeacher().getArchitecture());
    assertThat(teacher.getSpec().getStudent().getArchParams())
        .isEqualTo(kd.getSpec().getTeacher().getArchParams());
    // <mountPath>/<experiment>/ckpt_best on the claim both stages mount.
    Map<String, Object> teacherStorage = storage(teacherStage, "fashion-mnist-teacher");
    Map<String, Object> kdStorage = storage(Kustomization.build(EXAMPLES), "fashion-mnist-kd");
    assertThat(teacherStorage.get("existingClaim")).isEqualTo(kdStorage.get("existingClaim"));
    assertThat(kd.getSpec().getTeacher().getCheckpoint().getCheckpointPath())
        .isEqualTo(
            kdStorage.get("mountPath") + "/" + teacher.getMetadata().getName() + "/ckpt_best");
  }

  @Test
  void examplesUseOnlyArchitecturesAndParametersTheTrainerKnows() throws IOException {
    for (Path dir : List.of(EXAMPLES, EXAMPLES.resolve("teacher"))) {
      for (GenericKubernetesResource object : Kustomization.build(dir)) {
        if (!"KDExperiment".equals(object.getKind())) {
          continue;
        }
        KDExperiment experiment = typed(object);
        KDExperimentSpec spec = experiment.getSpec();
        String name = object.getMetadata().getName();
        assertThat(Architectures.find(spec.getStudent().getArchitecture())).as(name).isPresent();
        assertThat(
                KDExperimentValidator.validateArchitecture(
                    "spec.student",
                    spec.getStudent().getArchitecture(),
                    spec.getStudent().getArchParams()))
            .as(name)
            .isEmpty();
        if (spec.getTeacher() != null) {
          assertThat(
                  KDExperimentValidator.validateArchitecture(
                      "spec.teacher",
                      spec.getTeacher().getArchitecture(),
                      spec.getTeacher().getArchParams()))
              .as(name)
              .isEmpty();
        }
        // The operator's whole rule set accepts them, without a warning.
        assertThat(KDExperimentValidator.validate(experiment)).as(name).isEmpty();
      }
    }
  }

  @Test
  void everySpecFieldIsAnApiField() throws IOException {
    assumeTrue(
        hasProperty("storage") && hasProperty("resources") && hasProperty("runPolicy"),
        "KDExperimentSpec has no cluster fields (storage, resources, runPolicy) in this checkout");
    ObjectMapper strict =
        new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    for (Path dir : List.of(EXAMPLES, EXAMPLES.resolve("teacher"))) {
      for (GenericKubernetesResource object : Kustomization.build(dir)) {
        if ("KDExperiment".equals(object.getKind())) {
          strict.convertValue(object.getAdditionalProperties().get("spec"), KDExperimentSpec.class);
        }
      }
    }
  }

  /** The experiment as stored in the API server, read through the api types. */
  private KDExperiment read(String name) {
    return typed(
        client
            .genericKubernetesResources(CustomResourceDefinitionContext.fromCrd(crd))
            .inNamespace("kdflow-examples")
            .withName(name)
            .get());
  }

  /**
   * Reads a KDExperiment through the api types. Cluster-only fields the api of this checkout does
   * not have yet are left out; any other unknown field fails.
   */
  static KDExperiment typed(GenericKubernetesResource object) {
    GenericKubernetesResource copy = Serialization.clone(object);
    Map<String, Object> spec = copy.get("spec");
    for (String clusterField :
        List.of("image", "resources", "scheduling", "storage", "runPolicy")) {
      if (!hasProperty(clusterField)) {
        spec.remove(clusterField);
      }
    }
    return Serialization.unmarshal(Serialization.asJson(copy), KDExperiment.class);
  }

  private static boolean hasProperty(String name) {
    ObjectMapper mapper = new ObjectMapper();
    return mapper
        .getSerializationConfig()
        .introspect(mapper.constructType(KDExperimentSpec.class))
        .findProperties()
        .stream()
        .anyMatch(p -> p.getName().equals(name));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> storage(List<GenericKubernetesResource> objects, String name) {
    GenericKubernetesResource experiment =
        objects.stream()
            .filter(o -> o.getMetadata().getName().equals(name))
            .findFirst()
            .orElseThrow();
    return experiment.get("spec", "storage");
  }
}
