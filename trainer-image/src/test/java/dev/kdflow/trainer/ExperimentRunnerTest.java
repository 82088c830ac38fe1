package dev.kdflow.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.CheckpointParams;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.HintSpec;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.KDSpec;
import dev.kdflow.api.ModelSpec;
import dev.kdflow.api.TeacherSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.trainer.kd.KDTrainer;
import dev.kdflow.trainer.training.EndRecord;
import dev.kdflow.trainer.training.ExperimentDirectory;
import dev.kdflow.trainer.training.TrainingOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spec-driven entry point: train a teacher, distil it, and refuse bad input early. */
class ExperimentRunnerTest {
  @TempDir Path tmp;

  private KDExperimentSpec spec(String arch, Map<String, Object> params) {
    KDExperimentSpec s = new KDExperimentSpec();
    ModelSpec student = new ModelSpec();
    student.setArchitecture(arch);
    student.setArchParams(new LinkedHashMap<>(params));
    s.setStudent(student);
    s.getTraining().setMaxEpochs(1);
    s.getTraining().setInitialLr(0.05);
    s.getTraining().setLogEveryNSteps(2);
    s.getDataset().setTrainLimit(256);
    s.getDataset().setValidLimit(128);
    s.getDataset().setBatchSize(64);
    s.getCheckpoints().setRootDir(tmp.toString());
    return s;
  }

  private static final Map<String, Object> CNN =
      Map.of("channels", List.of(4, 8), "hiddenSize", 16);

  private static List<JsonNode> lines(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(file)) {
      out.add(json.readTree(l));
    }
    return out;
  }

  @Test
  void trainsATeacherThenDistilsItIntoAStudent() throws IOException {
    TrainingOutcome teacher = new ExperimentRunner(spec("cnn", CNN), "teacher").run();
    assertThat(teacher.status()).isEqualTo(EndRecord.SUCCEEDED);
    assertThat(teacher.bestCheckpoint()).isDirectory();
    // kdflow evaluate: rebuilt from the sidecar, same data, same accuracy
    assertThat(ExperimentRunner.evaluateCheckpoint(teacher.bestCheckpoint(), null).top1())
        .isEqualTo(teacher.best().value());

    KDExperimentSpec kd = spec("mlp", Map.of("hiddenSizes", List.of(32)));
    TeacherSpec t = new TeacherSpec();
    t.setArchitecture("cnn");
    t.setArchParams(new LinkedHashMap<>(CNN));
    CheckpointParams c = new CheckpointParams();
    c.setCheckpointPath(teacher.bestCheckpoint().toString());
    t.setCheckpoint(c);
    kd.setTeacher(t);
    TrainingOutcome student = new ExperimentRunner(kd, "student").run();
    assertThat(student.lastValid().teacherTop1()).isEqualTo(teacher.lastValid().top1());

    // kd.cacheTeacherOutputs=false: the teacher runs in every step; the same teacher figures
    kd.getKd().setCacheTeacherOutputs(false);
    ExperimentRunner uncached = new ExperimentRunner(kd, "student-uncached");
    TrainingOutcome direct = uncached.run();
    assertThat(((KDTrainer) uncached.trainer()).isCacheTeacherOutputs()).isFalse();
    assertThat(direct.lastValid().teacherTop1()).isEqualTo(student.lastValid().teacherTop1());

    List<JsonNode> records =
        lines(tmp.resolve("student").resolve(ExperimentDirectory.METRICS_FILE));
    assertThat(records.get(0).get("type").asText()).isEqualTo("start");
    assertThat(records.get(0).hasNonNull("resumedFromEpoch")).as("a fresh start").isFalse();
    assertThat(records).filteredOn(n -> n.get("type").asText().equals("step")).hasSize(2);
    JsonNode step = records.get(1);
    assertThat(step.get("step").asInt()).isEqualTo(2);
    assertThat(step.has("distillLoss")).isTrue();
    JsonNode epoch = records.get(records.size() - 2);
    assertThat(epoch.get("type").asText()).isEqualTo("epoch");
    assertThat(epoch.get("epoch").asInt()).isEqualTo(1);
    assertThat(epoch.at("/valid/teacherTop1").isNumber()).isTrue();
    assertThat(epoch.at("/train/distillLoss").isNumber()).isTrue();
    assertThat(epoch.at("/best/metric").asText()).isEqualTo("top1");
    assertThat(records.get(records.size() - 1).get("status").asText()).isEqualTo("succeeded");

    List<JsonNode> plain = lines(tmp.resolve("teacher").resolve(ExperimentDirectory.METRICS_FILE));
    JsonNode plainEpoch = plain.get(plain.size() - 2);
    assertThat(plainEpoch.at("/train").has("distillLoss")).isFalse();
    assertThat(plainEpoch.at("/valid").has("teacherTop1")).isFalse();
  }

  @Test
  void unsetFieldsGetExactlyTheApiDefaults() throws IOException {
    KDExperimentSpec s = spec("mlp", Map.of("hiddenSizes", List.of(16)));
    // What a manifest with explicit nulls, or a caller building the spec in Java, may hand over.
    s.getTraining().setSeed(null);
    s.getTraining().setLogEveryNSteps(null);
    s.getTraining().setRunValidationFreq(null);
    s.getTraining().setOptimizer(null);
    s.getTraining().setOptimizerParams(null);
    s.getTraining().setEmaParams(null);
    s.getTraining().setLrMode(null);
    s.getDataset().setBatchSize(null);
    s.getDataset().setValidBatchSize(null);
    s.getDataset().setRandomCropPadding(null);
    s.getDataset().setHorizontalFlip(null);
    s.getDataset().setType(null);
    s.setKd(null);

    TrainingOutcome r = new ExperimentRunner(s, "defaults").run();

    assertThat(r.status()).isEqualTo(EndRecord.SUCCEEDED);
    ObjectMapper json = new ObjectMapper();
    DatasetSpec expectedData = new DatasetSpec();
    expectedData.setTrainLimit(256);
    expectedData.setValidLimit(128);
    JsonNode info = json.readTree(r.bestCheckpoint().resolve("checkpoint.json").toFile());
    assertThat(json.treeToValue(info.at("/data/dataset"), DatasetSpec.class))
        .isEqualTo(expectedData);
    JsonNode state = json.readTree(r.latestCheckpoint().resolve("state.json").toFile());
    assertThat(state.get("seed").asLong()).isEqualTo(new TrainingSpec().getSeed());
    assertThat(state.get("optimizer").asText()).containsIgnoringCase("sgd");
    List<JsonNode> records = lines(new ExperimentDirectory(tmp.resolve("defaults")).metricsFile());
    // 256 images in batches of the default 128: 2 steps, fewer than the default logEveryNSteps.
    assertThat(records.get(0).get("stepsPerEpoch").asInt())
        .isEqualTo(256 / new DatasetSpec().getBatchSize());
    assertThat(records).noneMatch(n -> n.get("type").asText().equals("step"));

    // The same seed, set explicitly, trains the same weights.
    KDExperimentSpec explicit = spec("mlp", Map.of("hiddenSizes", List.of(16)));
    explicit.getDataset().setBatchSize(new DatasetSpec().getBatchSize());
    explicit.getTraining().setLogEveryNSteps(new TrainingSpec().getLogEveryNSteps());
    TrainingOutcome same = new ExperimentRunner(explicit, "explicit").run();
    assertThat(same.best().value()).isEqualTo(r.best().value());
    assertThat(Files.readAllBytes(same.bestCheckpoint().resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(r.bestCheckpoint().resolve("model.safetensors")));
  }

  @Test
  void aTeacherWithoutWeightsTrainsAfterOneWarning() {
    KDExperimentSpec kd = spec("mlp", Map.of("hiddenSizes", List.of(16)));
    TeacherSpec t = new TeacherSpec();
    t.setArchitecture("mlp");
    t.setArchParams(new LinkedHashMap<>(Map.of("hiddenSizes", List.of(8))));
    kd.setTeacher(t);
    List<ValidationProblem> warnings = new ArrayList<>();
    TrainingOutcome r = new ExperimentRunner(kd, "random-teacher").onWarning(warnings::add).run();
    assertThat(r.status()).isEqualTo(EndRecord.SUCCEEDED);
    assertThat(warnings)
        .singleElement()
        .satisfies(w -> assertThat(w.fieldPath()).isEqualTo("spec.teacher.checkpoint"));
  }

  @Test
  void distilsFromATorchScriptTeacher() {
    KDExperimentSpec kd = spec("mlp", Map.of("hiddenSizes", List.of(32)));
    TeacherSpec t = new TeacherSpec();
    t.setTorchscript(TestData.fixtures().resolve("tiny_teacher.pt").toString());
    kd.setTeacher(t);
    TrainingOutcome r = new ExperimentRunner(kd, "ts").run();
    assertThat(r.status()).isEqualTo(EndRecord.SUCCEEDED);
    assertThat(r.latestCheckpoint()).isDirectory();
    assertThat(r.lastValid().teacherTop1()).isNotNull();
  }

  @Test
  void distilsFromTwoTeachersAndWithHintsFromTheSpec() throws IOException {
    TrainingOutcome trained = new ExperimentRunner(spec("cnn", CNN), "teacher").run();
    TeacherSpec cnn = new TeacherSpec();
    cnn.setArchitecture("cnn");
    cnn.setArchParams(new LinkedHashMap<>(CNN));
    CheckpointParams c = new CheckpointParams();
    c.setCheckpointPath(trained.bestCheckpoint().toString());
    cnn.setCheckpoint(c);
    cnn.setWeight(3.0);
    TeacherSpec script = new TeacherSpec();
    script.setTorchscript(TestData.fixtures().resolve("tiny_teacher.pt").toString());

    for (KDSpec.TeachersMode mode : KDSpec.TeachersMode.values()) {
      KDExperimentSpec two = spec("mlp", Map.of("hiddenSizes", List.of(32)));
      two.setTeachers(List.of(cnn, script));
      two.getKd().setTeachersMode(mode);
      TrainingOutcome r = new ExperimentRunner(two, "two-" + mode).run();
      assertThat(r.status()).isEqualTo(EndRecord.SUCCEEDED);
      assertThat(r.lastValid().teacherTop1()).isNotNull();
      try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
        assertThat(
                dev.kdflow.trainer.checkpoint.NamedArrays.load(
                        r.latestCheckpoint()
                            .resolve(dev.kdflow.trainer.checkpoint.Weights.MODULE_FILE),
                        m)
                    .keySet())
            .anyMatch(k -> k.startsWith("teacher.") && k.contains("teacher0"))
            .anyMatch(k -> k.startsWith("teacher.") && k.contains("teacher1"));
      }
    }

    KDExperimentSpec hinted = spec("cnn", Map.of("channels", List.of(2, 4), "hiddenSize", 8));
    TeacherSpec single = new TeacherSpec();
    single.setArchitecture("cnn");
    single.setArchParams(new LinkedHashMap<>(CNN));
    single.setCheckpoint(c);
    hinted.setTeacher(single);
    HintSpec h = new HintSpec();
    h.setStudent("stage1");
    h.setTeacher("stage1");
    hinted.getKd().setHints(List.of(h));
    TrainingOutcome r = new ExperimentRunner(hinted, "hinted").run();
    assertThat(r.status()).isEqualTo(EndRecord.SUCCEEDED);
    List<JsonNode> records = lines(tmp.resolve("hinted").resolve(ExperimentDirectory.METRICS_FILE));
    assertThat(records.get(records.size() - 2).at("/train/distillLoss").isNumber()).isTrue();

    h.setTeacher("block7");
    assertInvalid(hinted, "spec.kd.hints[0].teacher", "block7", "stage1, stage2, hidden, logits");
  }

  @Test
  void aStopRequestEndsTheRunAsStoppedWithoutAPartialCheckpoint() throws IOException {
    ExperimentRunner runner = new ExperimentRunner(spec("mlp", Map.of()), "stop");
    runner.addListener(
        new dev.kdflow.trainer.training.TrainingProgressListener() {
          @Override
          public void onStep(dev.kdflow.trainer.training.StepRecord step) {
            runner.requestStop();
          }
        });
    TrainingOutcome r = runner.run();
    assertThat(r.status()).isEqualTo(EndRecord.STOPPED);
    assertThat(r.epochsCompleted()).isZero();
    assertThat(tmp.resolve("stop").resolve("ckpt_latest")).doesNotExist();
    List<JsonNode> records = lines(tmp.resolve("stop").resolve(ExperimentDirectory.METRICS_FILE));
    assertThat(records.get(records.size() - 1).get("status").asText()).isEqualTo("stopped");
  }

  private void assertInvalid(KDExperimentSpec s, String field, String... fragments)
      throws IOException {
    Path marker = tmp.resolve("bad").resolve("keep.txt");
    Files.createDirectories(marker.getParent());
    Files.writeString(marker, "untouched");
    assertThatThrownBy(() -> new ExperimentRunner(s, "bad").run())
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e -> {
              assertThat(e.getFieldPath()).isEqualTo(field);
              assertThat(e.problems()).allMatch(ValidationProblem::isError);
            })
        .hasMessageContainingAll(fragments);
    try (var files = Files.list(marker.getParent())) {
      assertThat(files).containsExactly(marker);
    }
    assertThat(Files.readString(marker)).isEqualTo("untouched");
  }

  @Test
  void unknownArchitectureNamesTheKnownOnes() throws IOException {
    assertInvalid(
        spec("resnet7", Map.of()), "spec.student.architecture", "resnet7", "mlp", "resnet18");
  }

  @Test
  void wrongArchParamTypeIsNamed() throws IOException {
    assertInvalid(
        spec("mlp", Map.of("hiddenSizes", "800")),
        "spec.student.archParams.hiddenSizes",
        "list of integers");
  }

  @Test
  void missingDatasetDirectoryIsNamed() throws IOException {
    KDExperimentSpec s = spec("mlp", Map.of());
    s.getDataset().setPath(tmp.resolve("nowhere").toString());
    assertInvalid(s, "spec.dataset.path", "nowhere", "does not exist");
  }

  @Test
  void aCheckpointOfAnotherArchitectureIsRefused() throws IOException {
    TrainingOutcome mlp =
        new ExperimentRunner(spec("mlp", Map.of("hiddenSizes", List.of(16))), "mlp").run();
    KDExperimentSpec s = spec("cnn", CNN);
    CheckpointParams c = new CheckpointParams();
    c.setCheckpointPath(mlp.bestCheckpoint().toString());
    s.getStudent().setCheckpoint(c);
    assertInvalid(s, "spec.student.checkpoint.checkpointPath", "holds a mlp network, not cnn");
  }

  @Test
  void aMissingTeacherCheckpointIsNamed() throws IOException {
    KDExperimentSpec s = spec("mlp", Map.of());
    TeacherSpec t = new TeacherSpec();
    t.setArchitecture("cnn");
    CheckpointParams c = new CheckpointParams();
    c.setCheckpointPath(tmp.resolve("no-such-ckpt").toString());
    t.setCheckpoint(c);
    s.setTeacher(t);
    assertInvalid(s, "spec.teacher.checkpoint.checkpointPath", "not found");
  }
}
