package dev.kdflow.api;

import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A CRD-generator schema customizer that merges a JSON object into the generated schema of a type,
 * recursively: nested objects (such as {@code properties}) are merged key by key, everything else
 * is replaced. Fabric8's own MergePatchCustomizer replaces a nested map as a whole, which would
 * drop the generated properties next to the ones patched.
 */
public class SchemaPatch implements SchemaCustomizer.Customizer {
  /** Used by the CRD generator. */
  public SchemaPatch() {}

  @Override
  @SuppressWarnings("unchecked")
  public JSONSchemaProps apply(
      JSONSchemaProps input, String patch, KubernetesSerialization serialization) {
    Map<String, Object> schema = serialization.convertValue(input, Map.class);
    Map<String, Object> changes = serialization.unmarshal(patch, Map.class);
    return serialization.convertValue(merge(schema, changes), JSONSchemaProps.class);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> merge(Map<String, Object> target, Map<String, Object> changes) {
    Map<String, Object> merged = new LinkedHashMap<>(target);
    changes.forEach(
        (key, value) -> {
          if (value instanceof Map<?, ?> nested && merged.get(key) instanceof Map<?, ?> existing) {
            merged.put(key, merge((Map<String, Object>) existing, (Map<String, Object>) nested));
          } else {
            merged.put(key, value);
          }
        });
    return merged;
  }
}
