package dev.kdflow.operator.packaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of {@code kubectl apply -k} the examples use: {@code resources} (files and kustomization
 * directories), in order. Any other kustomization feature fails, so the examples stay within what
 * this reads.
 */
final class Kustomization {
  static final Set<String> SUPPORTED_KEYS = Set.of("apiVersion", "kind", "resources");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Kustomization() {}

  /** The objects {@code kubectl apply -k dir} creates, in order. */
  static List<GenericKubernetesResource> build(Path dir) throws IOException {
    Path file = dir.resolve("kustomization.yaml");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("No kustomization.yaml in " + dir);
    }
    Map<?, ?> kustomization = YAML.readValue(file.toFile(), Map.class);
    for (Object key : kustomization.keySet()) {
      if (!SUPPORTED_KEYS.contains(key)) {
        throw new IllegalArgumentException(file + ": unsupported kustomization key " + key);
      }
    }
    List<GenericKubernetesResource> objects = new ArrayList<>();
    for (Object entry : (List<?>) kustomization.get("resources")) {
      Path resource = dir.resolve((String) entry).normalize();
      if (Files.isDirectory(resource)) {
        objects.addAll(build(resource));
      } else {
        objects.addAll(readManifests(resource));
      }
    }
    return objects;
  }

  /** The objects of a manifest file ({@code kubectl apply -f file}). */
  static List<GenericKubernetesResource> readManifests(Path file) throws IOException {
    List<GenericKubernetesResource> objects = new ArrayList<>();
    for (String document : Files.readString(file).split("(?m)^---\\s*$")) {
      if (document.lines().anyMatch(l -> !l.isBlank() && !l.strip().startsWith("#"))) {
        objects.add(Serialization.unmarshal(document, GenericKubernetesResource.class));
      }
    }
    return objects;
  }
}
