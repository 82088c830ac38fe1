package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import lombok.Data;

/** EMA of the student's weights (SuperGradients' {@code ema_params}). */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EmaParams {
  /** How the decay ramps up over the first steps. */
  public enum DecayType {
    /** {@code min(decay, (1 + step) / (10 + step))}. */
    @JsonProperty("threshold")
    THRESHOLD,
    /** {@code decay · (1 − exp(−step / beta))}. */
    @JsonProperty("exp")
    EXP,
    /** {@code decay} from the first step. */
    @JsonProperty("constant")
    CONSTANT
  }

  @Min(value = 0, inclusive = false)
  @Max(value = 1, inclusive = false)
  @JsonPropertyDescription("EMA decay in (0, 1). Default 0.9999.")
  private Double decay = 0.9999;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Decay ramp over the update count n: exp (default, as in SuperGradients)"
          + " decay*(1-exp(-beta*n/totalSteps)), threshold min(decay, (1+n)/(10+n)), or"
          + " constant.")
  private DecayType decayType = DecayType.EXP;

  @Min(value = 0, inclusive = false)
  @JsonPropertyDescription(
      "Steepness of the exp decay ramp: decay*(1-exp(-beta*n/totalSteps)), n the update count, as"
          + " in SuperGradients. Default 15.")
  private Double beta = 15.0;
}
