package dev.kdflow.trainer.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kdflow.api.LossSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Recipes select every loss type by name; each type's criterion_params are its own. */
class LossRecipeTest {
  @TempDir Path tmp;

  private LossSpec lossOf(String hyperparams) throws IOException {
    Path file = Files.createTempFile(tmp, "recipe", ".yaml");
    Files.writeString(
        file,
        """
        student_architecture: mlp
        teacher_architecture: cnn
        teacher_checkpoint_params: {checkpoint_path: /ckpt/teacher}
        training_hyperparams: {max_epochs: 30, initial_lr: 0.1, %s}
        """
            .formatted(hyperparams));
    return ExperimentLoader.load(file, List.of()).experiment().getSpec().getKd().getLoss();
  }

  @Test
  void sgKdLogitsLossByEitherName() throws IOException {
    assertThat(lossOf("loss: kd_loss").getType()).isEqualTo(LossSpec.Type.KD_LOGITS);
    LossSpec l =
        lossOf(
            "loss: KDLogitsLoss, criterion_params: {distillation_loss_coeff: 0.9, temperature: 2,"
                + " logit_standardization: true}");
    assertThat(l.getDistillationLossCoeff()).isEqualTo(0.9);
    assertThat(l.getLogitStandardization()).isTrue();
  }

  @Test
  void hintonDkdAndDistWithTheirParameters() throws IOException {
    LossSpec hinton =
        lossOf(
            "loss: HintonKD, criterion_params: {task_loss_weight: 0.1, distillation_loss_weight:"
                + " 9, temperature: 2}");
    assertThat(hinton.getType()).isEqualTo(LossSpec.Type.HINTON_KD);
    assertThat(hinton.getDistillationLossWeight()).isEqualTo(9.0);
    LossSpec dkd =
        lossOf(
            "loss: DKD, criterion_params: {alpha: 1, beta: 8, warmup_epochs: 20, temperature: 4}");
    assertThat(dkd.getType()).isEqualTo(LossSpec.Type.DKD);
    assertThat(dkd.getDkd().getBeta()).isEqualTo(8.0);
    assertThat(dkd.getDkd().getWarmupEpochs()).isEqualTo(20);
    LossSpec dist = lossOf("loss: DIST, criterion_params: {beta: 2, gamma: 2, temperature: 4}");
    assertThat(dist.getType()).isEqualTo(LossSpec.Type.DIST);
    assertThat(dist.getDist().getGamma()).isEqualTo(2.0);
    assertThat(dist.getDkd()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          loss: KDLogitsLoss, criterion_params: {task_loss_weight: 1} | criterion_params.task_loss_weight: applies to HintonKD, DKD and DIST only
          loss: DKD, criterion_params: {distillation_loss_coeff: 0.5} | criterion_params.distillation_loss_coeff: applies to KDLogitsLoss only
          loss: DIST, criterion_params: {warmup_epochs: 5} | criterion_params.warmup_epochs: applies to DKD only
          loss: HintonKD, criterion_params: {beta: 2} | criterion_params.beta: applies to DKD and DIST only
          loss: DIST, criterion_params: {logit_standardization: true} | criterion_params.logit_standardization: applies to KDLogitsLoss, HintonKD and DKD only
          loss: DKD, criterion_params: {distillation_loss_weight: 2} | criterion_params.distillation_loss_weight: applies to HintonKD and DIST only
          loss: CWDLoss | training_hyperparams.loss: only KDLogitsLoss is supported from SuperGradients (kdflow adds HintonKD, DKD and DIST), got CWDLoss
          loss: DKD, criterion_params: {warmup: 5} | criterion_params.warmup: kdflow does not support this key
          """)
  void aKeyOfAnotherTypeIsRejectedNamingIt(String hyperparams, String expected) {
    assertThatThrownBy(() -> lossOf(hyperparams))
        .isInstanceOf(InvalidExperimentException.class)
        .hasMessageContaining(expected);
  }
}
