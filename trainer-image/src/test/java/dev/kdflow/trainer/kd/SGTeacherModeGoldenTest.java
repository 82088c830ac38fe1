package dev.kdflow.trainer.kd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.trainer.loss.KDOutput;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SuperGradients' {@code run_teacher_on_eval} against SuperGradients' own {@code KDModule} ({@code
 * tools/gen_sg_golden.py}, {@code kd_module_teacher_mode}): a training step's teacher output and
 * the teacher's BatchNorm running statistics afterwards, with {@code kd.teacherTrainMode =
 * !run_teacher_on_eval}.
 */
class SGTeacherModeGoldenTest {
  private static final double TOL = 1e-5;

  private static JsonNode cases() throws IOException {
    try (InputStream in =
        SGTeacherModeGoldenTest.class.getResourceAsStream("/golden/sg_golden.json")) {
      return new ObjectMapper().readTree(in).get("kd_module_teacher_mode");
    }
  }

  @ParameterizedTest(name = "run_teacher_on_eval: {0}")
  @ValueSource(booleans = {true, false})
  void aTrainingStepMatchesSuperGradients(boolean runTeacherOnEval) throws IOException {
    JsonNode c = null;
    for (JsonNode candidate : cases()) {
      if (candidate.get("run_teacher_on_eval").asBoolean() == runTeacherOnEval) {
        c = candidate;
      }
    }
    assertThat(c).isNotNull();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = tensor(m, c.get("input"));
      JsonNode w = c.get("teacher");
      SequentialBlock teacher =
          new SequentialBlock()
              .add(Blocks.batchFlattenBlock())
              .add(Linear.builder().setUnits(5).build())
              .add(BatchNorm.builder().build());
      teacher.initialize(m, DataType.FLOAT32, x.getShape());
      Map<String, String> torchName =
          Map.of(
              "weight", "1.weight",
              "bias", "1.bias",
              "gamma", "2.weight",
              "beta", "2.bias",
              "runningMean", "2.running_mean",
              "runningVar", "2.running_var");
      NDArray[] running = new NDArray[2];
      for (var p : teacher.getParameters()) {
        String own = p.getKey().substring(p.getKey().indexOf('_') + 1);
        Parameter param = p.getValue();
        param.getArray().set(flatten(w.get(torchName.get(own))));
        if (own.equals("runningMean")) {
          running[0] = param.getArray();
        } else if (own.equals("runningVar")) {
          running[1] = param.getArray();
        }
      }
      Block student =
          new SequentialBlock()
              .add(Blocks.batchFlattenBlock())
              .add(Linear.builder().setUnits(5).build());
      student.initialize(m, DataType.FLOAT32, x.getShape());
      KDModule module =
          new KDModule(student, teacher, null, true).setTeacherTrainMode(!runTeacherOnEval);

      KDOutput out = module.forwardKD(new ParameterStore(m, false), new NDList(x), true);

      JsonNode expected = c.get("expected");
      assertClose(
          out.teacherOutput().head().toFloatArray(), flatten(expected.get("teacher_output")));
      assertClose(running[0].toFloatArray(), flatten(expected.get("running_mean")));
      assertClose(running[1].toFloatArray(), flatten(expected.get("running_var")));
    }
  }

  private static void assertClose(float[] got, float[] want) {
    assertThat(got).hasSameSizeAs(want);
    for (int i = 0; i < want.length; i++) {
      assertThat((double) got[i]).as("element %d", i).isCloseTo(want[i], within(TOL));
    }
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
