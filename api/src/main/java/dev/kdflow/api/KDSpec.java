package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;

/** KD module arch params (SuperGradients' {@code arch_params}) and the KD loss. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KDSpec {
  @JsonPropertyDescription(
      "Re-normalises the teacher's input when the teacher was trained with other normalisation"
          + " than the student's data (applied to the teacher's input only).")
  private NormalizationAdapterSpec teacherInputAdapter;

  @JsonPropertyDescription(
      "Run the teacher on the validation batches too, so its accuracy is reported next to the"
          + " student's. Default true. (Not SuperGradients' run_teacher_on_eval, which is"
          + " teacherTrainMode: false.)")
  private Boolean runTeacherOnValidation = true;

  @JsonPropertyDescription(
      "Run the frozen teacher in training mode during training steps: BatchNorm normalises with"
          + " the batch's statistics and updates its running statistics, dropout is active (its"
          + " weights still never change). Validation always runs it in inference mode. Default"
          + " false: the teacher always runs in inference mode. SuperGradients' run_teacher_on_eval:"
          + " true is false here; its default run_teacher_on_eval: false is true here.")
  private Boolean teacherTrainMode = false;

  @JsonPropertyDescription(
      "Compute the frozen teacher's outputs once per split and reuse them in every epoch when the"
          + " data is not augmented (default true; up to 2 GiB of outputs, else the teacher runs in"
          + " every step). Results equal the uncached run's up to float rounding; false runs the"
          + " teacher in every step.")
  private Boolean cacheTeacherOutputs = true;

  @JsonPropertyDescription("The distillation loss.")
  private LossSpec loss = new LossSpec();
}
