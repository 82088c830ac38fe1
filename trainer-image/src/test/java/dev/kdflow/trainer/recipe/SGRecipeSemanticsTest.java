package dev.kdflow.trainer.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kdflow.api.CheckpointParams;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.EmaParams;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.ValidationProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A mapped recipe means what SuperGradients 3.7.1 means: its defaults where the recipe is silent,
 * its spellings of each setting, and a named error for what kdflow cannot do.
 */
class SGRecipeSemanticsTest {
  @TempDir Path tmp;

  private KDExperimentSpec spec(String extra) throws IOException {
    Path file = Files.createTempFile(tmp, "recipe", ".yaml");
    Files.writeString(
        file,
        """
        student_architecture: mlp
        teacher_architecture: cnn
        teacher_checkpoint_params: {checkpoint_path: /ckpt/teacher}
        """
            + extra);
    return ExperimentLoader.load(file, List.of()).experiment().getSpec();
  }

  private KDExperimentSpec withHyperparams(String hyperparams) throws IOException {
    return spec(
        "training_hyperparams: {max_epochs: 3, initial_lr: 0.1, average_best_models: false, %s}\n"
            .formatted(hyperparams));
  }

  private List<String> rejected(String extra) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> spec(extra));
    assertThat(thrown).isInstanceOf(InvalidExperimentException.class);
    return ((InvalidExperimentException) thrown)
        .problems().stream().map(ValidationProblem::fieldPath).toList();
  }

  @Test
  void runTeacherOnEvalIsTheTeachersModeNotValidation() throws IOException {
    String hp = "training_hyperparams: {max_epochs: 1, initial_lr: 0.1}\n";
    KDExperimentSpec evalMode = spec(hp + "run_teacher_on_eval: true\n");
    assertThat(evalMode.getKd().getTeacherTrainMode()).isFalse();
    assertThat(evalMode.getKd().getRunTeacherOnValidation()).isTrue();
    KDExperimentSpec trainMode = spec(hp + "run_teacher_on_eval: false\n");
    assertThat(trainMode.getKd().getTeacherTrainMode()).isTrue();
    // SuperGradients' KDTrainer still runs the teacher on validation batches
    assertThat(trainMode.getKd().getRunTeacherOnValidation()).isTrue();
    // SuperGradients' default is false: the teacher follows the module into train mode
    assertThat(spec(hp).getKd().getTeacherTrainMode()).isTrue();
    assertThat(rejected(hp + "arch_params: {run_teacher_on_eval: true}\n"))
        .contains("arch_params.run_teacher_on_eval");
  }

  @Test
  void aTorchScriptTeacherStaysInEvalMode() throws IOException {
    Path file = Files.createTempFile(tmp, "recipe", ".yaml");
    String recipe =
        "student_architecture: mlp\nteacher_torchscript: /models/teacher.pt\n"
            + "training_hyperparams: {max_epochs: 1, initial_lr: 0.1}\n";
    Files.writeString(file, recipe);
    assertThat(ExperimentLoader.load(file, List.of()).experiment().getSpec().getKd())
        .satisfies(kd -> assertThat(kd.getTeacherTrainMode()).isFalse());
    Files.writeString(file, recipe + "run_teacher_on_eval: false\n");
    assertThatThrownBy(() -> ExperimentLoader.load(file, List.of()))
        .isInstanceOf(InvalidExperimentException.class)
        .hasMessageContaining("run_teacher_on_eval: a TorchScript teacher runs in eval mode only");
  }

  @ParameterizedTest(name = "{0} → weight decay {1}, momentum {2}")
  @CsvSource({"SGD, 1e-4, 0.9", "Adam, 1e-4, 0.9", "AdamW, 0.01, 0.9"})
  void optimizerDefaultsAreSuperGradients(String optimizer, double weightDecay, double momentum)
      throws IOException {
    TrainingSpec t = withHyperparams("optimizer: " + optimizer).getTraining();
    assertThat(t.getOptimizerParams().getWeightDecay()).isEqualTo(weightDecay);
    assertThat(t.getOptimizerParams().getMomentum()).isEqualTo(momentum);
    TrainingSpec given =
        withHyperparams("optimizer: " + optimizer + ", optimizer_params: {weight_decay: 0.0}")
            .getTraining();
    assertThat(given.getOptimizerParams().getWeightDecay()).isZero();
  }

  @Test
  void emaDecaysExponentiallyUnlessTold() throws IOException {
    TrainingSpec t = withHyperparams("ema: true").getTraining();
    assertThat(t.getEmaParams().getDecayType()).isEqualTo(EmaParams.DecayType.EXP);
    assertThat(t.getEmaParams().getBeta()).isEqualTo(15.0);
    TrainingSpec threshold =
        withHyperparams("ema: true, ema_params: {decay_type: threshold}").getTraining();
    assertThat(threshold.getEmaParams().getDecayType()).isEqualTo(EmaParams.DecayType.THRESHOLD);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "LinearEpochLRWarmup, LINEAR_EPOCH",
    "linear_epoch_step, LINEAR_EPOCH",
    "LinearBatchLRWarmup, LINEAR_BATCH",
    "linear_batch_step, LINEAR_BATCH"
  })
  void warmupModesStayDistinct(String name, TrainingSpec.WarmupMode mode) throws IOException {
    TrainingSpec t =
        withHyperparams(
                "warmup_mode: %s, lr_warmup_steps: %d, warmup_initial_lr: 0.01"
                    .formatted(name, mode == TrainingSpec.WarmupMode.LINEAR_BATCH ? 20 : 0))
            .getTraining();
    assertThat(t.getWarmupMode()).isEqualTo(mode);
    assertThat(t.getLrWarmupSteps())
        .isEqualTo(mode == TrainingSpec.WarmupMode.LINEAR_BATCH ? 20 : 0);
  }

  @Test
  void unknownOrNullWarmupModesAreNamed() {
    String hp = "training_hyperparams: {max_epochs: 3, initial_lr: 0.1, warmup_mode: %s}\n";
    assertThat(rejected(hp.formatted("CosineWarmup"))).contains("training_hyperparams.warmup_mode");
    assertThat(rejected(hp.formatted("null"))).contains("training_hyperparams.warmup_mode");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{_target_: super_gradients.training.sg_trainer.StrictLoad, value: True} | true",
        "{_target_: super_gradients.training.sg_trainer.StrictLoad, value: False} | false",
        "{_target_: super_gradients.training.sg_trainer.StrictLoad, value: 'on'} | true",
        "'off' | false",
        "true | true"
      })
  void strictLoadInEverySuperGradientsSpelling(String value, boolean strict) throws IOException {
    CheckpointParams ckpt =
        spec("student_checkpoint_params: {checkpoint_path: /ckpt/s, strict_load: %s}\n"
                    .formatted(value)
                + "training_hyperparams: {max_epochs: 1, initial_lr: 0.1}\n")
            .getStudent()
            .getCheckpoint();
    assertThat(ckpt.getStrictLoad()).isEqualTo(strict);
  }

  @Test
  void strictLoadModesKdflowLacksAreNamed() {
    String hp = "training_hyperparams: {max_epochs: 1, initial_lr: 0.1}\n";
    assertThat(
            rejected(
                hp
                    + "student_checkpoint_params: {checkpoint_path: /s, strict_load: {_target_:"
                    + " x.StrictLoad, value: no_key_matching}}\n"))
        .contains("student_checkpoint_params.strict_load.value");
    assertThat(rejected(hp + "student_checkpoint_params: {strict_load: key_matching}\n"))
        .contains("student_checkpoint_params.strict_load");
  }

  @Test
  void averageBestModelsIsRefusedByName() {
    assertThat(
            rejected(
                "training_hyperparams: {max_epochs: 1, initial_lr: 0.1, average_best_models:"
                    + " true}\n"))
        .containsExactly("training_hyperparams.average_best_models");
  }

  @Test
  void loaderKeysMapOrAreRejected() throws IOException {
    String hp = "training_hyperparams: {max_epochs: 1, initial_lr: 0.1}\n";
    DatasetSpec d =
        spec(hp
                + "dataset_params:\n"
                + "  train_dataloader_params: {batch_size: 64, shuffle: true, drop_last: false,"
                + " num_workers: 6, pin_memory: true}\n"
                + "  val_dataloader_params: {batch_size: 100, num_workers: 0, drop_last:"
                + " false}\n")
            .getDataset();
    assertThat(d.getBatchSize()).isEqualTo(64);
    assertThat(d.getValidBatchSize()).isEqualTo(100);
    assertThat(d.getNumWorkers()).isEqualTo(1);
    assertThat(
            rejected(
                hp
                    + "device: cpu\n"
                    + "dataset_params:\n"
                    + "  train_dataloader_params: {shuffle: false, drop_last: true}\n"
                    + "  val_dataloader_params: {drop_last: true}\n"))
        .containsExactlyInAnyOrder(
            "device",
            "dataset_params.train_dataloader_params.shuffle",
            "dataset_params.train_dataloader_params.drop_last",
            "dataset_params.val_dataloader_params.drop_last");
  }

  @Test
  void superGradientsCrossEntropySmoothingIsKept() throws IOException {
    var loss =
        withHyperparams(
                "criterion_params: {task_loss_fn: {_target_:"
                    + " super_gradients.training.losses.label_smoothing_cross_entropy_loss.CrossEntropyLoss,"
                    + " smooth_eps: 0.2}}")
            .getKd()
            .getLoss();
    assertThat(loss.getLabelSmoothing()).isEqualTo(0.2);
  }

  @Test
  void theDefaultHyperparamsOfSuperGradientsMapAsTheyAre() throws IOException {
    // every key of SuperGradients' default_train_params.yaml, at its default, is accepted
    TrainingSpec t =
        spec("""
                defaults:
                  - training_hyperparams: default_train_params
                  - _self_
                training_hyperparams:
                  max_epochs: 2
                  initial_lr: 0.1
                  average_best_models: false
                """)
            .getTraining();
    assertThat(t.getWarmupMode()).isEqualTo(TrainingSpec.WarmupMode.LINEAR_EPOCH);
    assertThat(t.getLrMode()).isEqualTo(TrainingSpec.LrMode.CONSTANT);
    assertThat(t.getLrUpdates()).isEmpty();
    assertThat(t.getEmaParams().getDecayType()).isEqualTo(EmaParams.DecayType.EXP);
    assertThat(t.getOptimizerParams().getWeightDecay()).isEqualTo(1e-4);
  }

  @Test
  void numpyArangeLrUpdatesOfTheCifarRecipe() throws IOException {
    TrainingSpec t =
        spec("""
                defaults:
                  - training_hyperparams: cifar10_resnet_train_params
                  - _self_
                training_hyperparams: {average_best_models: false, loss: KDLogitsLoss}
                """)
            .getTraining();
    assertThat(t.getLrUpdates()).containsExactly(100, 150, 200);
    assertThat(t.getMaxEpochs()).isEqualTo(250);
    assertThat(t.getLrMode()).isEqualTo(TrainingSpec.LrMode.STEP);
  }

  @Test
  void shortcutsAndEnvironmentInterpolationReachTheirTargets() throws IOException {
    KDExperimentSpec s =
        spec(
            """
            lr: 0.03
            batch_size: 32
            epochs: 4
            training_hyperparams:
              initial_lr: 0.1
              max_epochs: 100
              average_best_models: false
              warmup_initial_lr: ${oc.env:KDFLOW_TEST_SURELY_UNSET_VARIABLE,0.001}
            """);
    assertThat(s.getTraining().getInitialLr()).isEqualTo(0.03);
    assertThat(s.getTraining().getMaxEpochs()).isEqualTo(4);
    assertThat(s.getDataset().getBatchSize()).isEqualTo(32);
    assertThat(s.getTraining().getWarmupInitialLr()).isEqualTo(0.001);
    assertThat(rejected("training_hyperparams: {max_epochs: 1, initial_lr: '${add:1,2}'}\n"))
        .containsExactly("training_hyperparams.initial_lr");
  }
}
