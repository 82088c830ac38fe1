package dev.kdflow.operator.packaging;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;

/**
 * An in-memory API server as the examples meet it: the chart's CRD installed, then kubectl apply.
 */
final class ExampleCluster {
  private ExampleCluster() {}

  /** Installs the CRD the chart ships (what {@code helm install} does first). */
  static CustomResourceDefinition installCrd(KubernetesClient client) throws IOException {
    try (InputStream in =
        Files.newInputStream(
            RenderedChart.chartDir().resolve("crds").resolve(ChartCrdIT.CRD_FILE))) {
      CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
      return client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
  }

  /** Creates or updates each object, like {@code kubectl apply}; keeps unknown fields. */
  static void apply(
      KubernetesClient client,
      CustomResourceDefinition crd,
      List<GenericKubernetesResource> objects) {
    CustomResourceDefinitionContext kdExperiments = CustomResourceDefinitionContext.fromCrd(crd);
    for (GenericKubernetesResource object : objects) {
      if (crd.getSpec().getNames().getKind().equals(object.getKind())) {
        client
            .genericKubernetesResources(kdExperiments)
            .inNamespace(object.getMetadata().getNamespace())
            .resource(object)
            .createOr(NonDeletingOperation::update);
      } else {
        client.resource(object).createOr(NonDeletingOperation::update);
      }
    }
  }
}
