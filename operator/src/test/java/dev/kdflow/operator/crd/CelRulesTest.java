package dev.kdflow.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CEL rules of the generated CRD, evaluated as the API server would. */
class CelRulesTest {
  private static final CustomResourceDefinition CRD = GeneratedCrd.load();
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  /** Evaluates every rule at the schema path; true when all hold. */
  static boolean holds(String path, Object self, Object oldSelf) throws Exception {
    List<ValidationRule> rules = GeneratedCrd.at(CRD, path).getXKubernetesValidations();
    assertThat(rules).as("rules at " + path).isNotEmpty();
    for (ValidationRule rule : rules) {
      var ast = COMPILER.compile(rule.getRule()).getAst();
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", self);
      if (oldSelf != null) {
        vars.put("oldSelf", oldSelf);
      }
      Object result = RUNTIME.createProgram(ast).eval(vars);
      if (!Boolean.TRUE.equals(result)) {
        return false;
      }
    }
    return true;
  }

  /** The spec's rules for a new spec (the transition rule sees no change). */
  static boolean holdsOnSpec(Object spec) throws Exception {
    return holds("spec", spec, spec);
  }

  static boolean holds(String path, Object self) throws Exception {
    return holds(path, self, null);
  }

  @ParameterizedTest
  @CsvSource({"0.0,true", "0.5,true", "1.0,true", "1.5,false", "-0.1,false"})
  void alphaIsInZeroOne(double alpha, boolean valid) throws Exception {
    assertThat(holds("spec.kd.loss.distillationLossCoeff", alpha)).isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({"1.0,true", "0.01,true", "4,true", "0.0,false", "-2.0,false"})
  void temperatureIsPositive(double t, boolean valid) throws Exception {
    assertThat(holds("spec.kd.loss.temperature", t)).isEqualTo(valid);
  }

  @Test
  void teacherHasExactlyOneOfArchitectureAndTorchScript() throws Exception {
    assertThat(holds("spec.teacher", map("architecture", "resnet18"))).isTrue();
    assertThat(holds("spec.teacher", map("torchscript", "/m/t.pt"))).isTrue();
    assertThat(holds("spec.teacher", map("architecture", "resnet18", "torchscript", "/m/t.pt")))
        .isFalse();
    assertThat(holds("spec.teacher", map("archParams", map()))).isFalse();
    assertThat(GeneratedCrd.at(CRD, "spec.teacher").getXKubernetesValidations().get(0).getMessage())
        .contains("exactly one of architecture or torchscript");
  }

  @Test
  void teacherAndTeachersExcludeEachOtherAndHintsNeedOneTeacher() throws Exception {
    Map<String, Object> student = map("architecture", "cnn");
    Map<String, Object> t = map("architecture", "cnn");
    assertThat(holdsOnSpec(map("student", student, "teacher", t, "training", map()))).isTrue();
    assertThat(holdsOnSpec(map("student", student, "teachers", List.of(t, t), "training", map())))
        .isTrue();
    assertThat(
            holds(
                "spec",
                map("student", student, "teacher", t, "teachers", List.of(t), "training", map())))
        .isFalse();
    assertThat(
            holds(
                "spec",
                map(
                    "student",
                    student,
                    "teacher",
                    map("architecture", "cnn", "weight", 2.0),
                    "training",
                    map())))
        .isFalse();
    Map<String, Object> hinted = map("hints", List.of(map("student", "hidden", "teacher", "pool")));
    assertThat(holdsOnSpec(map("student", student, "teacher", t, "kd", hinted, "training", map())))
        .isTrue();
    assertThat(
            holds(
                "spec",
                map(
                    "student",
                    student,
                    "teachers",
                    List.of(t, t),
                    "kd",
                    hinted,
                    "training",
                    map())))
        .isFalse();
    assertThat(holds("spec.teachers[].weight", 0.5)).isTrue();
    assertThat(holds("spec.teachers[].weight", 0.0)).isFalse();
    assertThat(holds("spec.kd.hints[].weight", -1.0)).isFalse();
  }

  @Test
  void studentNeedsAnArchitecture() throws Exception {
    assertThat(holds("spec.student", map("architecture", "mlp"))).isTrue();
    assertThat(holds("spec.student", map("archParams", map("numClasses", 10L)))).isFalse();
  }

  @Test
  void storageIsAnExistingClaimOrASize() throws Exception {
    assertThat(holds("spec.storage", map("existingClaim", "ckpts"))).isTrue();
    assertThat(holds("spec.storage", map("size", "10Gi", "mountPath", "/c"))).isTrue();
    assertThat(holds("spec.storage", map("existingClaim", "ckpts", "size", "10Gi"))).isFalse();
    assertThat(holds("spec.storage", map("mountPath", "/c"))).isFalse();
  }

  static Map<String, Object> spec(String nonce, long maxEpochs, String gpus) {
    Map<String, Object> s =
        map(
            "student", map("architecture", "mlp", "archParams", map("hiddenSizes", List.of(64L))),
            "training", map("maxEpochs", maxEpochs, "initialLr", 0.1),
            "resources", map("gpus", Long.parseLong(gpus)));
    if (nonce != null) {
      s.put("restartNonce", nonce);
    }
    return s;
  }

  @Test
  void trainingFieldsChangeOnlyWithANewRestartNonce() throws Exception {
    assertThat(holds("spec", spec(null, 10, "1"), spec(null, 10, "1"))).as("unchanged").isTrue();
    assertThat(holds("spec", spec(null, 20, "1"), spec(null, 10, "1")))
        .as("epochs changed")
        .isFalse();
    assertThat(holds("spec", spec("a", 20, "1"), spec("a", 10, "1"))).as("same nonce").isFalse();
    assertThat(holds("spec", spec("b", 20, "1"), spec("a", 10, "1"))).as("new nonce").isTrue();
    assertThat(holds("spec", spec("a", 20, "1"), spec(null, 10, "1"))).as("nonce added").isTrue();
    assertThat(holds("spec", spec(null, 10, "2"), spec(null, 10, "1")))
        .as("cluster field")
        .isTrue();

    Map<String, Object> withTeacher = spec(null, 10, "1");
    withTeacher.put("teacher", map("torchscript", "/m/t.pt"));
    assertThat(holds("spec", withTeacher, spec(null, 10, "1"))).as("teacher added").isFalse();
    Map<String, Object> alpha = spec(null, 10, "1");
    alpha.put("kd", map("loss", map("distillationLossCoeff", 0.9)));
    Map<String, Object> alphaOld = spec(null, 10, "1");
    alphaOld.put("kd", map("loss", map("distillationLossCoeff", 0.5)));
    assertThat(holds("spec", alpha, alphaOld)).as("alpha changed").isFalse();
  }

  @Test
  void everyRuleCompiles() {
    Map<?, ?> all = Serialization.unmarshal(Serialization.asJson(CRD), Map.class);
    assertThat(Serialization.asJson(all)).contains("x-kubernetes-validations");
    collectRules(GeneratedCrd.schema(CRD), "")
        .forEach(
            (path, rule) -> {
              try {
                COMPILER.compile(rule).getAst();
              } catch (Exception e) {
                throw new AssertionError(
                    path + ": " + rule + " does not compile: " + e.getMessage(), e);
              }
            });
  }

  private static Map<String, String> collectRules(
      io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps s, String path) {
    Map<String, String> rules = new LinkedHashMap<>();
    if (s.getXKubernetesValidations() != null) {
      s.getXKubernetesValidations().forEach(r -> rules.put(path + " " + r.getRule(), r.getRule()));
    }
    if (s.getProperties() != null) {
      s.getProperties().forEach((k, v) -> rules.putAll(collectRules(v, path + "." + k)));
    }
    return rules;
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
