package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import lombok.Data;

/**
 * Teacher soft labels computed ahead of training (FKD-style): the frozen teacher runs once over
 * exactly the views the student will see, its top-k logits are stored in checksummed shard files
 * under the experiment directory, and training reads them instead of running the teacher.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrecomputeSpec {
  /** Most shards (Indexed Job pods) one precompute may use. */
  public static final int MAX_SHARDS = 1000;

  @Min(1)
  @JsonPropertyDescription(
      "Logits stored per view, largest first. Unset or the number of classes stores them all"
          + " (training then reproduces the teacher-in-the-loop loss exactly); fewer keeps the"
          + " k largest and the teacher's log-sum-exp, and training gives every other class an"
          + " equal share of the remaining probability (exact at temperature 1 for the kept"
          + " classes).")
  private Integer topK;

  @Min(1)
  @Max(MAX_SHARDS)
  @JsonPropertyDescription(
      "Shards of the sample indices, computed in parallel on a cluster as an Indexed Job of"
          + " this many pods (one shard per completion index) before the training Job starts."
          + " Default 1.")
  private Integer shards = 1;

  @Min(0)
  @Max(100)
  @JsonPropertyDescription(
      "Retries of one shard's pod before that shard (and so the precompute) fails; other"
          + " shards go on (the Indexed Job's backoffLimitPerIndex). Default 2.")
  private Integer backoffLimitPerIndex = 2;
}
