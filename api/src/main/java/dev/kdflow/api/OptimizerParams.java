package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import lombok.Data;

/** Optimizer parameters (SuperGradients' {@code optimizer_params}). */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OptimizerParams {
  @Min(0)
  @Max(value = 1, inclusive = false)
  @JsonPropertyDescription("SGD momentum. Default 0.9.")
  private Double momentum = 0.9;

  @JsonPropertyDescription("SGD Nesterov momentum. Default false.")
  private Boolean nesterov = false;

  @Min(0)
  @JsonPropertyDescription("L2 weight decay (decoupled for AdamW). Default 0.")
  private Double weightDecay = 0.0;

  @Size(min = 2, max = 2)
  @JsonPropertyDescription("Adam/AdamW betas. Default [0.9, 0.999].")
  private List<Double> betas = List.of(0.9, 0.999);

  @Min(value = 0, inclusive = false)
  @JsonPropertyDescription("Adam/AdamW epsilon. Default 1e-8.")
  private Double eps = 1e-8;
}
