package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import lombok.Data;

/**
 * Maps data normalised with (meanOriginal, stdOriginal) to data normalised with (meanRequired,
 * stdRequired), per channel.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NormalizationAdapterSpec {
  @Required
  @Size(min = 1, max = 16)
  @JsonPropertyDescription("Per-channel mean the data was normalised with.")
  private List<Double> meanOriginal;

  @Required
  @Size(min = 1, max = 16)
  @JsonPropertyDescription("Per-channel std the data was normalised with.")
  private List<Double> stdOriginal;

  @Required
  @Size(min = 1, max = 16)
  @JsonPropertyDescription("Per-channel mean the teacher expects.")
  private List<Double> meanRequired;

  @Required
  @Size(min = 1, max = 16)
  @JsonPropertyDescription("Per-channel std the teacher expects.")
  private List<Double> stdRequired;
}
