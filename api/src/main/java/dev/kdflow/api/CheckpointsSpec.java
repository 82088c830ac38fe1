package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import lombok.Data;

/** Where checkpoints go: {@code <rootDir>/<experimentName>/ckpt_latest, ckpt_best, ...}. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointsSpec {
  @Size(max = 4096)
  @JsonPropertyDescription(
      "Root directory of all experiments' checkpoints. Default ./checkpoints locally; the"
          + " checkpoint volume's mount path in a pod.")
  private String rootDir;

  @Size(max = 253)
  @Pattern("^[A-Za-z0-9][-A-Za-z0-9_.]{0,252}$")
  @JsonPropertyDescription("Directory name under rootDir. Default: the experiment's metadata.name.")
  private String experimentName;
}
