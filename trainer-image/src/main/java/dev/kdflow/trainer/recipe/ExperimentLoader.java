package dev.kdflow.trainer.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.ValidationProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads an experiment from a file: either a {@code KDExperiment} manifest (the file a user would
 * {@code kubectl apply}) or a SuperGradients KD recipe. Overrides are applied before binding, and
 * every unknown key or wrongly typed value is reported with its field path.
 */
public final class ExperimentLoader {
  private static final ObjectMapper YAML =
      YAMLMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .build();

  /** What kind of file was read. */
  public enum Format {
    MANIFEST,
    RECIPE
  }

  /**
   * A loaded experiment.
   *
   * @param experiment the experiment, overrides applied
   * @param format the file's format
   */
  public record Loaded(KDExperiment experiment, Format format) {}

  private ExperimentLoader() {}

  /** Reads a manifest or recipe, whichever the file holds. */
  public static Loaded load(Path file, List<String> overrides) {
    ObjectNode root = readTree(file);
    if (root.has("apiVersion") || root.has("kind")) {
      return new Loaded(loadManifest(root, overrides), Format.MANIFEST);
    }
    return new Loaded(
        loadRecipe(root, overrides, baseName(file), file.toAbsolutePath().getParent()),
        Format.RECIPE);
  }

  /** Reads a file that must be a KDExperiment manifest. */
  public static KDExperiment loadManifest(Path file, List<String> overrides) {
    return loadManifest(readTree(file), overrides);
  }

  /** Reads a file that must be a SuperGradients KD recipe. */
  public static KDExperiment loadRecipe(Path file, List<String> overrides) {
    return loadRecipe(readTree(file), overrides, baseName(file), file.toAbsolutePath().getParent());
  }

  private static KDExperiment loadManifest(ObjectNode root, List<String> overrides) {
    String apiVersion = root.path("apiVersion").asText("");
    String kind = root.path("kind").asText("");
    if (!KDExperiment.API_VERSION.equals(apiVersion) || !KDExperiment.KIND.equals(kind)) {
      throw new InvalidExperimentException(
          "apiVersion/kind",
          "expected apiVersion: "
              + KDExperiment.API_VERSION
              + " and kind: "
              + KDExperiment.KIND
              + ", got "
              + apiVersion
              + " / "
              + kind);
    }
    if (!root.path("metadata").path("name").isTextual()) {
      throw new InvalidExperimentException("metadata.name", "required (the experiment's name)");
    }
    Overrides.apply(root, overrides, "spec");
    // Status is the operator's business; a manifest exported from a cluster may carry one.
    root.remove("status");
    try {
      return YAML.treeToValue(root, KDExperiment.class);
    } catch (JsonProcessingException e) {
      throw new InvalidExperimentException(List.of(describe(e)), e);
    } catch (IllegalArgumentException e) {
      throw new InvalidExperimentException(
          List.of(
              e.getCause() instanceof JsonProcessingException jpe
                  ? describe(jpe)
                  : ValidationProblem.error("", e.getMessage())),
          e);
    }
  }

  private static KDExperiment loadRecipe(
      ObjectNode root, List<String> overrides, String name, Path recipeDir) {
    return SGRecipeMapper.map(resolveRecipe(root, overrides, recipeDir), name);
  }

  /**
   * A recipe as SuperGradients reads it: Hydra defaults composed, overrides applied, recipe
   * shortcuts ({@code lr}, {@code batch_size}, ...) and {@code ${...}} interpolations resolved.
   *
   * @param root the recipe as read
   * @param overrides {@code key.path=value} strings
   * @param recipeDir where the recipe's own config groups are looked up first
   */
  public static ObjectNode resolveRecipe(ObjectNode root, List<String> overrides, Path recipeDir) {
    ObjectNode composed = HydraRecipe.compose(root, recipeDir);
    Overrides.apply(composed, overrides, null);
    HydraRecipe.applyShortcuts(composed);
    HydraRecipe.interpolate(composed);
    return composed;
  }

  private static ObjectNode readTree(Path file) {
    if (!Files.isRegularFile(file)) {
      throw fileProblem(file, "no such file");
    }
    JsonNode node;
    try {
      node = YAML.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      // SnakeYAML's message spans several lines (with a source excerpt); its first line says it.
      String what = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().strip();
      int newline = what.indexOf('\n');
      throw fileProblem(
          file,
          "not valid YAML"
              + where
              + ": "
              + (newline > 0 ? what.substring(0, newline).strip() : what));
    } catch (IOException e) {
      throw fileProblem(file, "cannot read: " + e.getMessage());
    }
    if (node == null || node.isMissingNode() || node.isNull()) {
      throw fileProblem(
          file, "the file is empty; write a KDExperiment manifest or a recipe into it");
    }
    if (!node.isObject()) {
      throw fileProblem(file, "must hold a YAML mapping (a manifest or a recipe)");
    }
    return (ObjectNode) node;
  }

  /** A problem of the file as a whole (it names the file even without a caller to say which). */
  private static InvalidExperimentException fileProblem(Path file, String message) {
    return new InvalidExperimentException(
        List.of(
            new ValidationProblem(file.toString(), "", message, ValidationProblem.Severity.ERROR)));
  }

  /**
   * The {@code apiVersion} and {@code kind} of a Kubernetes object that is not a KDExperiment (a
   * Kustomization, a Namespace, ... beside the experiments in a GitOps repository), e.g. {@code
   * v1/Namespace}; empty for a KDExperiment manifest and for a recipe.
   *
   * @throws InvalidExperimentException when the file cannot be read as YAML
   */
  public static java.util.Optional<String> otherKind(Path file) {
    ObjectNode root = readTree(file);
    if (!root.has("apiVersion") && !root.has("kind")) {
      return java.util.Optional.empty();
    }
    String kind = root.path("kind").asText("");
    String apiVersion = root.path("apiVersion").asText("");
    // A KDExperiment with a wrong apiVersion, or a kdflow kind with a typo, is checked (and
    // refused), not skipped.
    return KDExperiment.KIND.equals(kind) || apiVersion.startsWith(KDExperiment.GROUP + "/")
        ? java.util.Optional.empty()
        : java.util.Optional.of(apiVersion + "/" + kind);
  }

  private static String baseName(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  /** Turns Jackson's binding error into a problem naming the field path. */
  static ValidationProblem describe(JsonProcessingException e) {
    String path = "";
    if (e instanceof JsonMappingException jme) {
      path =
          jme.getPath().stream()
              .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
              .collect(Collectors.joining("."))
              .replace(".[", "[");
    }
    if (e instanceof UnrecognizedPropertyException upe) {
      return ValidationProblem.error(
          path,
          "unknown field; known fields here: "
              + upe.getKnownPropertyIds().stream()
                  .map(Object::toString)
                  .sorted()
                  .collect(Collectors.joining(", ")));
    }
    if (e instanceof InvalidFormatException ife) {
      String expected = ife.getTargetType() == null ? "" : typeName(ife.getTargetType());
      return ValidationProblem.error(
          path, "must be " + expected + ", got '" + ife.getValue() + "'");
    }
    if (e instanceof MismatchedInputException mie) {
      return ValidationProblem.error(path, "must be " + typeName(mie.getTargetType()));
    }
    return ValidationProblem.error(path, e.getOriginalMessage());
  }

  private static String typeName(Class<?> type) {
    if (type == null) {
      return "another type";
    }
    if (type.isEnum()) {
      return "one of "
          + java.util.Arrays.stream(type.getEnumConstants())
              .map(c -> YAML.convertValue(c, String.class))
              .collect(Collectors.joining(", "));
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "a mapping (" + type.getSimpleName() + ")";
  }
}
