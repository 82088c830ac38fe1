package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;

/** The experiment's checkpoints. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointsStatus {
  /** At most this many entries are kept in {@link #history}. */
  public static final int MAX_HISTORY = 10;

  @JsonPropertyDescription("ckpt_latest: the whole KD module and training state (resume point).")
  private CheckpointRef latest;

  @JsonPropertyDescription("ckpt_best: the student only, best by training.metricToWatch.")
  private CheckpointRef best;

  @Size(max = MAX_HISTORY)
  @JsonPropertyDescription("Most recent ckpt_epoch_N checkpoints, newest last (at most 10).")
  private List<CheckpointRef> history = new ArrayList<>();
}
