package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;

/**
 * The KD loss, selected by {@link #getType() type}. Every type adds a task loss on the student's
 * raw logits to a distillation term computed from student and teacher logits:
 *
 * <ul>
 *   <li>{@code KDLogitsLoss} (SuperGradients): {@code (1-α)·task + α·T²·KL(softmax(t/T) ‖
 *       softmax(s/T))}, KL averaged over the batch;
 *   <li>{@code HintonKD} (Hinton et al. 2015, as in mdistiller): {@code w_task·task +
 *       w_distill·T²·KL(...)} with independent weights;
 *   <li>{@code DKD} (Zhao et al. 2022): {@code w_task·task + warm-up·(α·TCKD + β·NCKD)};
 *   <li>{@code DIST} (Huang et al. 2022): {@code w_task·task + w_distill·(β·T²·inter +
 *       γ·T²·intra)}.
 * </ul>
 *
 * <p>{@link #getLogitStandardization() logitStandardization} (Sun et al. 2024) z-scores both logits
 * of each sample before the KL-based terms of KDLogitsLoss, HintonKD and DKD; the temperature is
 * then the base temperature.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.dkd) || (has(self.type) && self.type == 'DKD')",
    message = "kd.loss.dkd applies only to type DKD")
@ValidationRule(
    value = "!has(self.dist) || (has(self.type) && self.type == 'DIST')",
    message = "kd.loss.dist applies only to type DIST")
@ValidationRule(
    value = "!has(self.taskLossWeight) || (has(self.type) && self.type != 'KDLogitsLoss')",
    message =
        "kd.loss.taskLossWeight applies to HintonKD, DKD and DIST; KDLogitsLoss weighs the task"
            + " loss with 1 - distillationLossCoeff")
@ValidationRule(
    value =
        "!has(self.distillationLossWeight)"
            + " || (has(self.type) && (self.type == 'HintonKD' || self.type == 'DIST'))",
    message =
        "kd.loss.distillationLossWeight applies to HintonKD and DIST; KDLogitsLoss uses"
            + " distillationLossCoeff and DKD dkd.alpha/dkd.beta")
@ValidationRule(
    value =
        "!has(self.logitStandardization) || !self.logitStandardization"
            + " || !has(self.type) || self.type != 'DIST'",
    message =
        "kd.loss.logitStandardization applies to KDLogitsLoss, HintonKD and DKD, not DIST (its"
            + " Pearson correlations are already invariant to the logits' scale per sample)")
public class LossSpec {
  /** Default α: SuperGradients' {@code distillation_loss_coeff}. */
  public static final double DEFAULT_DISTILLATION_LOSS_COEFF = 0.5;

  /** Default temperature: 1 is SuperGradients' exact behaviour. */
  public static final double DEFAULT_TEMPERATURE = 1.0;

  /** HintonKD's default task-loss weight (mdistiller's {@code KD.LOSS.CE_WEIGHT}). */
  public static final double DEFAULT_HINTON_TASK_LOSS_WEIGHT = 0.1;

  /** HintonKD's default distillation weight (mdistiller's {@code KD.LOSS.KD_WEIGHT}). */
  public static final double DEFAULT_HINTON_DISTILLATION_LOSS_WEIGHT = 0.9;

  /** Default task-loss weight of DKD and DIST. */
  public static final double DEFAULT_TASK_LOSS_WEIGHT = 1.0;

  /** Default distillation weight of DIST. */
  public static final double DEFAULT_DIST_DISTILLATION_LOSS_WEIGHT = 1.0;

  /** Loss types. */
  public enum Type {
    /** SuperGradients' KDLogitsLoss, with a temperature. */
    @JsonProperty("KDLogitsLoss")
    KD_LOGITS,
    /** Hinton et al.'s KD with independent task and distillation weights. */
    @JsonProperty("HintonKD")
    HINTON_KD,
    /** Decoupled KD (Zhao et al. 2022). */
    @JsonProperty("DKD")
    DKD,
    /** DIST: relations by Pearson correlation (Huang et al. 2022). */
    @JsonProperty("DIST")
    DIST;

    /** The name used in specs and recipes. */
    public String specName() {
      return switch (this) {
        case KD_LOGITS -> "KDLogitsLoss";
        case HINTON_KD -> "HintonKD";
        case DKD -> "DKD";
        case DIST -> "DIST";
      };
    }
  }

  /** Task losses between student output and labels. */
  public enum TaskLoss {
    @JsonProperty("CrossEntropy")
    CROSS_ENTROPY
  }

  @Size(max = 32)
  @JsonPropertyDescription(
      "Loss type: KDLogitsLoss (default, SuperGradients'), HintonKD, DKD (decoupled KD) or DIST"
          + " (Pearson-correlation relations). See the trainer README for formulas.")
  private Type type = Type.KD_LOGITS;

  @ValidationRule(
      value = "self >= 0.0 && self <= 1.0",
      message = "kd.loss.distillationLossCoeff (alpha) must be in [0, 1]")
  @JsonPropertyDescription(
      "KDLogitsLoss only: α, the weight of the distillation term in [0, 1]; the task loss gets"
          + " 1-α. Default 0.5.")
  private Double distillationLossCoeff = DEFAULT_DISTILLATION_LOSS_COEFF;

  @ValidationRule(value = "self > 0.0", message = "kd.loss.temperature must be > 0")
  @JsonPropertyDescription(
      "Softmax temperature T > 0 of every type; KL and DIST terms are scaled by T². With"
          + " logitStandardization it is the base temperature (the paper uses 2). Default 1"
          + " (SuperGradients).")
  private Double temperature = DEFAULT_TEMPERATURE;

  @ValidationRule(value = "self >= 0.0", message = "kd.loss.taskLossWeight must be >= 0")
  @JsonPropertyDescription(
      "HintonKD, DKD, DIST: weight of the task loss. Default 0.1 for HintonKD (mdistiller), 1 for"
          + " DKD and DIST.")
  private Double taskLossWeight;

  @ValidationRule(value = "self >= 0.0", message = "kd.loss.distillationLossWeight must be >= 0")
  @JsonPropertyDescription(
      "HintonKD, DIST: weight of the distillation term. Default 0.9 for HintonKD (mdistiller), 1"
          + " for DIST.")
  private Double distillationLossWeight;

  @JsonPropertyDescription(
      "Logit standardization (Sun et al. 2024): z-score each sample's student and teacher logits"
          + " (mean 0, unbiased std 1) before softening, so temperature acts as a base"
          + " temperature. For KDLogitsLoss, HintonKD and DKD; the task loss keeps the raw logits."
          + " Default false.")
  private Boolean logitStandardization;

  @JsonPropertyDescription("DKD only: the weights α, β and the warm-up of decoupled KD.")
  private DKDParams dkd;

  @JsonPropertyDescription("DIST only: the weights β (inter-class) and γ (intra-class).")
  private DISTParams dist;

  @Size(max = 32)
  @JsonPropertyDescription("Task loss between the student's output and the labels.")
  private TaskLoss taskLoss = TaskLoss.CROSS_ENTROPY;

  @ValidationRule(
      value = "self >= 0.0 && self < 1.0",
      message = "kd.loss.labelSmoothing must be in [0, 1)")
  @JsonPropertyDescription("Label smoothing of the task loss's targets, in [0, 1). Default 0.")
  private Double labelSmoothing = 0.0;

  /** The type, KDLogitsLoss when unset. */
  public Type typeOrDefault() {
    return type == null ? Type.KD_LOGITS : type;
  }

  /** α of KDLogitsLoss, or its default. */
  public double distillationLossCoeffOrDefault() {
    return distillationLossCoeff == null ? DEFAULT_DISTILLATION_LOSS_COEFF : distillationLossCoeff;
  }

  /** The temperature, or its default. */
  public double temperatureOrDefault() {
    return temperature == null ? DEFAULT_TEMPERATURE : temperature;
  }

  /** Label smoothing, or 0. */
  public double labelSmoothingOrDefault() {
    return labelSmoothing == null ? 0.0 : labelSmoothing;
  }

  /** Whether logits are standardised before softening. */
  public boolean logitStandardizationOrDefault() {
    return Boolean.TRUE.equals(logitStandardization);
  }

  /** The task-loss weight of HintonKD, DKD and DIST, or the type's default. */
  public double taskLossWeightOrDefault() {
    if (taskLossWeight != null) {
      return taskLossWeight;
    }
    return typeOrDefault() == Type.HINTON_KD
        ? DEFAULT_HINTON_TASK_LOSS_WEIGHT
        : DEFAULT_TASK_LOSS_WEIGHT;
  }

  /** The distillation weight of HintonKD and DIST, or the type's default. */
  public double distillationLossWeightOrDefault() {
    if (distillationLossWeight != null) {
      return distillationLossWeight;
    }
    return typeOrDefault() == Type.HINTON_KD
        ? DEFAULT_HINTON_DISTILLATION_LOSS_WEIGHT
        : DEFAULT_DIST_DISTILLATION_LOSS_WEIGHT;
  }

  /** DKD's parameters, defaults where unset. */
  public DKDParams dkdOrDefault() {
    return dkd == null ? new DKDParams() : dkd;
  }

  /** DIST's parameters, defaults where unset. */
  public DISTParams distOrDefault() {
    return dist == null ? new DISTParams() : dist;
  }
}
