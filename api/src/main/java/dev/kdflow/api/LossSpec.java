package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;

/**
 * The KD loss: {@code (1-α)·task(s, y) + α·T²·KL(softmax(t/T) ‖ softmax(s/T))}, KL averaged over
 * the batch.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LossSpec {
  /** Default α: SuperGradients' {@code distillation_loss_coeff}. */
  public static final double DEFAULT_DISTILLATION_LOSS_COEFF = 0.5;

  /** Default temperature: 1 is SuperGradients' exact behaviour. */
  public static final double DEFAULT_TEMPERATURE = 1.0;

  /** Loss types. */
  public enum Type {
    @JsonProperty("KDLogitsLoss")
    KD_LOGITS
  }

  /** Task losses between student output and labels. */
  public enum TaskLoss {
    @JsonProperty("CrossEntropy")
    CROSS_ENTROPY
  }

  @Size(max = 32)
  @JsonPropertyDescription("Loss type; KDLogitsLoss (default) distills the logits.")
  private Type type = Type.KD_LOGITS;

  @ValidationRule(
      value = "self >= 0.0 && self <= 1.0",
      message = "kd.loss.distillationLossCoeff (alpha) must be in [0, 1]")
  @JsonPropertyDescription(
      "α, the weight of the distillation term in [0, 1]; the task loss gets 1-α. Default 0.5.")
  private Double distillationLossCoeff = DEFAULT_DISTILLATION_LOSS_COEFF;

  @ValidationRule(value = "self > 0.0", message = "kd.loss.temperature must be > 0")
  @JsonPropertyDescription(
      "Softmax temperature T > 0; the distillation term is scaled by T². Default 1"
          + " (SuperGradients).")
  private Double temperature = DEFAULT_TEMPERATURE;

  @Size(max = 32)
  @JsonPropertyDescription("Task loss between the student's output and the labels.")
  private TaskLoss taskLoss = TaskLoss.CROSS_ENTROPY;

  @ValidationRule(
      value = "self >= 0.0 && self < 1.0",
      message = "kd.loss.labelSmoothing must be in [0, 1)")
  @JsonPropertyDescription("Label smoothing of the task loss's targets, in [0, 1). Default 0.")
  private Double labelSmoothing = 0.0;
}
