package dev.kdflow.operator.crd;

import static dev.kdflow.operator.crd.CelRulesTest.holds;
import static dev.kdflow.operator.crd.CelRulesTest.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.PodTemplateOverrides;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CEL rules of spec.podTemplate and spec.storage.claimRetention, as the API server runs them.
 */
class PodTemplateCelRulesTest {
  @Test
  void theOperatorsVolumeNamesAreRejected() throws Exception {
    for (String name : PodTemplateOverrides.OPERATOR_VOLUMES) {
      assertThat(holds("spec.podTemplate", map("volumes", List.of(map("name", name)))))
          .as(name)
          .isFalse();
    }
    assertThat(holds("spec.podTemplate", map("volumes", List.of(map("name", "dataset"))))).isTrue();
    assertThat(holds("spec.podTemplate", map("volumes", List.of(map("emptyDir", map())))))
        .as("a nameless volume is left to the validator, not a CEL error")
        .isTrue();
  }

  @Test
  void theOperatorsEnvIsRejected() throws Exception {
    for (String name : List.of("HOME", "KDFLOW_EXPERIMENT", "KDFLOW_ANYTHING")) {
      assertThat(holds("spec.podTemplate", map("env", List.of(map("name", name)))))
          .as(name)
          .isFalse();
    }
    assertThat(holds("spec.podTemplate", map("env", List.of(map("name", "HF_HOME"))))).isTrue();
  }

  @Test
  void theOperatorsLabelsAreRejected() throws Exception {
    for (String key : PodTemplateOverrides.OPERATOR_LABELS) {
      assertThat(holds("spec.podTemplate", map("labels", map(key, "x")))).as(key).isFalse();
    }
    for (String prefix : PodTemplateOverrides.OPERATOR_LABEL_PREFIXES) {
      assertThat(holds("spec.podTemplate", map("labels", map(prefix + "x", "x"))))
          .as(prefix)
          .isFalse();
    }
    assertThat(holds("spec.podTemplate", map("labels", map("team", "vision")))).isTrue();
    assertThat(holds("spec.podTemplate", map("serviceAccountName", "trainer"))).isTrue();
  }

  @Test
  void claimRetentionOnlyWithANewClaim() throws Exception {
    assertThat(holds("spec.storage", map("size", "1Gi", "claimRetention", "Delete"))).isTrue();
    assertThat(holds("spec.storage", map("existingClaim", "mine", "claimRetention", "Retain")))
        .isFalse();
  }
}
