package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
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

  /** The extended resource name of NVIDIA GPUs: the default of {@code gpuResourceName}. */
  public static final String GPU_RESOURCE = "nvidia.com/gpu";

  /**
   * An extended resource name: a domain prefix and a name (e.g. nvidia.com/gpu,
   * nvidia.com/mig-1g.10gb, amd.com/gpu, gpu.intel.com/i915).
   */
  public static final String EXTENDED_RESOURCE_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/"
          + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

  /**
   * The most GPUs one training pod may ask for: the trainer uses one device per run until
   * multi-device training exists.
   */
  public static final int MAX_GPUS = 1;

  @Min(0)
  @Max(MAX_GPUS)
  @Default("1")
  @JsonPropertyDescription(
      "Number of GPUs (of gpuResourceName) for the trainer: 1, or 0 to train on CPU. The"
          + " trainer uses one device per run until multi-device training exists. Default 1.")
  private Integer gpus = 1;

  // No schema default: a default the API server writes into stored objects would change the spec
  // hash of running experiments. Null means GPU_RESOURCE (gpuResourceNameOrDefault).
  @Pattern(EXTENDED_RESOURCE_PATTERN)
  @JsonPropertyDescription(
      "The extended resource the GPUs are asked for as: nvidia.com/gpu (default), a MIG profile"
          + " such as nvidia.com/mig-1g.10gb, or another vendor's, e.g. amd.com/gpu. Names in the"
          + " kubernetes.io and k8s.io domains are Kubernetes' own and rejected.")
  private String gpuResourceName;

  @Pattern(QUANTITY_PATTERN)
  @JsonPropertyDescription("CPU request and limit, e.g. 4 or 3500m. Unset: no CPU request.")
  private String cpu;

  @Pattern(QUANTITY_PATTERN)
  @JsonPropertyDescription("Memory request and limit, e.g. 16Gi. Unset: no memory request.")
  private String memory;

  /** The GPU resource name, {@link #GPU_RESOURCE} when unset. */
  @JsonIgnore
  public String gpuResourceNameOrDefault() {
    return gpuResourceName == null ? GPU_RESOURCE : gpuResourceName;
  }
}
