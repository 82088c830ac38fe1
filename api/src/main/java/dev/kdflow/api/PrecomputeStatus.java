package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;

/** Progress of the teacher soft-label precompute (spec.kd.precompute), run as an Indexed Job. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrecomputeStatus {
  @JsonPropertyDescription("Name of the precompute Job of the current attempt.")
  private String jobName;

  @JsonPropertyDescription("Shards to compute (spec.kd.precompute.shards).")
  private Integer shards;

  @JsonPropertyDescription("Shards whose pod finished and wrote its file.")
  private Integer succeeded;

  @JsonPropertyDescription("Shards that failed for good (their retries used up).")
  private Integer failed;

  @JsonPropertyDescription("Short form for kubectl, e.g. '3/4'.")
  private String summary;
}
