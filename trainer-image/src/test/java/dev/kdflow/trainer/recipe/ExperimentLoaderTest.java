package dev.kdflow.trainer.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.LossSpec;
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

class ExperimentLoaderTest {
  static final Path EXAMPLES = Path.of("..", "examples", "fashion-mnist");

  @TempDir Path tmp;

  @Test
  void readsTheExampleManifest() {
    ExperimentLoader.Loaded loaded = ExperimentLoader.load(EXAMPLES.resolve("kd.yaml"), List.of());
    KDExperiment kdx = loaded.experiment();
    assertThat(loaded.format()).isEqualTo(ExperimentLoader.Format.MANIFEST);
    assertThat(kdx.getMetadata().getName()).isEqualTo("fashion-mnist-kd");
    assertThat(kdx.getSpec().getStudent().getArchitecture()).isEqualTo("mlp");
    assertThat(kdx.getSpec().getStudent().getArchParams())
        .containsEntry("hiddenSizes", List.of(800, 800));
    assertThat(kdx.getSpec().getTeacher().getCheckpoint().getCheckpointPath())
        .isEqualTo("checkpoints/fashion-mnist-teacher/ckpt_best");
    assertThat(kdx.getSpec().getKd().getLoss().getTemperature()).isEqualTo(4.0);
    // Defaults come from the api types when a field is absent.
    assertThat(kdx.getSpec().getTraining().getEma()).isFalse();
    assertThat(kdx.getSpec().getDataset().getValidBatchSize()).isEqualTo(512);
  }

  @Test
  void theRecipeAndTheManifestDescribeTheSameTraining() {
    KDExperimentSpec manifest =
        ExperimentLoader.load(EXAMPLES.resolve("kd.yaml"), List.of()).experiment().getSpec();
    ExperimentLoader.Loaded recipe =
        ExperimentLoader.load(EXAMPLES.resolve("kd-recipe.yaml"), List.of());
    assertThat(recipe.format()).isEqualTo(ExperimentLoader.Format.RECIPE);
    KDExperimentSpec fromRecipe = recipe.experiment().getSpec();
    assertThat(recipe.experiment().getMetadata().getName()).isEqualTo("fashion-mnist-kd-recipe");
    assertThat(fromRecipe.getStudent()).isEqualTo(manifest.getStudent());
    assertThat(fromRecipe.getTeacher()).isEqualTo(manifest.getTeacher());
    assertThat(fromRecipe.getKd()).isEqualTo(manifest.getKd());
    assertThat(fromRecipe.getTraining()).isEqualTo(manifest.getTraining());
    assertThat(fromRecipe.getDataset()).isEqualTo(manifest.getDataset());
    assertThat(fromRecipe.getCheckpoints().getRootDir())
        .isEqualTo(manifest.getCheckpoints().getRootDir());
  }

  @Test
  void overridesKeepTheirYamlTypes() {
    KDExperiment kdx =
        ExperimentLoader.load(
                EXAMPLES.resolve("kd.yaml"),
                List.of(
                    "training.maxEpochs=2",
                    "spec.kd.loss.distillationLossCoeff=0.25",
                    "training.lrUpdates=[1, 2]",
                    "training.lrMode=step",
                    "dataset.trainLimit=256"))
            .experiment();
    TrainingSpec t = kdx.getSpec().getTraining();
    assertThat(t.getMaxEpochs()).isEqualTo(2);
    assertThat(t.getLrUpdates()).containsExactly(1, 2);
    assertThat(t.getLrMode()).isEqualTo(TrainingSpec.LrMode.STEP);
    assertThat(kdx.getSpec().getKd().getLoss().getDistillationLossCoeff()).isEqualTo(0.25);
    assertThat(kdx.getSpec().getDataset().getTrainLimit()).isEqualTo(256);
  }

  @Test
  void recipeOverridesUseRecipeKeys() {
    KDExperiment kdx =
        ExperimentLoader.load(
                EXAMPLES.resolve("kd-recipe.yaml"),
                List.of(
                    "training_hyperparams.max_epochs=1",
                    "training_hyperparams.criterion_params.temperature=2"))
            .experiment();
    assertThat(kdx.getSpec().getTraining().getMaxEpochs()).isEqualTo(1);
    assertThat(kdx.getSpec().getKd().getLoss().getTemperature()).isEqualTo(2.0);
  }

  @Test
  void mapsSuperGradientsAdapterLossAndSchedule() throws IOException {
    Path recipe =
        write(
            """
            student_architecture: resnet18
            teacher_architecture: resnet50
            student_arch_params: {num_classes: 10, small_image_stem: true}
            teacher_arch_params: {num_classes: 10}
            teacher_checkpoint_params: {checkpoint_path: /ckpt/teacher, strict_load: "off"}
            arch_params:
              teacher_input_adapter:
                _target_: super_gradients.training.utils.kd_trainer_utils.NormalizationAdapter
                mean_original: [0.485, 0.456, 0.406]
                std_original: [0.229, 0.224, 0.225]
                mean_required: [0.5, 0.5, 0.5]
                std_required: [0.5, 0.5, 0.5]
            train_dataloader: cifar10_train
            val_dataloader: cifar10_val
            dataset_params:
              train_dataset_params: {root: /data/cifar}
            training_hyperparams:
              max_epochs: 30
              initial_lr: 0.1
              lr_mode: StepLRScheduler
              lr_updates: [10, 20]
              lr_decay_factor: 0.1
              lr_warmup_epochs: 2
              ema: true
              ema_params: {decay: 0.9, decay_type: exp, beta: 10}
              loss: KDLogitsLoss
              criterion_params:
                distillation_loss_coeff: 0.8
                task_loss_fn:
                  _target_: super_gradients.training.losses.label_smoothing_cross_entropy_loss.LabelSmoothingCrossEntropyLoss
                  smooth_eps: 0.1
            experiment_name: Resnet50_To_Resnet18
            """);
    KDExperiment kdx = ExperimentLoader.load(recipe, List.of()).experiment();
    KDExperimentSpec s = kdx.getSpec();
    assertThat(kdx.getMetadata().getName()).isEqualTo("resnet50-to-resnet18");
    assertThat(s.getStudent().getArchParams()).containsEntry("smallImageStem", true);
    assertThat(s.getTeacher().getCheckpoint().getStrictLoad()).isFalse();
    assertThat(s.getKd().getTeacherInputAdapter().getStdRequired()).containsExactly(0.5, 0.5, 0.5);
    assertThat(s.getDataset().getType()).isEqualTo(DatasetSpec.Type.CIFAR10);
    assertThat(s.getDataset().getPath()).isEqualTo("/data/cifar");
    assertThat(s.getTraining().getLrMode()).isEqualTo(TrainingSpec.LrMode.STEP);
    assertThat(s.getTraining().getEmaParams().getBeta()).isEqualTo(10.0);
    assertThat(s.getKd().getLoss().getLabelSmoothing()).isEqualTo(0.1);
    assertThat(s.getKd().getLoss().getTaskLoss()).isEqualTo(LossSpec.TaskLoss.CROSS_ENTROPY);
    assertThat(s.getKd().getLoss().getDistillationLossCoeff()).isEqualTo(0.8);
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          apiVersion: kdflow.dev/v1alpha1\\nkind: KDExperiment\\nmetadata: {name: x}\\nspec: {student: {architecture: mlp}, training: {maxEpochs: two}} | spec.training.maxEpochs: must be an integer
          apiVersion: kdflow.dev/v1alpha1\\nkind: KDExperiment\\nmetadata: {name: x}\\nspec: {student: {architecture: mlp}, training: {maxEpoch: 2}} | spec.training.maxEpoch: unknown field
          apiVersion: kdflow.dev/v1alpha1\\nkind: KDExperiment\\nmetadata: {name: x}\\nspec: {student: {architecture: mlp}, training: {optimizer: RMSprop}} | spec.training.optimizer: must be one of SGD, Adam, AdamW
          apiVersion: kdflow.dev/v1alpha1\\nkind: KDExperiment\\nmetadata: {name: x}\\nspec: {student: {architecture: mlp}, kd: {loss: {temperature: hot}}} | spec.kd.loss.temperature: must be a number
          apiVersion: kdflow.dev/v1alpha1\\nkind: KDExperiment\\nmetadata: {name: x}\\nspec: {student: [mlp]} | spec.student: must be a mapping
          apiVersion: kdflow.dev/v1alpha1\\nkind: KDExperiment\\nmetadata: {name: x}\\nspec: {student: {architecture: mlp}, dataset: {type: svhn}} | spec.dataset.type: must be one of fashionMnist, mnist, cifar10, imageFolder
          apiVersion: kdflow.dev/v1alpha1\\nkind: KDExperiment\\nmetadata: {name: x}\\nspec: {student: {architecture: mlp}, training: {maxEpochs: 2.5}} | spec.training.maxEpochs: must be an integer
          apiVersion: kdflow.dev/v1\\nkind: KDExperiment\\nmetadata: {name: x} | apiVersion/kind: expected apiVersion: kdflow.dev/v1alpha1
          apiVersion: kdflow.dev/v1alpha1\\nkind: KDExperiment\\nspec: {} | metadata.name: required
          student_architecture: mlp\\ntraining_hyperparams: {max_epochs: 1, initial_lr: 0.1, mixed_precision: true} | training_hyperparams.mixed_precision: mixed precision is not supported
          student_architecture: mlp\\ntraining_hyperparams: {max_epochs: 1, warmup_steps: 3} | training_hyperparams.warmup_steps: kdflow does not support this key
          student_architecture: mlp\\ntraining_hyperparams: {max_epochs: 1}\\nmulti_gpu: DDP\\nnum_gpus: 8 | multi_gpu: kdflow trains on one device per run
          student_architecture: mlp\\ntraining_hyperparams: {max_epochs: 1, loss: DiceLoss} | training_hyperparams.loss: only KDLogitsLoss is supported
          student_architecture: mlp\\ntraining_hyperparams: {max_epochs: 1}\\ndefaults: [training_hyperparams: coco2017_yolox_train_params, _self_] | defaults[0]: no config training_hyperparams/coco2017_yolox_train_params.yaml next to the recipe
          student_architecture: mlp\\nteacher_architecture: resnet50\\nteacher_checkpoint_params: {pretrained_weights: imagenet}\\ntraining_hyperparams: {max_epochs: 1} | teacher_checkpoint_params.pretrained_weights: kdflow never downloads weights
          student_architecture: mlp\\ntraining_hyperparams: {max_epochs: 1, lr_mode: PolyLRScheduler} | training_hyperparams.lr_mode: must be StepLRScheduler, CosineLRScheduler or null
          student_architecture: mlp\\ntraining_hyperparams: {max_epochs: ten} | training_hyperparams.max_epochs: must be an integer
          student_architecture: mlp\\narch_params: {teacher_input_adapter: {_target_: my.Adapter}}\\ntraining_hyperparams: {max_epochs: 1} | arch_params.teacher_input_adapter._target_: only ...kd_trainer_utils.NormalizationAdapter is supported
          training_hyperparams: {max_epochs: 1} | student_architecture: required
          student_architecture: mlp\\ntraining_hyperparams: {max_epochs: 1}\\ntrain_dataloader: svhn_train | train_dataloader: unknown dataset svhn_train
          student_architecture: mlp\\ntraining_hyperparams: {max_epochs: 1, criterion_params: {task_loss_fn: {_target_: torch.nn.NLLLoss}}} | training_hyperparams.criterion_params.task_loss_fn: only CrossEntropyLoss
          student_architecture: [mlp\\ntraining_hyperparams: 1 | not valid YAML (line
          - just a list | must hold a YAML mapping
          """)
  void badInputNamesTheFieldPath(String yaml, String expected) throws IOException {
    Path file = write(yaml.replace("\\n", "\n"));
    assertThatThrownBy(() -> ExperimentLoader.load(file, List.of()))
        .isInstanceOf(InvalidExperimentException.class)
        .hasMessageContaining(expected);
  }

  @Test
  void malformedOverridesAreRejected() {
    assertThatThrownBy(
            () -> ExperimentLoader.load(EXAMPLES.resolve("kd.yaml"), List.of("training.maxEpochs")))
        .isInstanceOf(InvalidExperimentException.class)
        .hasMessageContaining("expected key.path=value");
    assertThatThrownBy(
            () ->
                ExperimentLoader.load(
                    EXAMPLES.resolve("kd.yaml"), List.of("training.maxEpochs.value=3")))
        .isInstanceOf(InvalidExperimentException.class)
        .hasMessageContaining("spec.training.maxEpochs.value: cannot set a key inside");
  }

  @Test
  void aMissingFileIsNamed() {
    Path missing = tmp.resolve("nope.yaml");
    assertThatThrownBy(() -> ExperimentLoader.load(missing, List.of()))
        .isInstanceOf(InvalidExperimentException.class)
        .hasMessageContaining("nope.yaml: no such file");
  }

  @Test
  void everyUnsupportedRecipeKeyIsReportedAtOnce() throws IOException {
    Path recipe =
        write(
            """
            student_architecture: mlp
            wandb_project: x
            training_hyperparams: {max_epochs: 1, batch_accumulate: 4, phase_callbacks: [EarlyStop]}
            """);
    assertThatThrownBy(() -> ExperimentLoader.load(recipe, List.of()))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e ->
                assertThat(e.problems())
                    .extracting(ValidationProblem::fieldPath)
                    .contains(
                        "wandb_project",
                        "training_hyperparams.batch_accumulate",
                        "training_hyperparams.phase_callbacks"));
  }

  private Path write(String text) throws IOException {
    Path file = Files.createTempFile(tmp, "input", ".yaml");
    Files.writeString(file, text);
    return file;
  }
}
