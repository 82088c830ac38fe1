package dev.kdflow.trainer.kd;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.loss.KDOutput;
import dev.kdflow.trainer.models.Models;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SuperGradients' {@code run_teacher_on_eval}: false puts the teacher in train mode with the KD
 * module (BatchNorm on batch statistics, running statistics updated), true keeps it in eval mode.
 * Validation always runs it in eval mode.
 */
class TeacherTrainModeTest {
  private static final Shape INPUT = new Shape(8, 1, 28, 28);
  private NDManager manager;
  private Block teacher;
  private Block student;

  @BeforeEach
  void build() {
    manager = NDManager.newBaseManager();
    Engine.getEngine("PyTorch").setRandomSeed(11);
    teacher =
        Models.build("resnet_small", Map.of("inChannels", 1, "numClasses", 10), manager, INPUT);
    student = Models.build("mlp", Map.of("hiddenSizes", List.of(4)), manager, INPUT);
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private Map<String, float[]> teacherState() {
    Map<String, float[]> s = new LinkedHashMap<>();
    Weights.parameters(teacher).forEach((n, p) -> s.put(n, p.getArray().toFloatArray()));
    return s;
  }

  private static List<String> changed(Map<String, float[]> before, Map<String, float[]> after) {
    return before.keySet().stream()
        .filter(n -> !java.util.Arrays.equals(before.get(n), after.get(n)))
        .toList();
  }

  @Test
  void evalModeTeacherKeepsItsStatisticsInTrainingSteps() {
    KDModule module = new KDModule(student, teacher);
    Map<String, float[]> before = teacherState();
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(INPUT).mul(3).add(1);
      KDOutput out = module.forwardKD(ps, new NDList(x), true);
      float[] inference = module.forwardTeacher(ps, new NDList(x)).head().toFloatArray();
      assertThat(out.teacherOutput().head().toFloatArray())
          .containsExactly(inference, org.assertj.core.api.Assertions.within(1e-4f));
    }
    assertThat(changed(before, teacherState())).isEmpty();
  }

  @Test
  void trainModeTeacherNormalisesWithTheBatchAndUpdatesOnlyItsRunningStatistics() {
    KDModule module = new KDModule(student, teacher).setTeacherTrainMode(true);
    Map<String, float[]> before = teacherState();
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(INPUT).mul(3).add(1);
      float[] inferenceBefore = module.forwardTeacher(ps, new NDList(x)).head().toFloatArray();
      KDOutput train = module.forwardKD(ps, new NDList(x), true);
      assertThat(train.teacherOutput().head().toFloatArray()).isNotEqualTo(inferenceBefore);
      List<String> changed = changed(before, teacherState());
      assertThat(changed).isNotEmpty().allMatch(n -> n.contains("running"));

      // validation: eval mode, statistics left as they are
      Map<String, float[]> afterTraining = teacherState();
      KDOutput valid = module.forwardKD(ps, new NDList(x), false);
      float[] inferenceNow = module.forwardTeacher(ps, new NDList(x)).head().toFloatArray();
      assertThat(valid.teacherOutput().head().toFloatArray())
          .containsExactly(inferenceNow, org.assertj.core.api.Assertions.within(1e-4f));
      assertThat(changed(afterTraining, teacherState())).isEmpty();
    }
  }
}
