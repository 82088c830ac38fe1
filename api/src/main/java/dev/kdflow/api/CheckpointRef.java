package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;

/** Where one checkpoint is. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointRef {
  @JsonPropertyDescription("Path inside the training pod, e.g. /checkpoints/exp/ckpt_best.")
  private String path;

  @JsonPropertyDescription(
      "Where the checkpoint is on its claim, as pvc://CLAIM/PATH (PATH relative to the claim's"
          + " root); unset when the checkpoints are on an emptyDir, which goes with the pod.")
  private String pvcPath;

  @JsonPropertyDescription("Epoch the checkpoint was written after.")
  private Integer epoch;

  @JsonPropertyDescription("Value of training.metricToWatch at that epoch.")
  private Double metric;
}
