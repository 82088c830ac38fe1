package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import lombok.Data;

/**
 * The observed state of a {@link KDExperiment}, written by the operator. Everything is bounded: the
 * object lives in etcd.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
@SchemaCustomizer(value = SchemaPatch.class, input = KDExperimentStatus.SCHEMA_PATCH)
public class KDExperimentStatus {
  /**
   * What the annotations cannot say: conditions as a list keyed by type (so server-side apply
   * merges them per condition), and the descriptions of the metav1.Condition fields.
   */
  static final String SCHEMA_PATCH =
      """
      {"properties": {"conditions": {
         "x-kubernetes-list-type": "map",
         "x-kubernetes-list-map-keys": ["type"],
         "items": {
           "description": "A condition in the metav1.Condition shape.",
           "required": ["type", "status"],
           "properties": {
             "type": {"description": "Ready, Succeeded, Stalled or Suspended."},
             "status": {"description": "True, False or Unknown."},
             "reason": {"description": "One CamelCase word saying why."},
             "message": {"description": "What happened, for people."},
             "lastTransitionTime": {"description": "When status last changed (RFC 3339)."},
             "observedGeneration": {"description": "The metadata.generation the condition \
      describes."}}}}}}
      """;

  /** Condition type: the applied generation is training or has succeeded. */
  public static final String READY = "Ready";

  /** Condition type: the training finished successfully (Unknown while it runs). */
  public static final String SUCCEEDED = "Succeeded";

  /** Condition type: the experiment cannot progress without a change (failure, invalid spec). */
  public static final String STALLED = "Stalled";

  /** Condition type: the training is suspended (spec.runPolicy.suspend). */
  public static final String SUSPENDED = "Suspended";

  /** Condition type: the teacher's soft labels are precomputed (spec.kd.precompute only). */
  public static final String PRECOMPUTED = "Precomputed";

  /** Lifecycle phases. */
  public enum Phase {
    /** Waiting: no Job yet, pod not scheduled, queued, or between retries. */
    @JsonProperty("Pending")
    PENDING,
    /** The pod is scheduled and its containers are being created. */
    @JsonProperty("Initializing")
    INITIALIZING,
    /** The trainer is running. */
    @JsonProperty("Running")
    RUNNING,
    /** Suspended through spec.runPolicy.suspend. */
    @JsonProperty("Suspended")
    SUSPENDED,
    /** Training finished successfully. */
    @JsonProperty("Succeeded")
    SUCCEEDED,
    /** Training failed for good, or the spec is invalid. */
    @JsonProperty("Failed")
    FAILED;

    /** The phase as written in the resource. */
    public String displayName() {
      String n = name();
      return n.charAt(0) + n.substring(1).toLowerCase();
    }

    /** Succeeded or Failed: nothing runs any more. */
    @JsonIgnore
    public boolean isTerminal() {
      return this == SUCCEEDED || this == FAILED;
    }
  }

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Pending, Initializing, Running, Suspended, Succeeded or Failed.")
  private Phase phase;

  @Size(max = 8)
  @JsonPropertyDescription(
      "Ready, Succeeded, Stalled and Suspended, in the metav1.Condition shape.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("When the training Job started (RFC 3339).")
  private String startTime;

  @JsonPropertyDescription("When the experiment succeeded or failed (RFC 3339).")
  private String completionTime;

  @JsonPropertyDescription("Name of the training Job of the current attempt.")
  private String jobName;

  @JsonPropertyDescription(
      "The spec.restartNonce the current attempt was started with; a different spec value starts"
          + " a new attempt.")
  private String observedRestartNonce;

  @JsonPropertyDescription("The current attempt: its number, pod restarts and resume point.")
  private AttemptStatus attempt;

  @JsonPropertyDescription("Training progress reported by the trainer.")
  private ProgressStatus progress;

  @JsonPropertyDescription("Latest and best validation metrics of the student.")
  private MetricsStatus metrics;

  @JsonPropertyDescription("Latest and best checkpoints, and a bounded history.")
  private CheckpointsStatus checkpoints;

  @JsonPropertyDescription(
      "The teacher soft-label precompute (spec.kd.precompute): shards done of total; training"
          + " starts when all are done.")
  private PrecomputeStatus precompute;

  @JsonPropertyDescription("The most recent failure of a training pod or Job, if any.")
  private FailureStatus lastFailure;

  /** The condition of the given type, if present. */
  public Optional<Condition> condition(String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
