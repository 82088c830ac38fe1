package dev.kdflow.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.TrainingSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KDExperimentValidatorTest {
  static final String VALID =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: resnet-kd
      spec:
        student:
          architecture: mlp
          archParams: {hiddenSizes: [64], numClasses: 10}
        teacher:
          architecture: cnn
          archParams: {numClasses: 10}
          checkpoint: {checkpointPath: /data/teacher/ckpt_best}
        kd:
          loss: {distillationLossCoeff: 0.7, temperature: 4.0}
          teacherInputAdapter:
            meanOriginal: [0.5]
            stdOriginal: [0.25]
            meanRequired: [0.28]
            stdRequired: [0.35]
        training:
          maxEpochs: 10
          initialLr: 0.1
          lrMode: step
          lrUpdates: [3, 6, 9]
          ema: true
          emaParams: {decay: 0.999}
          saveCkptEpochList: [5, 10]
        dataset: {type: fashionMnist, batchSize: 64}
        resources: {gpus: 1, cpu: "4", memory: 16Gi}
        scheduling:
          nodeSelector: {accelerator: nvidia-h100}
          tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
          queueName: team-a
        storage: {size: 20Gi, storageClassName: fast-ssd}
        runPolicy: {backoffLimit: 2, activeDeadlineSeconds: 86400}
      """;

  static KDExperiment valid() {
    return Serialization.unmarshal(VALID, KDExperiment.class);
  }

  @Test
  void aCompleteSpecIsValid() {
    assertThat(KDExperimentValidator.validate(valid())).isEmpty();
  }

  private static List<ValidationProblem> problemsOf(String spec) {
    return KDExperimentValidator.validate(
        Serialization.unmarshal(
            """
            apiVersion: kdflow.dev/v1alpha1
            kind: KDExperiment
            metadata: {name: x}
            spec:
            """
                + spec.indent(2)
                + "  training: {maxEpochs: 1, initialLr: 0.01}\n",
            KDExperiment.class));
  }

  private static void assertOneError(List<ValidationProblem> problems, String path, String... in) {
    assertThat(problems)
        .filteredOn(ValidationProblem::isError)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.fieldPath()).isEqualTo(path);
              assertThat(p.message()).contains(in);
            });
  }

  @Test
  void severalTeachersWithWeightsAndAdaptersAreValidAndExclusiveWithTeacher() {
    String two =
        """
        student: {architecture: cnn}
        teachers:
          - {architecture: resnet_small, checkpoint: {checkpointPath: /ckpt/a}, weight: 2}
          - torchscript: /models/b.pt
            inputAdapter: {meanOriginal: [0.3], stdOriginal: [0.3], meanRequired: [0.5], stdRequired: [0.5]}
        kd: {teachersMode: sumLosses}
        """;
    assertThat(problemsOf(two)).isEmpty();
    assertOneError(
        problemsOf(two + "teacher: {architecture: cnn, checkpoint: {checkpointPath: /c}}\n"),
        "spec.teachers",
        "not both");
    assertOneError(
        problemsOf(two.replace("weight: 2", "weight: 0")), "spec.teachers[0].weight", "> 0");
    assertOneError(
        problemsOf(two.replace("stdRequired: [0.5]", "stdRequired: [0.5, 0.5]")),
        "spec.teachers[1].inputAdapter",
        "same length");
    assertOneError(
        problemsOf(
            """
            student: {architecture: cnn}
            teacher: {architecture: cnn, checkpoint: {checkpointPath: /c}, weight: 2}
            """),
        "spec.teacher.weight",
        "spec.teachers");
    assertOneError(
        problemsOf("student: {architecture: cnn}\nteachers: []\n"), "spec.teachers", "1 to 8");
  }

  @Test
  void hintsNameFeaturePointsOfOneTeacherAndUnknownNamesListTheValidOnes() {
    String hinted =
        """
        student: {architecture: cnn, archParams: {channels: [8, 16, 32]}}
        teacher: {architecture: resnet_small, checkpoint: {checkpointPath: /c}}
        kd:
          hints: [{student: stage3, teacher: block4, weight: 0.5}, {student: hidden, teacher: pool}]
        """;
    assertThat(problemsOf(hinted)).isEmpty();
    assertOneError(
        problemsOf(hinted.replace("stage3", "conv3")),
        "spec.kd.hints[0].student",
        "unknown feature point 'conv3' of cnn; valid: stage1, stage2, stage3, hidden, logits");
    assertOneError(
        problemsOf(hinted.replace("block4", "layer4")),
        "spec.kd.hints[0].teacher",
        "valid: stem, block1, block2, block3, block4, pool, logits");
    assertOneError(
        problemsOf(hinted.replace("weight: 0.5", "weight: -1")), "spec.kd.hints[0].weight", "> 0");
    assertOneError(
        problemsOf(
            hinted.replace(
                "teacher: {architecture: resnet_small, checkpoint: {checkpointPath: /c}}",
                "teachers: [{torchscript: /a.pt}, {torchscript: /b.pt}]")),
        "spec.kd.hints",
        "exactly one teacher");
    // a TorchScript teacher's outputs are known only once loaded: the trainer checks them
    assertThat(
            problemsOf(
                hinted.replace(
                    "teacher: {architecture: resnet_small, checkpoint: {checkpointPath: /c}}",
                    "teacher: {torchscript: /t.pt}")))
        .isEmpty();
  }

  @Test
  void precomputedSoftLabelsNeedOneTeacherAndNoHints() {
    String precomputed =
        """
        student: {architecture: cnn}
        teacher: {architecture: resnet_small, checkpoint: {checkpointPath: /c}}
        kd:
          precompute: {shards: 2}
        """;
    assertThat(problemsOf(precomputed)).isEmpty();
    assertOneError(
        problemsOf(
            precomputed.replace(
                "teacher: {architecture: resnet_small, checkpoint: {checkpointPath: /c}}",
                "teachers: [{torchscript: /a.pt}, {torchscript: /b.pt}]")),
        "spec.kd.precompute",
        "one teacher's logits");
    assertOneError(
        problemsOf(precomputed + "  hints: [{student: stage2, teacher: block4}]\n"),
        "spec.kd.precompute",
        "spec.kd.hints need the teacher's features");
  }

  @Test
  void aMinimalSpecIsValid() {
    KDExperiment kdx =
        Serialization.unmarshal(
            """
            apiVersion: kdflow.dev/v1alpha1
            kind: KDExperiment
            metadata: {name: plain}
            spec:
              student: {architecture: cnn}
              training: {maxEpochs: 1, initialLr: 0.01}
            """,
            KDExperiment.class);
    assertThat(KDExperimentValidator.validate(kdx)).isEmpty();
  }

  private static dev.kdflow.api.PrecomputeSpec precompute(Integer topK, Integer shards) {
    dev.kdflow.api.PrecomputeSpec p = new dev.kdflow.api.PrecomputeSpec();
    p.setTopK(topK);
    p.setShards(shards);
    return p;
  }

  @Test
  void aPrecomputeSectionWithATeacherIsValid() {
    KDExperiment k = valid();
    k.getSpec().getKd().setPrecompute(precompute(5, 4));
    assertThat(KDExperimentValidator.validate(k)).isEmpty();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("metadata.name", "at most 52", k -> k.getMetadata().setName("x".repeat(60))),
        bad("metadata.name", "lower-case", k -> k.getMetadata().setName("Bad_Name")),
        bad("spec.student", "required", k -> k.getSpec().setStudent(null)),
        bad(
            "spec.student.architecture",
            "unknown architecture 'vgg99'",
            k -> k.getSpec().getStudent().setArchitecture("vgg99")),
        bad(
            "spec.student.archParams.depth",
            "unknown parameter",
            k -> k.getSpec().getStudent().getArchParams().put("depth", 3)),
        bad(
            "spec.student.archParams.numClasses",
            "must be an integer",
            k -> k.getSpec().getStudent().getArchParams().put("numClasses", "ten")),
        bad(
            "spec.teacher",
            "exactly one of architecture",
            k -> k.getSpec().getTeacher().setTorchscript("/models/t.pt")),
        bad(
            "spec.teacher",
            "exactly one of architecture",
            k -> k.getSpec().getTeacher().setArchitecture(null)),
        bad(
            "spec.teacher.archParams.numClasses",
            "same number of classes",
            k -> k.getSpec().getTeacher().getArchParams().put("numClasses", 100)),
        bad(
            "spec.teacher.checkpoint.checkpointPath",
            "required when checkpoint is given",
            k -> k.getSpec().getTeacher().setCheckpoint(new dev.kdflow.api.CheckpointParams())),
        bad(
            "spec.kd.loss.distillationLossCoeff",
            "must be in [0, 1]",
            k -> k.getSpec().getKd().getLoss().setDistillationLossCoeff(1.5)),
        bad(
            "spec.kd.loss.temperature",
            "must be > 0, got 0.0",
            k -> k.getSpec().getKd().getLoss().setTemperature(0.0)),
        bad(
            "spec.kd.loss.labelSmoothing",
            "[0, 1)",
            k -> k.getSpec().getKd().getLoss().setLabelSmoothing(1.0)),
        bad(
            "spec.kd.precompute.topK",
            "must be >= 1",
            k -> k.getSpec().getKd().setPrecompute(precompute(0, 1))),
        bad(
            "spec.kd.precompute.shards",
            "must be in [1, 1000]",
            k -> k.getSpec().getKd().setPrecompute(precompute(null, 0))),
        bad(
            "spec.kd.precompute.shards",
            "must be in [1, 1000]",
            k -> k.getSpec().getKd().setPrecompute(precompute(null, 1001))),
        bad(
            "spec.kd.precompute",
            "set spec.teacher",
            k -> {
              k.getSpec().setTeacher(null);
              k.getSpec().getKd().setTeacherInputAdapter(null);
              k.getSpec().getKd().setPrecompute(precompute(5, 4));
            }),
        bad(
            "spec.kd.teacherInputAdapter",
            "same length",
            k -> k.getSpec().getKd().getTeacherInputAdapter().setMeanRequired(List.of(0.1, 0.2))),
        bad(
            "spec.training.maxEpochs",
            "must be >= 1, got 0",
            k -> k.getSpec().getTraining().setMaxEpochs(0)),
        bad(
            "spec.training.maxEpochs",
            "required",
            k -> k.getSpec().getTraining().setMaxEpochs(null)),
        bad(
            "spec.training.initialLr",
            "must be > 0",
            k -> k.getSpec().getTraining().setInitialLr(-0.1)),
        bad(
            "spec.training.lrUpdates",
            "strictly increasing",
            k -> k.getSpec().getTraining().setLrUpdates(List.of(3, 3, 9))),
        bad(
            "spec.training.lrUpdates[2]",
            "must be <= maxEpochs (10), got 12",
            k -> k.getSpec().getTraining().setLrUpdates(List.of(3, 6, 12))),
        bad(
            "spec.training.lrUpdates",
            "required by lrMode step",
            k -> k.getSpec().getTraining().setLrUpdates(List.of())),
        bad(
            "spec.training.emaParams.decay",
            "must be in (0, 1)",
            k -> k.getSpec().getTraining().getEmaParams().setDecay(1.0)),
        bad(
            "spec.training.saveCkptEpochList[1]",
            "must be an epoch in [1, maxEpochs=10]",
            k -> k.getSpec().getTraining().setSaveCkptEpochList(List.of(5, 11))),
        bad(
            "spec.training.lrWarmupEpochs",
            "must be < maxEpochs",
            k -> k.getSpec().getTraining().setLrWarmupEpochs(10)),
        bad(
            "spec.training.optimizerParams.betas",
            "two values",
            k -> k.getSpec().getTraining().getOptimizerParams().setBetas(List.of(0.9))),
        bad(
            "spec.dataset.batchSize",
            "must be >= 1, got 0",
            k -> k.getSpec().getDataset().setBatchSize(0)),
        bad(
            "spec.dataset.validBatchSize",
            "must be >= 1",
            k -> k.getSpec().getDataset().setValidBatchSize(-5)),
        bad(
            "spec.dataset.numWorkers",
            "between 1 and 256, got 0",
            k -> k.getSpec().getDataset().setNumWorkers(0)),
        bad(
            "spec.dataset.numWorkers",
            "between 1 and 256, got 257",
            k -> k.getSpec().getDataset().setNumWorkers(257)),
        bad(
            "spec.dataset.prefetch",
            "between 1 and 64, got 0",
            k -> k.getSpec().getDataset().setPrefetch(0)),
        bad(
            "spec.dataset.randomResizedCropMinScale",
            "must be in (0, 1]",
            k -> k.getSpec().getDataset().setRandomResizedCropMinScale(0.0)),
        bad(
            "spec.dataset.randomResizedCrop",
            "imageFolder only",
            k -> k.getSpec().getDataset().setRandomResizedCrop(true)),
        bad(
            "spec.dataset.path",
            "required for dataset type cifar10",
            k -> k.getSpec().getDataset().setType(dev.kdflow.api.DatasetSpec.Type.CIFAR10)),
        bad(
            "spec.resources.memory",
            "positive Kubernetes quantity",
            k -> k.getSpec().getResources().setMemory("16 gigs")),
        bad(
            "spec.resources.cpu",
            "positive Kubernetes quantity",
            k -> k.getSpec().getResources().setCpu("0")),
        bad("spec.resources.gpus", "0 (CPU) or 1", k -> k.getSpec().getResources().setGpus(-1)),
        bad(
            "spec.resources.gpus",
            "one device per run until multi-device training exists",
            k -> k.getSpec().getResources().setGpus(2)),
        bad("spec.storage", "not both", k -> k.getSpec().getStorage().setExistingClaim("my-claim")),
        bad("spec.storage", "set existingClaim", k -> k.getSpec().getStorage().setSize(null)),
        bad(
            "spec.storage.mountPath",
            "collides",
            k -> k.getSpec().getStorage().setMountPath("/tmp")),
        bad(
            "spec.scheduling.queueName",
            "Kueue LocalQueue",
            k -> k.getSpec().getScheduling().setQueueName("bad queue")),
        bad(
            "spec.scheduling.tolerations[0].operator",
            "Equal or Exists",
            k -> k.getSpec().getScheduling().getTolerations().get(0).setOperator("Maybe")),
        bad(
            "spec.runPolicy.activeDeadlineSeconds",
            "must be >= 1",
            k -> k.getSpec().getRunPolicy().setActiveDeadlineSeconds(0L)),
        bad(
            "spec.runPolicy.backoffLimit",
            "[0, 100]",
            k -> k.getSpec().getRunPolicy().setBackoffLimit(-1)),
        bad("spec.image", "without spaces", k -> k.getSpec().setImage("kdflow trainer")),
        bad(
            "spec.kd.teacherTrainMode",
            "TorchScript teacher runs in inference mode only",
            k -> {
              k.getSpec().getTeacher().setArchitecture(null);
              k.getSpec().getTeacher().setTorchscript("/models/teacher.pt");
              k.getSpec().getKd().setTeacherTrainMode(true);
            }),
        bad(
            "spec.training.lrWarmupSteps",
            "warmupMode linearBatch only",
            k -> k.getSpec().getTraining().setLrWarmupSteps(10)),
        bad(
            "spec.training.warmupInitialLr",
            "required with warmupMode linearBatch",
            k -> {
              k.getSpec().getTraining().setWarmupMode(TrainingSpec.WarmupMode.LINEAR_BATCH);
              k.getSpec().getTraining().setLrWarmupSteps(10);
            }));
  }

  static Arguments bad(String path, String messagePart, Consumer<KDExperiment> breakIt) {
    return Arguments.of(path, messagePart, breakIt);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("invalid")
  void namesTheFieldAndTheProblem(String path, String messagePart, Consumer<KDExperiment> breakIt) {
    KDExperiment kdx = valid();
    breakIt.accept(kdx);
    List<ValidationProblem> problems = KDExperimentValidator.validate(kdx);
    assertThat(problems)
        .as("problems of %s", path)
        .anySatisfy(
            p -> {
              assertThat(p.fieldPath()).isEqualTo(path);
              assertThat(p.message()).contains(messagePart);
              assertThat(p.isError()).isTrue();
            });
    assertThat(KDExperimentValidator.hasErrors(problems)).isTrue();
  }

  /** The manifest the CLI's and the operator's tests check too: the same two problems. */
  @Test
  void theSharedInvalidManifestHasTwoProblems() throws java.io.IOException {
    KDExperiment kdx;
    try (var in = getClass().getResourceAsStream("invalid-experiment.yaml")) {
      kdx = Serialization.unmarshal(in, KDExperiment.class);
    }
    assertThat(KDExperimentValidator.validate(kdx))
        .extracting(ValidationProblem::fieldPath)
        .containsExactly("spec.training.maxEpochs", "spec.resources.gpus");
  }

  @Test
  void aTeacherWithoutWeightsRunsWithOneWarning() {
    KDExperiment kdx = valid();
    kdx.getSpec().getTeacher().setCheckpoint(null);
    List<ValidationProblem> problems = KDExperimentValidator.validate(kdx);
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.severity()).isEqualTo(ValidationProblem.Severity.WARNING);
              assertThat(p.fieldPath()).isEqualTo("spec.teacher.checkpoint");
              assertThat(p.message()).contains("random initial weights", "checkpointPath");
            });
    assertThat(KDExperimentValidator.hasErrors(problems)).isFalse();
  }

  @Test
  void aSteepDistillationGradientIsAWarningNamingTheLearningRate() {
    KDExperiment kdx = valid();
    kdx.getSpec().getKd().getLoss().setTemperature(8.0);
    kdx.getSpec().getKd().getLoss().setDistillationLossCoeff(0.9);
    assertThat(KDExperimentValidator.validate(kdx))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.isError()).isFalse();
              assertThat(p.fieldPath()).isEqualTo("spec.kd.loss.temperature");
              assertThat(p.message()).contains("α·T = 7.2", "diverge", "training.initialLr");
            });
    kdx.getSpec().getKd().getLoss().setDistillationLossCoeff(0.5);
    assertThat(KDExperimentValidator.validate(kdx)).isEmpty();
    // Without a teacher the KD loss is not used, so there is nothing to warn about.
    kdx.getSpec().getKd().setTeacherInputAdapter(null);
    kdx.getSpec().setTeacher(null);
    kdx.getSpec().getKd().getLoss().setDistillationLossCoeff(0.9);
    assertThat(KDExperimentValidator.validate(kdx)).isEmpty();
  }

  @Test
  void theLibraryEntryPointsApplyTheSameRules() {
    KDExperiment kdx = valid();
    kdx.getSpec().getTraining().setMaxEpochs(0);
    kdx.getSpec().getStudent().getArchParams().put("numClasses", "ten");
    List<ValidationProblem> all = KDExperimentValidator.validate(kdx);
    assertThat(KDExperimentValidator.validateTraining(kdx.getSpec().getTraining()))
        .containsExactlyElementsOf(
            all.stream().filter(p -> p.fieldPath().startsWith("spec.training")).toList());
    assertThat(
            KDExperimentValidator.validateArchitecture(
                "spec.student",
                kdx.getSpec().getStudent().getArchitecture(),
                kdx.getSpec().getStudent().getArchParams()))
        .containsExactlyElementsOf(
            all.stream().filter(p -> p.fieldPath().startsWith("spec.student")).toList());
  }

  @Test
  void anExceptionCarriesTheErrorsAndLetsWarningsThrough() {
    ValidationProblem warning = ValidationProblem.warning("spec.teacher.checkpoint", "not set");
    assertThat(InvalidExperimentException.throwIfErrors(List.of(warning))).containsExactly(warning);
    ValidationProblem error = ValidationProblem.error("spec.training.maxEpochs", "must be >= 1");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> InvalidExperimentException.throwIfErrors(List.of(warning, error)))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e -> {
              assertThat(e.problems()).containsExactly(error);
              assertThat(e.getFieldPath()).isEqualTo("spec.training.maxEpochs");
              assertThat(e).hasMessage("spec.training.maxEpochs: must be >= 1");
            });
    assertThat(error.in("kd.yaml")).hasToString("kd.yaml: spec.training.maxEpochs: must be >= 1");
  }

  @Test
  void messagesReadAsPathColonProblem() {
    KDExperiment kdx = valid();
    kdx.getSpec().getTraining().setMaxEpochs(0);
    assertThat(KDExperimentValidator.validate(kdx))
        .extracting(ValidationProblem::toString)
        .contains("spec.training.maxEpochs: must be >= 1, got 0");
  }

  @Test
  void aTorchScriptTeacherNeedsNoArchitecture() {
    KDExperiment kdx = valid();
    kdx.getSpec().getTeacher().setArchitecture(null);
    kdx.getSpec().getTeacher().getArchParams().clear();
    kdx.getSpec().getTeacher().setCheckpoint(null);
    kdx.getSpec().getTeacher().setTorchscript("/models/teacher.pt");
    assertThat(KDExperimentValidator.validate(kdx)).isEmpty();
  }

  @Test
  void reportsEveryProblemAtOnce() {
    KDExperiment kdx = valid();
    kdx.getSpec().getTraining().setMaxEpochs(0);
    kdx.getSpec().getDataset().setBatchSize(0);
    kdx.getSpec().getKd().getLoss().setTemperature(-1.0);
    assertThat(KDExperimentValidator.validate(kdx))
        .extracting(ValidationProblem::fieldPath)
        .contains("spec.training.maxEpochs", "spec.dataset.batchSize", "spec.kd.loss.temperature");
  }
}
