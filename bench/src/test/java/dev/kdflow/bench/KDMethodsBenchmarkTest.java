package dev.kdflow.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.TrainingSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The methods table compares losses, so every row must train its student the same way. */
class KDMethodsBenchmarkTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyMethodTrainsTheStudentWithTheSameSchedule() {
    KDMethodsBenchmark.Settings settings =
        KDMethodsBenchmark.parse(new String[] {"--train-limit", "1000", "--students", "cnn"});
    KDMethodsBenchmark.Student student = KDMethodsBenchmark.STUDENTS.get("cnn");
    Path teacher = Path.of("teacher", "ckpt_best");
    KDExperimentSpec alone =
        KDMethodsBenchmark.studentSpec(
            settings, student, 1, KDMethodsBenchmark.METHODS.get("alone"), teacher);
    JsonNode aloneTraining = JSON.valueToTree(alone.getTraining());

    TrainingSpec t = alone.getTraining();
    assertThat(t.getWarmupMode()).isEqualTo(TrainingSpec.WarmupMode.LINEAR_BATCH);
    assertThat(t.getLrWarmupSteps()).as("one epoch of 1,000 images in batches of 128").isEqualTo(8);
    assertThat(t.getClipGradNorm()).isPositive();
    for (String method : KDMethodsBenchmark.METHODS.keySet()) {
      if (method.equals("two-teacher-kd")) {
        continue; // needs the second teacher's checkpoint, trained by the run itself
      }
      KDExperimentSpec spec =
          KDMethodsBenchmark.studentSpec(
              settings, student, 1, KDMethodsBenchmark.METHODS.get(method), teacher);
      assertThat(JSON.<JsonNode>valueToTree(spec.getTraining()))
          .as(method)
          .isEqualTo(aloneTraining);
      KDMethodsBenchmark.Method m = KDMethodsBenchmark.METHODS.get(method);
      assertThat(spec.getTeacher() != null).as(method + " has a teacher").isEqualTo(m.distills());
      if (m.distills()) {
        assertThat(spec.getKd().getLoss()).as(method).isNotNull();
        assertThat(KDMethodsBenchmark.METHODS).as(method).containsKey(m.baseline());
      }
    }
  }

  @Test
  void augmentedDistillationIsComparedWithTheStudentAloneOnTheSameViews() {
    KDMethodsBenchmark.Settings settings = KDMethodsBenchmark.parse(new String[] {});
    KDMethodsBenchmark.Student student = KDMethodsBenchmark.STUDENTS.get("cnn");
    Path teacher = Path.of("teacher", "ckpt_best");
    KDMethodsBenchmark.Method kdAug = KDMethodsBenchmark.METHODS.get("kd-aug");
    KDExperimentSpec distilled =
        KDMethodsBenchmark.studentSpec(settings, student, 1, kdAug, teacher);
    KDExperimentSpec alone =
        KDMethodsBenchmark.studentSpec(
            settings, student, 1, KDMethodsBenchmark.METHODS.get(kdAug.baseline()), teacher);
    KDExperimentSpec unaugmented =
        KDMethodsBenchmark.studentSpec(
            settings, student, 1, KDMethodsBenchmark.METHODS.get("kd"), teacher);
    assertThat(alone.getTeacher()).isNull();
    assertThat(JSON.<JsonNode>valueToTree(distilled.getDataset()))
        .isEqualTo(JSON.<JsonNode>valueToTree(alone.getDataset()));
    assertThat(distilled.getDataset().getRandomCropPadding()).isEqualTo(2);
    assertThat(distilled.getDataset().getHorizontalFlip()).isTrue();
    assertThat(unaugmented.getDataset().getRandomCropPadding()).isIn(null, 0);
    assertThat(KDMethodsBenchmark.METHODS.get("kd").baseline()).isEqualTo("alone");
  }

  @Test
  void dkdRampsItsLossOverMoreThanTheFirstEpoch() {
    KDMethodsBenchmark.Settings settings = KDMethodsBenchmark.parse(new String[] {});
    KDExperimentSpec spec =
        KDMethodsBenchmark.studentSpec(
            settings,
            KDMethodsBenchmark.STUDENTS.get("cnn"),
            1,
            KDMethodsBenchmark.METHODS.get("dkd"),
            Path.of("teacher", "ckpt_best"));
    // the ramp is min(e / warmup, 1) with e counted from 1: a 1-epoch warm-up is no ramp at all
    assertThat(spec.getKd().getLoss().getDkd().warmupEpochsOrDefault()).isGreaterThan(1);
  }
}
