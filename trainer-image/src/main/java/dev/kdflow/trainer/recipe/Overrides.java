package dev.kdflow.trainer.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.ValidationProblem;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies command-line overrides {@code key.path=value} to a parsed document. The value is read as
 * YAML, so {@code 3}, {@code 0.5}, {@code true}, {@code [1,2]} and {@code {a: 1}} keep their types;
 * quote a value to force a string.
 */
public final class Overrides {
  private static final ObjectMapper YAML = new YAMLMapper();

  private Overrides() {}

  /**
   * Sets each override in {@code root}, creating intermediate objects as needed.
   *
   * @param root the document (modified in place)
   * @param overrides {@code key.path=value} strings
   * @param prefix a path prefix added to every key (e.g. {@code spec} for manifests), unless the
   *     key already starts with it
   * @throws InvalidExperimentException naming every malformed override
   */
  public static void apply(ObjectNode root, List<String> overrides, String prefix) {
    List<ValidationProblem> problems = new ArrayList<>();
    for (String override : overrides) {
      int eq = override.indexOf('=');
      if (eq <= 0) {
        problems.add(
            ValidationProblem.error(
                "override '" + override + "'",
                "expected key.path=value, e.g. training.maxEpochs=3"));
        continue;
      }
      String key = override.substring(0, eq).trim();
      String text = override.substring(eq + 1);
      if (prefix != null && !key.equals(prefix) && !key.startsWith(prefix + ".")) {
        key = prefix + "." + key;
      }
      String[] parts = key.split("\\.", -1);
      JsonNode value;
      try {
        value = text.isEmpty() ? YAML.nullNode() : YAML.readTree(text);
        if (value == null || value.isMissingNode()) {
          value = YAML.nullNode();
        }
      } catch (Exception e) {
        problems.add(
            ValidationProblem.error(key, "override value '" + text + "' is not valid YAML"));
        continue;
      }
      ObjectNode node = root;
      boolean ok = true;
      for (int i = 0; i < parts.length - 1 && ok; i++) {
        if (parts[i].isEmpty()) {
          ok = false;
          break;
        }
        JsonNode child = node.get(parts[i]);
        if (child == null || child.isNull()) {
          node = node.putObject(parts[i]);
        } else if (child.isObject()) {
          node = (ObjectNode) child;
        } else {
          problems.add(
              ValidationProblem.error(
                  key,
                  "cannot set a key inside "
                      + String.join(".", java.util.Arrays.copyOf(parts, i + 1))
                      + ", which is not an object"));
          ok = false;
        }
      }
      if (ok && !parts[parts.length - 1].isEmpty()) {
        node.set(parts[parts.length - 1], value);
      } else if (ok) {
        problems.add(ValidationProblem.error("override '" + override + "'", "empty key segment"));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidExperimentException(problems);
    }
  }
}
