package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;

/**
 * A FitNets hint (Romero et al. 2015): the student's output at one named feature point is mapped by
 * a learned regressor (1×1 convolution for feature maps, linear layer for vectors) onto the
 * teacher's output at another, and their mean squared error, times the weight, is added to the KD
 * loss. The regressor trains with the student and is saved in ckpt_latest, never in ckpt_best.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HintSpec {
  /** Default hint weight. */
  public static final double DEFAULT_WEIGHT = 1.0;

  @Required
  @Size(max = 63)
  @JsonPropertyDescription(
      "The student's feature point, e.g. stage2 or hidden for the cnn, hidden1 for the mlp (see"
          + " the trainer README for every architecture's points).")
  private String student;

  @Required
  @Size(max = 63)
  @JsonPropertyDescription(
      "The teacher's feature point, e.g. block3 or pool for resnet_small; for a TorchScript"
          + " teacher the key of a returned dict, or the position (1, 2, ...) of a returned tuple"
          + " element (0 is the logits).")
  private String teacher;

  @ValidationRule(value = "self > 0.0", message = "kd.hints[].weight must be > 0")
  @JsonPropertyDescription("Weight of this hint's mean squared error. Default 1.")
  private Double weight;

  /** The weight, or its default. */
  public double weightOrDefault() {
    return weight == null ? DEFAULT_WEIGHT : weight;
  }
}
