package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The cases of {@code golden/loss_golden.json}, written by {@code tools/gen_loss_golden.py} with
 * PyTorch: inputs, loss parts and the gradient of the total with respect to the student's logits.
 */
final class LossGolden {
  private LossGolden() {}

  /** One case: a loss type, its parameters, inputs and PyTorch's results. */
  record Case(String loss, JsonNode params, JsonNode input, JsonNode node) {
    double param(String name) {
      return params.get(name).asDouble();
    }

    boolean standardize() {
      return params.path("ls").asBoolean(false);
    }

    NDArray student(NDManager m) {
      return matrix(m, input.get("student"));
    }

    NDArray teacher(NDManager m) {
      return matrix(m, input.get("teacher"));
    }

    NDArray labels(NDManager m) {
      JsonNode l = input.get("labels");
      long[] y = new long[l.size()];
      for (int i = 0; i < y.length; i++) {
        y[i] = l.get(i).asLong();
      }
      return m.create(y);
    }

    double expected(String part) {
      return node.get("expected").get(part).asDouble();
    }

    float[] expectedGradient() {
      JsonNode rows = node.get("expected").get("grad_student");
      List<Float> out = new ArrayList<>();
      rows.forEach(r -> r.forEach(v -> out.add((float) v.asDouble())));
      float[] g = new float[out.size()];
      for (int i = 0; i < g.length; i++) {
        g[i] = out.get(i);
      }
      return g;
    }

    /** The loss this case describes, built as a user of the Java API would. */
    KDLoss build() {
      CrossEntropyLoss ce = new CrossEntropyLoss();
      return switch (loss) {
        case "KDLogitsLoss" ->
            new KDLogitsLoss(ce, param("alpha"), param("temperature"), standardize());
        case "HintonKD" ->
            new HintonKDLoss(
                ce,
                param("task_weight"),
                param("distill_weight"),
                param("temperature"),
                standardize());
        case "DKD" -> {
          // warm-up factor f = 1/W in the first epoch; f = 1 without warm-up
          double f = param("warmup_factor");
          int warmup = f == 1.0 ? 0 : (int) Math.round(1 / f);
          DKDLoss dkd =
              new DKDLoss(
                  ce,
                  param("task_weight"),
                  param("alpha"),
                  param("beta"),
                  param("temperature"),
                  warmup,
                  standardize());
          dkd.setEpochsDone(0);
          yield dkd;
        }
        case "DIST" ->
            new DISTLoss(
                ce,
                param("task_weight"),
                param("distill_weight"),
                param("beta"),
                param("gamma"),
                param("temperature"));
        default -> throw new IllegalArgumentException("unknown loss in golden file: " + loss);
      };
    }

    @Override
    public String toString() {
      return loss + " " + params + " N=" + input.get("labels").size();
    }
  }

  static List<Case> cases() {
    try (InputStream in = LossGolden.class.getResourceAsStream("/golden/loss_golden.json")) {
      if (in == null) {
        throw new IllegalStateException("golden/loss_golden.json is not on the test classpath");
      }
      JsonNode root = new ObjectMapper().readTree(in);
      List<Case> out = new ArrayList<>();
      for (JsonNode c : root.get("cases")) {
        JsonNode input = root.get("inputs").get(c.get("input").asInt());
        out.add(new Case(c.get("loss").asText(), c.get("params"), input, c));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static NDArray matrix(NDManager m, JsonNode rows) {
    int n = rows.size();
    int k = rows.get(0).size();
    float[] v = new float[n * k];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < k; j++) {
        v[i * k + j] = (float) rows.get(i).get(j).asDouble();
      }
    }
    return m.create(v, new Shape(n, k));
  }
}
