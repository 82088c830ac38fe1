package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;

/**
 * Parameters of Decoupled KD (Zhao et al. 2022): {@code α·TCKD + β·NCKD}, ramped in over the first
 * epochs. Unset fields take the defaults of the paper's and mdistiller's CIFAR-100 setting.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DKDParams {
  /** Default weight of the target-class term (TCKD). */
  public static final double DEFAULT_ALPHA = 1.0;

  /** Default weight of the non-target-class term (NCKD). */
  public static final double DEFAULT_BETA = 8.0;

  /** Default number of warm-up epochs over which the DKD term ramps from 1/warmup to 1. */
  public static final int DEFAULT_WARMUP_EPOCHS = 20;

  @ValidationRule(value = "self >= 0.0", message = "kd.loss.dkd.alpha must be >= 0")
  @JsonPropertyDescription(
      "α, the weight of the target-class term TCKD (binary KL of target vs. all other classes)."
          + " Default 1.")
  private Double alpha;

  @ValidationRule(value = "self >= 0.0", message = "kd.loss.dkd.beta must be >= 0")
  @JsonPropertyDescription(
      "β, the weight of the non-target-class term NCKD (KL among the non-target classes). Default"
          + " 8; the paper uses 8 on CIFAR-100 and 0.5 on ImageNet.")
  private Double beta;

  @Min(0)
  @JsonPropertyDescription(
      "Epochs over which the DKD term ramps in: in epoch e (1-based) it is multiplied by"
          + " min(e / warmupEpochs, 1); 0 disables the ramp. Default 20 (mdistiller); must not"
          + " exceed training.maxEpochs.")
  private Integer warmupEpochs;

  /** α, or its default. */
  public double alphaOrDefault() {
    return alpha == null ? DEFAULT_ALPHA : alpha;
  }

  /** β, or its default. */
  public double betaOrDefault() {
    return beta == null ? DEFAULT_BETA : beta;
  }

  /** Warm-up epochs, or the default. */
  public int warmupEpochsOrDefault() {
    return warmupEpochs == null ? DEFAULT_WARMUP_EPOCHS : warmupEpochs;
  }
}
