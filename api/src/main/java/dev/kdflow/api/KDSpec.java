package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;
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

  @JsonPropertyDescription(
      "Precompute the teacher's outputs for every training view before training (kdflow"
          + " precompute-teacher; on a cluster an Indexed Job) and read them in training instead"
          + " of running the teacher. Works with augmented students: views are a pure function"
          + " of (seed, epoch, index). Unset: the teacher runs in the loop.")
  private PrecomputeSpec precompute;

  @JsonPropertyDescription("The distillation loss.")
  private LossSpec loss = new LossSpec();

  @Size(max = 32)
  @JsonPropertyDescription(
      "Several teachers only: averageLogits (default) distils from the weighted mean of the"
          + " teachers' logits with one loss; sumLosses computes the loss against each teacher and"
          + " sums them, weighted (weights normalised to sum 1, so the task loss counts once).")
  private TeachersMode teachersMode;

  @Size(max = 16)
  @JsonPropertyDescription(
      "FitNets hints: intermediate outputs of the student regressed onto the teacher's, each with"
          + " a learned 1x1 convolution or linear layer, MSE added to the loss. Single teacher only.")
  private List<HintSpec> hints;

  /** How several teachers are combined. */
  public enum TeachersMode {
    /** One loss against the weighted mean of the teachers' logits. */
    @JsonProperty("averageLogits")
    AVERAGE_LOGITS,
    /** The weighted sum of one loss per teacher. */
    @JsonProperty("sumLosses")
    SUM_LOSSES
  }

  /** The teachers mode, averageLogits when unset. */
  public TeachersMode teachersModeOrDefault() {
    return teachersMode == null ? TeachersMode.AVERAGE_LOGITS : teachersMode;
  }

  /** The hints, empty when unset. */
  public List<HintSpec> hintsOrEmpty() {
    return hints == null ? List.of() : hints;
  }
}
