package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;

/** The observed state of a {@link KDExperiment}, written by the operator. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KDExperimentStatus {
  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Pending, Initializing, Running, Suspended, Succeeded or Failed.")
  private String phase;
}
