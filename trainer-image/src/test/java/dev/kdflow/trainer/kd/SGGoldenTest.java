package dev.kdflow.trainer.kd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.KDLogitsLoss;
import dev.kdflow.trainer.loss.KDOutput;
import dev.kdflow.trainer.loss.LossParts;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kdflow's KDLogitsLoss, NormalizationAdapter and KDModule forward against SuperGradients 3.7.1's
 * own classes ({@code tools/gen_sg_golden.py} writes {@code golden/sg_golden.json}).
 */
class SGGoldenTest {
  private static final double TOL = 1e-5;
  private final JsonNode golden = load();

  private static JsonNode load() {
    try (InputStream in = SGGoldenTest.class.getResourceAsStream("/golden/sg_golden.json")) {
      assertThat(in).as("golden/sg_golden.json on the test classpath").isNotNull();
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void comesFromSuperGradients371() {
    assertThat(golden.get("super_gradients").asText()).isEqualTo("3.7.1");
  }

  @Test
  void kdLogitsLossMatchesSuperGradientsValuesAndGradients() {
    int checked = 0;
    for (JsonNode c : golden.get("kd_logits_loss")) {
      try (NDManager m = NDManager.newBaseManager()) {
        NDArray s = matrix(m, c.get("student"));
        NDArray t = matrix(m, c.get("teacher"));
        long[] y = new long[c.get("labels").size()];
        for (int i = 0; i < y.length; i++) {
          y[i] = c.get("labels").get(i).asLong();
        }
        s.setRequiresGradient(true);
        double coeff = c.get("distillation_loss_coeff").asDouble();
        // SuperGradients' KDLogitsLoss has no temperature: kdflow's at T = 1
        KDLogitsLoss loss = new KDLogitsLoss(new CrossEntropyLoss(), coeff, 1.0);
        LossParts parts;
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
          parts = loss.compute(new KDOutput(new NDList(s), new NDList(t)), m.create(y));
          gc.backward(parts.total());
        }
        JsonNode e = c.get("expected");
        String at = "coeff " + coeff + " N=" + y.length;
        assertThat((double) parts.total().getFloat())
            .as(at + " total")
            .isCloseTo(e.get("total").asDouble(), within(TOL));
        assertThat((double) parts.task().getFloat())
            .as(at + " task")
            .isCloseTo(e.get("task").asDouble(), within(TOL));
        assertThat((double) parts.distill().getFloat())
            .as(at + " distill")
            .isCloseTo(e.get("distill").asDouble(), within(TOL));
        float[] got = s.getGradient().toFloatArray();
        float[] want = flatten(e.get("grad_student"));
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++) {
          assertThat((double) got[i]).as(at + " gradient " + i).isCloseTo(want[i], within(1e-6));
        }
        checked++;
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(8);
  }

  @Test
  void normalizationAdapterMatchesSuperGradients() {
    JsonNode c = golden.get("normalization_adapter");
    try (NDManager m = NDManager.newBaseManager()) {
      float[] out = adapter().apply(tensor(m, c.get("input"))).toFloatArray();
      float[] want = flatten(c.get("expected"));
      assertThat(out).hasSameSizeAs(want);
      for (int i = 0; i < want.length; i++) {
        assertThat((double) out[i]).isCloseTo(want[i], within(TOL));
      }
    }
  }

  /** The teacher sees the adapted input, the student the raw one; outputs in SG's order. */
  @Test
  void kdModuleForwardMatchesSuperGradients() {
    JsonNode c = golden.get("kd_module");
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = tensor(m, c.get("input"));
      Block student = linear(m, c.get("student_weight"), c.get("student_bias"), x.getShape());
      Block teacher = linear(m, c.get("teacher_weight"), c.get("teacher_bias"), x.getShape());
      KDModule module = new KDModule(student, teacher, adapter(), true);
      KDOutput out = module.forwardKD(new ParameterStore(m, false), new NDList(x), false);
      assertClose(
          out.studentOutput().head().toFloatArray(),
          flatten(c.get("expected").get("student_output")));
      assertClose(
          out.teacherOutput().head().toFloatArray(),
          flatten(c.get("expected").get("teacher_output")));
    }
  }

  /** The adapter of the golden file; the KD module case uses the same one. */
  private NormalizationAdapter adapter() {
    JsonNode c = golden.get("normalization_adapter");
    return new NormalizationAdapter(
        flatten(c.get("mean_original")),
        flatten(c.get("std_original")),
        flatten(c.get("mean_required")),
        flatten(c.get("std_required")));
  }

  private static Block linear(NDManager m, JsonNode weight, JsonNode bias, Shape input) {
    SequentialBlock b =
        new SequentialBlock()
            .add(Blocks.batchFlattenBlock())
            .add(Linear.builder().setUnits(bias.size()).build());
    b.initialize(m, DataType.FLOAT32, input);
    b.getParameters()
        .forEach(
            p ->
                p.getValue()
                    .getArray()
                    .set(flatten(p.getKey().endsWith("weight") ? weight : bias)));
    return b;
  }

  private static void assertClose(float[] got, float[] want) {
    assertThat(got).hasSameSizeAs(want);
    for (int i = 0; i < want.length; i++) {
      assertThat((double) got[i]).as("element %d", i).isCloseTo(want[i], within(TOL));
    }
  }

  private static NDArray matrix(NDManager m, JsonNode rows) {
    return m.create(flatten(rows), new Shape(rows.size(), rows.get(0).size()));
  }

  private static NDArray tensor(NDManager m, JsonNode n) {
    List<Long> dims = new ArrayList<>();
    for (JsonNode d = n; d.isArray(); d = d.get(0)) {
      dims.add((long) d.size());
    }
    return m.create(flatten(n), new Shape(dims.stream().mapToLong(Long::longValue).toArray()));
  }

  private static float[] flatten(JsonNode n) {
    List<Float> out = new ArrayList<>();
    collect(n, out);
    float[] v = new float[out.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = out.get(i);
    }
    return v;
  }

  private static void collect(JsonNode n, List<Float> out) {
    if (n.isArray()) {
      n.forEach(c -> collect(c, out));
    } else {
      out.add((float) n.asDouble());
    }
  }
}
