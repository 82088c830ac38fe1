package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;

/** Where checkpoints go: {@code <rootDir>/<experimentName>/ckpt_latest, ckpt_best, ...}. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointsSpec {
  @JsonPropertyDescription(
      "Root directory of all experiments' checkpoints. Default ./checkpoints locally; the"
          + " checkpoint volume's mount path in a pod.")
  private String rootDir;

  @JsonPropertyDescription("Directory name under rootDir. Default: the experiment's metadata.name.")
  private String experimentName;
}
