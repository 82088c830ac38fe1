package dev.kdflow.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CRD's CEL rules that tie each KD loss parameter to the loss types that use it. */
class LossCelRulesTest {
  private static final String LOSS = "spec.kd.loss";

  @Test
  void eachTypeTakesItsOwnParameters() throws Exception {
    assertThat(CelRulesTest.holds(LOSS, loss("type", "KDLogitsLoss", "temperature", 4.0))).isTrue();
    assertThat(CelRulesTest.holds(LOSS, loss("temperature", 4.0))).isTrue();
    assertThat(
            CelRulesTest.holds(
                LOSS,
                loss(
                    "type",
                    "HintonKD",
                    "taskLossWeight",
                    0.1,
                    "distillationLossWeight",
                    9.0,
                    "logitStandardization",
                    true)))
        .isTrue();
    assertThat(
            CelRulesTest.holds(
                LOSS, loss("type", "DKD", "logitStandardization", true, "dkd", loss("beta", 8.0))))
        .isTrue();
    assertThat(CelRulesTest.holds(LOSS, loss("type", "DIST", "dist", loss("gamma", 2.0)))).isTrue();
  }

  @Test
  void parametersOfOtherTypesAreRejected() throws Exception {
    assertThat(CelRulesTest.holds(LOSS, loss("type", "DIST", "dkd", loss("beta", 8.0)))).isFalse();
    assertThat(CelRulesTest.holds(LOSS, loss("dkd", loss("beta", 8.0)))).isFalse();
    assertThat(CelRulesTest.holds(LOSS, loss("type", "DKD", "dist", loss("beta", 1.0)))).isFalse();
    assertThat(CelRulesTest.holds(LOSS, loss("taskLossWeight", 0.5))).isFalse();
    assertThat(CelRulesTest.holds(LOSS, loss("type", "DKD", "distillationLossWeight", 2.0)))
        .isFalse();
    assertThat(CelRulesTest.holds(LOSS, loss("type", "DIST", "logitStandardization", true)))
        .isFalse();
    assertThat(CelRulesTest.holds(LOSS, loss("type", "DIST", "logitStandardization", false)))
        .isTrue();
  }

  @Test
  void weightsMustNotBeNegative() throws Exception {
    assertThat(CelRulesTest.holds(LOSS + ".taskLossWeight", -0.1)).isFalse();
    assertThat(CelRulesTest.holds(LOSS + ".distillationLossWeight", 0.0)).isTrue();
    assertThat(CelRulesTest.holds(LOSS + ".dkd.alpha", -1.0)).isFalse();
    assertThat(CelRulesTest.holds(LOSS + ".dkd.beta", 8.0)).isTrue();
    assertThat(CelRulesTest.holds(LOSS + ".dist.gamma", -2.0)).isFalse();
  }

  private static Map<String, Object> loss(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }
}
