package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import lombok.Data;

/** How the training Job runs, retries, stops and is cleaned up. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunPolicySpec {
  @Min(0)
  @Max(100)
  @Default("3")
  @JsonPropertyDescription(
      "Pod retries before the experiment fails (Job backoffLimit). Invalid input (exit code 2)"
          + " is never retried; evictions do not count. Default 3.")
  private Integer backoffLimit = 3;

  @Min(1)
  @JsonPropertyDescription(
      "Wall-clock limit of the whole run in seconds (Job activeDeadlineSeconds). Unset: none.")
  private Long activeDeadlineSeconds;

  @Min(0)
  @JsonPropertyDescription(
      "Seconds after the experiment finished when the operator deletes its Job and ConfigMap."
          + " The KDExperiment and the checkpoint claim are kept. Unset: never.")
  private Integer ttlSecondsAfterFinished;

  @Default("false")
  @JsonPropertyDescription(
      "Suspend the training (the pod is stopped; on resume training continues from"
          + " ckpt_latest). Default false.")
  private Boolean suspend = false;
}
