package dev.kdflow.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.ResourcesSpec;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.operator.testing.Experiments;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The committed CRD is exactly what the generator makes from the api types. To refresh it after
 * changing the api: {@code mvn -pl operator -am test -Dtest=CrdTest -Dkdflow.crd.update=true}.
 */
class CrdTest {
  private final CustomResourceDefinition crd = GeneratedCrd.load();

  @Test
  void committedCrdMatchesTheGeneratedOne() throws IOException {
    String generated = Files.readString(GeneratedCrd.generatedFile());
    if (Boolean.getBoolean("kdflow.crd.update")) {
      Files.createDirectories(GeneratedCrd.committedFile().getParent());
      var tmp = GeneratedCrd.committedFile().resolveSibling(".kdexperiments.tmp");
      Files.writeString(tmp, generated);
      Files.move(
          tmp,
          GeneratedCrd.committedFile(),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    }
    assertThat(GeneratedCrd.committedFile()).exists();
    assertThat(Files.readString(GeneratedCrd.committedFile()))
        .as(
            "crds/kdexperiments.kdflow.dev-v1.yml is stale; refresh it with"
                + " mvn -pl operator -am test -Dtest=CrdTest -Dkdflow.crd.update=true")
        .isEqualTo(generated);
  }

  @Test
  void namesShortNameCategoryAndStatusSubresource() {
    assertThat(crd.getMetadata().getName()).isEqualTo("kdexperiments.kdflow.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("kdx");
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("kdflow");
    assertThat(crd.getSpec().getVersions().get(0).getName()).isEqualTo("v1alpha1");
    assertThat(crd.getSpec().getVersions().get(0).getSubresources().getStatus()).isNotNull();
  }

  @Test
  void printerColumns() {
    Map<String, CustomResourceColumnDefinition> cols =
        crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
            .collect(Collectors.toMap(CustomResourceColumnDefinition::getName, c -> c));
    assertThat(cols.keySet())
        .containsExactlyInAnyOrder(
            "Phase", "Ready", "Epoch", "Best-Top1", "Age", "Student", "Teacher");
    assertThat(cols.get("Phase").getJsonPath()).isEqualTo(".status.phase");
    assertThat(cols.get("Ready").getJsonPath())
        .isEqualTo(".status.conditions[?(@.type==\"Ready\")].status");
    assertThat(cols.get("Epoch").getJsonPath()).isEqualTo(".status.progress.summary");
    assertThat(cols.get("Best-Top1").getJsonPath()).isEqualTo(".status.metrics.best.top1");
    assertThat(cols.get("Age").getType()).isEqualTo("date");
    assertThat(cols.get("Student").getPriority()).isEqualTo(1);
    assertThat(cols.get("Teacher").getPriority()).isEqualTo(1);
    assertThat(cols.get("Phase").getPriority()).isZero();
    // every column points at a field the schema declares
    for (CustomResourceColumnDefinition c : cols.values()) {
      String path = c.getJsonPath().replaceAll("\\[.*\\]", "").substring(1);
      if (!path.startsWith("metadata")) {
        assertThat(
                GeneratedCrd.at(
                    crd, path.replaceAll("^status\\.conditions.*", "status.conditions")))
            .as(c.getName())
            .isNotNull();
      }
    }
  }

  @Test
  void requiredFields() {
    assertThat(GeneratedCrd.at(crd, "spec").getRequired())
        .containsExactlyInAnyOrder("student", "training");
    assertThat(GeneratedCrd.at(crd, "spec.training").getRequired())
        .containsExactlyInAnyOrder("maxEpochs", "initialLr");
  }

  /** The schema and the rule set draw the line for GPUs at the same place: one device a run. */
  @Test
  void theGpuBoundOfTheSchemaIsTheValidatorsBound() {
    JSONSchemaProps gpus = GeneratedCrd.at(crd, "spec.resources.gpus");
    assertThat(gpus.getMaximum()).isEqualTo((double) ResourcesSpec.MAX_GPUS);
    assertThat(gpus.getMinimum()).isZero();
    for (int n = -1; n <= ResourcesSpec.MAX_GPUS + 1; n++) {
      KDExperiment kdx = Experiments.kd("gpus");
      kdx.getSpec().getResources().setGpus(n);
      boolean schemaAccepts = n >= gpus.getMinimum() && n <= gpus.getMaximum();
      assertThat(KDExperimentValidator.validate(kdx))
          .as("gpus: %d", n)
          .extracting(ValidationProblem::fieldPath)
          .containsExactlyElementsOf(schemaAccepts ? List.of() : List.of("spec.resources.gpus"));
    }
  }

  @Test
  void defaultsAndBounds() {
    assertThat(GeneratedCrd.at(crd, "spec.resources.gpus").getDefault().asInt()).isEqualTo(1);
    assertThat(GeneratedCrd.at(crd, "spec.storage.mountPath").getDefault().asText())
        .isEqualTo("/checkpoints");
    assertThat(GeneratedCrd.at(crd, "spec.runPolicy.backoffLimit").getDefault().asInt())
        .isEqualTo(3);
    assertThat(GeneratedCrd.at(crd, "spec.runPolicy.suspend").getDefault().asBoolean()).isFalse();
    assertThat(GeneratedCrd.at(crd, "spec.training.maxEpochs").getMinimum()).isEqualTo(1.0);
    assertThat(GeneratedCrd.at(crd, "spec.dataset.batchSize").getMinimum()).isEqualTo(1.0);
    assertThat(GeneratedCrd.at(crd, "spec.dataset.type").getEnum())
        .extracting(n -> n.asText())
        .containsExactlyInAnyOrder("fashionMnist", "mnist", "cifar10", "imageFolder");
    assertThat(GeneratedCrd.at(crd, "status.phase").getEnum())
        .extracting(n -> n.asText())
        .containsExactlyInAnyOrder(
            "Pending", "Initializing", "Running", "Suspended", "Succeeded", "Failed");
    assertThat(GeneratedCrd.at(crd, "status.checkpoints.history").getMaxItems()).isEqualTo(10L);
    assertThat(GeneratedCrd.at(crd, "status.lastFailure.message").getMaxLength()).isEqualTo(1024L);
  }

  @Test
  void archParamsAcceptAnyValues() {
    JSONSchemaProps arch = GeneratedCrd.at(crd, "spec.student.archParams");
    assertThat(arch.getXKubernetesPreserveUnknownFields()).isTrue();
    assertThat(arch.getAdditionalProperties()).isNull();
  }

  /** kubectl explain kdx.spec... is useful only when every field says what it is. */
  @Test
  void everyKdflowFieldHasADescription() {
    List<String> missing = new ArrayList<>();
    walk("spec", GeneratedCrd.at(crd, "spec"), missing);
    walk("status", GeneratedCrd.at(crd, "status"), missing);
    assertThat(missing).isEmpty();
  }

  /**
   * Kubernetes' own types (tolerations, affinity, the pod template's volumes, mounts, env and pull
   * secrets) are documented upstream; the fields that hold them are described here, and so are the
   * conditions' fields (KDExperimentStatus adds their descriptions).
   */
  private static final Set<String> UPSTREAM =
      Set.of(
          "spec.scheduling.tolerations",
          "spec.scheduling.affinity",
          "spec.podTemplate.imagePullSecrets",
          "spec.podTemplate.env",
          "spec.podTemplate.envFrom",
          "spec.podTemplate.volumes",
          "spec.podTemplate.volumeMounts");

  private static void walk(String path, JSONSchemaProps s, List<String> missing) {
    if (UPSTREAM.contains(path)) {
      return;
    }
    if (s.getProperties() != null) {
      s.getProperties()
          .forEach(
              (name, child) -> {
                String p = path + "." + name;
                if (child.getDescription() == null || child.getDescription().isBlank()) {
                  missing.add(p);
                }
                walk(p, child, missing);
              });
    }
    if (s.getItems() != null && s.getItems().getSchema() != null) {
      walk(path + "[]", s.getItems().getSchema(), missing);
    }
  }
}
