package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;

/**
 * Parameters of DIST (Huang et al. 2022): {@code β·T²·inter + γ·T²·intra}, where inter is one minus
 * the mean Pearson correlation between student and teacher class probabilities of each sample, and
 * intra the same for each class across the batch. Unset fields take the paper's defaults.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DISTParams {
  /** Default weight of the inter-class relation term. */
  public static final double DEFAULT_BETA = 1.0;

  /** Default weight of the intra-class relation term. */
  public static final double DEFAULT_GAMMA = 1.0;

  @ValidationRule(value = "self >= 0.0", message = "kd.loss.dist.beta must be >= 0")
  @JsonPropertyDescription(
      "β, the weight of the inter-class relation (per sample, across classes). Default 1.")
  private Double beta;

  @ValidationRule(value = "self >= 0.0", message = "kd.loss.dist.gamma must be >= 0")
  @JsonPropertyDescription(
      "γ, the weight of the intra-class relation (per class, across the batch). Default 1.")
  private Double gamma;

  /** β, or its default. */
  public double betaOrDefault() {
    return beta == null ? DEFAULT_BETA : beta;
  }

  /** γ, or its default. */
  public double gammaOrDefault() {
    return gamma == null ? DEFAULT_GAMMA : gamma;
  }
}
