package dev.kdflow.operator.testing;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.Map;

/** Manifests as text, changed one field at a time (to build malformed ones from a valid one). */
public final class Manifests {
  private Manifests() {}

  /**
   * The YAML manifest with the value at a dotted path set (created along the way) or, when {@code
   * yamlValue} is null, removed. The value is YAML: {@code 0}, {@code "ten"}, {@code {a: 1}}.
   */
  public static String with(String manifest, String path, String yamlValue) {
    Map<String, Object> root = Serialization.unmarshal(manifest, mapType());
    String[] parts = path.split("\\.");
    Map<String, Object> parent = root;
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = parent.get(parts[i]);
      if (!(child instanceof Map)) {
        child = new LinkedHashMap<String, Object>();
        parent.put(parts[i], child);
      }
      parent = cast(child);
    }
    String last = parts[parts.length - 1];
    if (yamlValue == null) {
      if (parent.remove(last) == null) {
        throw new IllegalArgumentException("nothing to remove at " + path);
      }
    } else {
      Map<String, Object> value = Serialization.unmarshal("v: " + yamlValue, mapType());
      parent.put(last, value.get("v"));
    }
    return Serialization.asYaml(root);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object map) {
    return (Map<String, Object>) map;
  }

  @SuppressWarnings("unchecked")
  private static Class<Map<String, Object>> mapType() {
    return (Class<Map<String, Object>>) (Class<?>) Map.class;
  }
}
