package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import lombok.Data;

/** Weights to load into a network (SuperGradients' {@code *_checkpoint_params}). */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointParams {
  @Size(max = 4096)
  @JsonPropertyDescription(
      "Path of a checkpoint: a kdflow ckpt_best/ckpt_latest directory or file, or a DJL .params"
          + " file.")
  private String checkpointPath;

  @JsonPropertyDescription(
      "When true (default) every parameter of the network must be found in the checkpoint with"
          + " the same shape.")
  private Boolean strictLoad = true;
}
