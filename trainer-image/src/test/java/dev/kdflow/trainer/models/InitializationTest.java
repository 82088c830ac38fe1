package dev.kdflow.trainer.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The registry's first weights follow PyTorch's defaults for nn.Linear / nn.Conv2d: weight and bias
 * U(−b, b) with b = 1/√fan_in (kaiming_uniform with a = √5 gives exactly this bound), so per layer
 * max |w| ≤ b, mean ≈ 0 and std ≈ b/√3 within sampling error; BatchNorm γ = 1, β = 0.
 */
class InitializationTest {
  private static final Shape FASHION = new Shape(1, 1, 28, 28);

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "cnn", "resnet_small"})
  void pytorchDefaultInitialisation(String arch) {
    Engine.getEngine("PyTorch").setRandomSeed(11);
    try (NDManager m = NDManager.newBaseManager()) {
      Block net = Models.build(arch, Map.of(), m, FASHION);
      Map<String, Parameter> params = byName(net);
      int weights = 0;
      int biases = 0;
      int norms = 0;
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        String name = e.getKey();
        Parameter p = e.getValue();
        float[] v = p.getArray().toFloatArray();
        switch (p.getType()) {
          case WEIGHT -> {
            Shape s = p.getArray().getShape();
            double bound = 1 / Math.sqrt(s.size() / (double) s.get(0));
            assertUniform(name, v, bound);
            weights++;
          }
          case BIAS -> {
            Parameter w = params.get(name.substring(0, name.length() - "bias".length()) + "weight");
            assertThat(w).as("weight of " + name).isNotNull();
            Shape s = w.getArray().getShape();
            assertUniform(name, v, 1 / Math.sqrt(s.size() / (double) s.get(0)));
            biases++;
          }
          case GAMMA -> {
            assertThat(v).as(name).containsOnly(1f);
            norms++;
          }
          case BETA -> assertThat(v).as(name).containsOnly(0f);
          default -> {}
        }
      }
      assertThat(weights).as("weights checked").isGreaterThanOrEqualTo(2);
      // resnet_small's convolutions have no bias (a BatchNorm follows): its classifier has one
      assertThat(biases).as("biases checked").isGreaterThanOrEqualTo(1);
      if (!arch.equals("mlp")) {
        assertThat(norms).as("BatchNorms checked").isGreaterThanOrEqualTo(2);
      }
    }
  }

  @Test
  void kaimingNormalRemainsAChoice() {
    Engine.getEngine("PyTorch").setRandomSeed(11);
    try (NDManager m = NDManager.newBaseManager()) {
      Block net = Models.build("mlp", Map.of("init", "kaiming_normal"), m, FASHION);
      for (Map.Entry<String, Parameter> e : byName(net).entrySet()) {
        Parameter p = e.getValue();
        float[] v = p.getArray().toFloatArray();
        if (p.getType() == Parameter.Type.BIAS) {
          assertThat(v).as(e.getKey()).containsOnly(0f);
        } else if (p.getType() == Parameter.Type.WEIGHT) {
          Shape s = p.getArray().getShape();
          double std = Math.sqrt(2 / (s.size() / (double) s.get(0)));
          assertThat(stats(v)[1]).as(e.getKey() + " std").isCloseTo(std, relative(v.length));
        }
      }
    }
  }

  @Test
  void unknownInitIsRejectedNamingTheChoices() {
    assertThatThrownBy(
            () -> {
              try (NDManager m = NDManager.newBaseManager()) {
                Models.build("mlp", Map.of("init", "xavier"), m, FASHION);
              }
            })
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("archParams.init")
        .hasMessageContaining("pytorch, kaiming_normal");
  }

  /** Bound respected, bound nearly reached, mean ≈ 0 and std ≈ b/√3 within 5 standard errors. */
  private static void assertUniform(String name, float[] v, double bound) {
    double max = 0;
    for (float x : v) {
      max = Math.max(max, Math.abs(x));
    }
    assertThat(max).as(name + " max |w| vs bound " + bound).isLessThanOrEqualTo(bound * (1 + 1e-6));
    double[] meanStd = stats(v);
    double sd = bound / Math.sqrt(3);
    int n = v.length;
    if (n >= 100) {
      // P(max |w| < 0.9 b) = 0.9^n: a smaller bound (a wrong fan_in) cannot pass
      assertThat(max).as(name + " reaches its bound").isGreaterThan(0.9 * bound);
      assertThat(meanStd[0])
          .as(name + " mean")
          .isCloseTo(0, org.assertj.core.data.Offset.offset(5 * sd / Math.sqrt(n)));
      // the sample std of a uniform has relative standard error ≈ 0.45/√n
      assertThat(meanStd[1])
          .as(name + " std")
          .isCloseTo(sd, org.assertj.core.data.Offset.offset(sd * 5 * 0.45 / Math.sqrt(n)));
    } else {
      assertThat(meanStd[1]).as(name + " is not constant").isPositive();
    }
  }

  private static org.assertj.core.data.Percentage relative(int n) {
    return org.assertj.core.data.Percentage.withPercentage(100 * 5 * 0.71 / Math.sqrt(n));
  }

  private static double[] stats(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += x;
    }
    double mean = sum / v.length;
    double sq = 0;
    for (float x : v) {
      sq += (x - mean) * (x - mean);
    }
    return new double[] {mean, Math.sqrt(sq / Math.max(1, v.length - 1))};
  }

  private static Map<String, Parameter> byName(Block net) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : net.getParameters()) {
      out.put(p.getKey(), p.getValue());
    }
    return out;
  }
}
