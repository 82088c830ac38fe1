package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The chart ships exactly the generated CRD from crds/, byte for byte. */
class ChartCrdIT {
  static final String CRD_FILE = "kdexperiments.kdflow.dev-v1.yml";

  @Test
  void chartCrdIsTheGeneratedCrd() throws IOException {
    Path generated = RepositoryFiles.resolve("crds").resolve(CRD_FILE);
    assumeTrue(
        Files.exists(generated),
        "crds/" + CRD_FILE + " is generated from the api classes and not present in this checkout");
    Path inChart = RenderedChart.chartDir().resolve("crds").resolve(CRD_FILE);

    assertThat(Files.readAllBytes(inChart))
        .as(
            "helm/kdflow/crds/%s differs from the generated crds/%s; refresh it with: cp crds/%s"
                + " helm/kdflow/crds/",
            CRD_FILE, CRD_FILE, CRD_FILE)
        .isEqualTo(Files.readAllBytes(generated));
  }

  @Test
  void chartShipsOnlyTheKDExperimentCrd() throws IOException {
    Path crdDir = RenderedChart.chartDir().resolve("crds");
    try (Stream<Path> files = Files.list(crdDir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(CRD_FILE);
    }
    try (InputStream in = Files.newInputStream(crdDir.resolve(CRD_FILE))) {
      CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
      assertThat(crd.getMetadata().getName()).isEqualTo("kdexperiments.kdflow.dev");
      assertThat(crd.getSpec().getGroup()).isEqualTo("kdflow.dev");
      assertThat(crd.getSpec().getNames().getKind()).isEqualTo("KDExperiment");
      assertThat(crd.getSpec().getNames().getShortNames()).isEqualTo(List.of("kdx"));
      assertThat(crd.getSpec().getVersions())
          .anySatisfy(
              version -> {
                assertThat(version.getName()).isEqualTo("v1alpha1");
                assertThat(version.getSubresources().getStatus()).isNotNull();
              });
    }
  }
}
