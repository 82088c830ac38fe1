package dev.kdflow.operator.packaging;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/** The kdflow chart rendered by {@code helm template}, parsed into Fabric8 objects. */
final class RenderedChart {
  static final String RELEASE = "kdflow";
  static final String NAMESPACE = "kdflow-system";

  /** Without a cluster, helm assumes Kubernetes 1.20, older than the chart's kubeVersion. */
  static final String KUBE_VERSION = "1.31.0";

  final String yaml;
  final List<HasMetadata> objects;

  private RenderedChart(String yaml, List<HasMetadata> objects) {
    this.yaml = yaml;
    this.objects = objects;
  }

  static Path chartDir() {
    return RepositoryFiles.resolve("helm/kdflow");
  }

  /** Renders the chart as release {@value #RELEASE} in {@value #NAMESPACE} with these --set. */
  static RenderedChart render(Map<String, Object> values) {
    return render(RELEASE, NAMESPACE, values);
  }

  /** Renders the chart as this release in this namespace with these --set. */
  static RenderedChart render(String release, String namespace, Map<String, Object> values) {
    TemplateCommand template =
        new Helm(chartDir())
            .template()
            .withName(release)
            .withNamespace(namespace)
            .withKubeVersion(KUBE_VERSION);
    values.forEach(template::set);
    String yaml = template.call();
    return new RenderedChart(yaml, parse(yaml));
  }

  @SuppressWarnings("unchecked")
  static List<HasMetadata> parse(String yaml) {
    Object parsed =
        new KubernetesSerialization()
            .unmarshal(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    if (parsed instanceof List<?> list) {
      return list.stream()
          .filter(Objects::nonNull)
          .map(HasMetadata.class::cast)
          .collect(Collectors.toList());
    }
    if (parsed instanceof KubernetesResource) {
      return List.of((HasMetadata) parsed);
    }
    return List.of();
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
  }

  /** The only object of this type; fails when there are none or several. */
  <T extends HasMetadata> T one(Class<T> type) {
    List<T> found = all(type);
    if (found.size() != 1) {
      throw new AssertionError(
          "Expected one " + type.getSimpleName() + " but found " + found.size() + " in\n" + yaml);
    }
    return found.get(0);
  }

  List<String> kinds() {
    return objects.stream().map(HasMetadata::getKind).sorted().collect(Collectors.toList());
  }
}
