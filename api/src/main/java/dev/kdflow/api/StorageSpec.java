package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;

/**
 * The checkpoint volume: an existing PersistentVolumeClaim or a new one the operator creates. When
 * {@code storage} is absent checkpoints live in an emptyDir and are lost with the pod.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.existingClaim) != has(self.size)",
    message = "set exactly one of storage.existingClaim or storage.size")
@ValidationRule(
    value = "!has(self.existingClaim) || !has(self.claimRetention)",
    message =
        "storage.claimRetention applies to a claim the operator creates (size); remove it with"
            + " existingClaim")
public class StorageSpec {
  /** What happens to a claim the operator created when its KDExperiment is deleted. */
  public enum ClaimRetention {
    /** The claim and its checkpoints stay; delete it with kubectl delete pvc. */
    @JsonProperty("Retain")
    RETAIN,
    /** The claim carries an owner reference and is garbage-collected with the experiment. */
    @JsonProperty("Delete")
    DELETE
  }

  /** Default mount path of the checkpoint volume in the training pod. */
  public static final String DEFAULT_MOUNT_PATH = "/checkpoints";

  @Pattern(SchedulingSpec.DNS_SUBDOMAIN_PATTERN)
  @JsonPropertyDescription(
      "Name of an existing PersistentVolumeClaim in the experiment's namespace to keep"
          + " checkpoints in.")
  private String existingClaim;

  @Pattern(ResourcesSpec.QUANTITY_PATTERN)
  @JsonPropertyDescription(
      "Size of a new PersistentVolumeClaim <name>-checkpoints created by the operator, e.g. 20Gi.")
  private String size;

  @Pattern(SchedulingSpec.DNS_SUBDOMAIN_PATTERN)
  @JsonPropertyDescription("StorageClass of the new claim. Default: the cluster's default class.")
  private String storageClassName;

  @JsonPropertyDescription(
      "What happens to the claim the operator created (size) when the KDExperiment is deleted:"
          + " Retain (default) keeps it and the checkpoints in it, without an owner reference"
          + " (delete it with kubectl delete pvc <name>-checkpoints); Delete lets Kubernetes'"
          + " garbage collector remove it with the experiment. Not allowed with existingClaim,"
          + " which the operator never owns.")
  private ClaimRetention claimRetention;

  @Pattern("^/[^\\s]*$")
  @Default(DEFAULT_MOUNT_PATH)
  @JsonPropertyDescription(
      "Where the checkpoint volume is mounted in the pod; the trainer's checkpoints.rootDir."
          + " Default /checkpoints.")
  private String mountPath = DEFAULT_MOUNT_PATH;

  /** The retention of a claim the operator creates, {@link ClaimRetention#RETAIN} when unset. */
  @JsonIgnore
  public ClaimRetention claimRetentionOrDefault() {
    return claimRetention == null ? ClaimRetention.RETAIN : claimRetention;
  }
}
