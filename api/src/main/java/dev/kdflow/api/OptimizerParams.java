package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import lombok.Data;

/** Optimizer parameters (SuperGradients' {@code optimizer_params}). */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OptimizerParams {
  @JsonPropertyDescription("SGD momentum. Default 0.9.")
  private Double momentum = 0.9;

  @JsonPropertyDescription("SGD Nesterov momentum. Default false.")
  private Boolean nesterov = false;

  @JsonPropertyDescription("L2 weight decay (decoupled for AdamW). Default 0.")
  private Double weightDecay = 0.0;

  @JsonPropertyDescription("Adam/AdamW betas. Default [0.9, 0.999].")
  private List<Double> betas = List.of(0.9, 0.999);

  @JsonPropertyDescription("Adam/AdamW epsilon. Default 1e-8.")
  private Double eps = 1e-8;
}
