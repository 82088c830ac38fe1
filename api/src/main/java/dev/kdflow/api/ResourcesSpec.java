package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import lombok.Data;

/** Compute resources of the training pod. Requests equal limits: training needs what it asks. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourcesSpec {
  /** Kubernetes quantity syntax (e.g. 500m, 4, 16Gi, 1.5G). */
  public static final String QUANTITY_PATTERN =
      "^([+]?[0-9]+(\\.[0-9]*)?|[+]?\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$";

  /** The extended resource name of NVIDIA GPUs. */
  public static final String GPU_RESOURCE = "nvidia.com/gpu";

  /**
   * The most GPUs one training pod may ask for: the trainer uses one device per run until
   * multi-device training exists.
   */
  public static final int MAX_GPUS = 1;

  @Min(0)
  @Max(MAX_GPUS)
  @Default("1")
  @JsonPropertyDescription(
      "Number of NVIDIA GPUs (nvidia.com/gpu) for the trainer: 1, or 0 to train on CPU. The"
          + " trainer uses one device per run until multi-device training exists. Default 1.")
  private Integer gpus = 1;

  @Pattern(QUANTITY_PATTERN)
  @JsonPropertyDescription("CPU request and limit, e.g. 4 or 3500m. Unset: no CPU request.")
  private String cpu;

  @Pattern(QUANTITY_PATTERN)
  @JsonPropertyDescription("Memory request and limit, e.g. 16Gi. Unset: no memory request.")
  private String memory;
}
