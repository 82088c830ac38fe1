package dev.kdflow.trainer.kd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kdflow.trainer.TestData;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A TorchScript file exported from PyTorch works as a frozen teacher. */
class TorchScriptTeacherTest {

  @Test
  void logitsMatchPyTorch() throws IOException {
    JsonNode expected = TestData.json("tiny_teacher_expected.json");
    JsonNode shapeNode = expected.get("input_shape");
    long[] dims = new long[shapeNode.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shapeNode.get(i).asLong();
    }
    float[] input = new float[expected.get("input").size()];
    for (int i = 0; i < input.length; i++) {
      input[i] = (float) expected.get("input").get(i).asDouble();
    }
    try (TorchScriptTeacher teacher =
            TorchScriptTeacher.load(TestData.fixtures().resolve("tiny_teacher.pt"), Device.cpu());
        NDManager m = NDManager.newBaseManager()) {
      KDModule module = new KDModule(ai.djl.nn.Blocks.identityBlock(), teacher.block());
      float[] logits =
          module
              .forwardTeacher(
                  new ParameterStore(m, false), new NDList(m.create(input, new Shape(dims))))
              .head()
              .toFloatArray();
      JsonNode rows = expected.get("expected_logits");
      int k = rows.get(0).size();
      assertThat(logits).hasSize(rows.size() * k);
      for (int i = 0; i < rows.size(); i++) {
        for (int j = 0; j < k; j++) {
          assertThat((double) logits[i * k + j])
              .isCloseTo(rows.get(i).get(j).asDouble(), within(1e-5));
        }
      }
    }
  }

  @Test
  void aMissingOrBrokenFileIsReportedByName() {
    assertThatThrownBy(() -> TorchScriptTeacher.load(Path.of("/nonexistent/t.pt"), Device.cpu()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("/nonexistent/t.pt");
    assertThatThrownBy(
            () ->
                TorchScriptTeacher.load(
                    TestData.fixtures().resolve("kd_golden.json"), Device.cpu()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("kd_golden.json");
  }
}
