package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelEvaluationException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Flux Kustomization in gitops/flux reconciles examples/gitops, and its CEL health expressions
 * give the same verdicts as the Argo CD health check on the same fixtures.
 */
class FluxHealthCheckIT {
  static final Path FLUX = RepositoryFiles.resolve("gitops/flux/kdflow-examples.yaml");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final List<String> TOP_LEVEL_FIELDS =
      List.of("apiVersion", "kind", "metadata", "spec", "status");

  static GenericKubernetesResource kustomization;
  static Map<String, Object> expressions;

  /** The healthCheckExprs of the Flux Kustomization, as plain YAML data. */
  static Object healthCheckExprs() throws IOException {
    readKustomization();
    return YAML.convertValue(kustomization.get("spec", "healthCheckExprs"), Object.class);
  }

  @BeforeAll
  static void readKustomization() throws IOException {
    kustomization =
        Kustomization.readManifests(FLUX).stream()
            .filter(o -> o.getKind().equals("Kustomization"))
            .findFirst()
            .orElseThrow();
    List<Map<String, Object>> exprs = kustomization.get("spec", "healthCheckExprs");
    expressions =
        exprs.stream().filter(e -> "KDExperiment".equals(e.get("kind"))).findFirst().orElseThrow();
  }

  @Test
  void reconcilesTheExampleKustomizationAndWaitsForIt() {
    String path = kustomization.get("spec", "path");
    assertThat(RepositoryFiles.resolve(path).resolve("kustomization.yaml")).isRegularFile();
    assertThat((Boolean) kustomization.get("spec", "wait")).isTrue();
    assertThat(expressions).containsEntry("apiVersion", "kdflow.dev/v1alpha1");
  }

  @TestFactory
  Stream<DynamicTest> celExpressionsAgreeWithTheArgoCdHealthCheck() throws IOException {
    Path fixtures = ArgoCdHealthCheckIT.FIXTURES;
    Map<?, ?> suite = YAML.readValue(fixtures.resolve("health_test.yaml").toFile(), Map.class);
    List<DynamicTest> tests = new ArrayList<>();
    for (Object entry : (List<?>) suite.get("tests")) {
      Map<?, ?> test = (Map<?, ?>) entry;
      String input = (String) test.get("inputPath");
      String argoStatus = (String) ((Map<?, ?>) test.get("healthStatus")).get("status");
      tests.add(
          DynamicTest.dynamicTest(
              input,
              () -> {
                Map<?, ?> object = YAML.readValue(fixtures.resolve(input).toFile(), Map.class);
                assertThat(fluxStatus(object)).isEqualTo(fluxEquivalent(argoStatus));
              }));
    }
    return tests.stream();
  }

  /** What Flux makes of Argo CD's verdict: a suspended experiment is as intended. */
  static String fluxEquivalent(String argoStatus) {
    return switch (argoStatus) {
      case "Healthy", "Suspended" -> "Current";
      case "Degraded" -> "Failed";
      default -> "InProgress";
    };
  }

  /**
   * Flux's order: inProgress, then failed, then current; none true means in progress. An expression
   * that cannot be evaluated (a field not there yet) keeps Flux waiting.
   */
  static String fluxStatus(Map<?, ?> object) {
    Map<String, Object> variables = new LinkedHashMap<>();
    for (String field : TOP_LEVEL_FIELDS) {
      if (object.containsKey(field)) {
        variables.put(field, celValue(object.get(field)));
      }
    }
    if (isTrue("inProgress", variables)) {
      return "InProgress";
    }
    if (isTrue("failed", variables)) {
      return "Failed";
    }
    return isTrue("current", variables) ? "Current" : "InProgress";
  }

  private static boolean isTrue(String name, Map<String, Object> variables) {
    String expression = (String) expressions.get(name);
    if (expression == null) {
      return false;
    }
    try {
      return Boolean.TRUE.equals(
          cel().createProgram(cel().compile(expression).getAst()).eval(variables));
    } catch (CelEvaluationException e) {
      return false;
    } catch (dev.cel.common.CelValidationException e) {
      throw new AssertionError("Invalid CEL in healthCheckExprs." + name + ": " + e, e);
    }
  }

  private static Cel cel;

  private static Cel cel() {
    if (cel == null) {
      var builder =
          CelFactory.standardCelBuilder()
              .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS);
      TOP_LEVEL_FIELDS.forEach(field -> builder.addVar(field, SimpleType.DYN));
      cel = builder.build();
    }
    return cel;
  }

  /** YAML numbers as CEL sees JSON: whole numbers are int (long), others double. */
  private static Object celValue(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> converted = new LinkedHashMap<>();
      map.forEach((k, v) -> converted.put(String.valueOf(k), celValue(v)));
      return converted;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(FluxHealthCheckIT::celValue).toList();
    }
    if (value instanceof Integer i) {
      return i.longValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    return value;
  }

  @Test
  void everyExpressionCompiles() throws Exception {
    for (String name : List.of("inProgress", "failed", "current")) {
      assertThat(expressions).containsKey(name);
      cel().compile((String) expressions.get(name)).getAst();
    }
    assertThat(Files.readString(FLUX)).contains("healthCheckExprs");
  }
}
