package dev.kdflow.operator.crd;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The CRD the build generated from the api types (target/crds), and the committed copy. */
public final class GeneratedCrd {
  private GeneratedCrd() {}

  /** The freshly generated CRD file. */
  public static Path generatedFile() {
    return Path.of(
        System.getProperty("kdflow.crd.generated", "target/crds/kdexperiments.kdflow.dev-v1.yml"));
  }

  /** The committed CRD file under crds/. */
  public static Path committedFile() {
    return Path.of(
        System.getProperty("kdflow.crd.committed", "../crds/kdexperiments.kdflow.dev-v1.yml"));
  }

  /** The generated CRD, parsed. */
  public static CustomResourceDefinition load() {
    try (InputStream in = Files.newInputStream(generatedFile())) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new IllegalStateException(
          "the generated CRD is missing; build with mvn -pl operator -am process-classes", e);
    }
  }

  /** The openAPIV3Schema of the only version. */
  public static JSONSchemaProps schema(CustomResourceDefinition crd) {
    return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
  }

  /** The schema at a dotted path below the root, e.g. {@code spec.kd.loss}. */
  public static JSONSchemaProps at(CustomResourceDefinition crd, String path) {
    JSONSchemaProps s = schema(crd);
    for (String part : path.split("\\.")) {
      // "name[]": the schema of the list's items
      boolean items = part.endsWith("[]");
      String name = items ? part.substring(0, part.length() - 2) : part;
      if (s.getProperties() == null || !s.getProperties().containsKey(name)) {
        throw new IllegalArgumentException("no schema at " + path + " (missing " + name + ")");
      }
      s = s.getProperties().get(name);
      if (items) {
        s = s.getItems().getSchema();
      }
    }
    return s;
  }
}
