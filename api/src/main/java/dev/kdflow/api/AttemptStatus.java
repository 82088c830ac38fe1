package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;

/** One attempt: a Job run, started anew each time spec.restartNonce changes. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AttemptStatus {
  @JsonPropertyDescription("Attempt number, 1 for the first run; +1 on each restartNonce change.")
  private Integer number;

  @JsonPropertyDescription("Training pods of this attempt that failed and were retried.")
  private Integer restarts;

  @JsonPropertyDescription("The epoch of ckpt_latest the trainer resumed from, if it resumed.")
  private Integer resumedFrom;
}
