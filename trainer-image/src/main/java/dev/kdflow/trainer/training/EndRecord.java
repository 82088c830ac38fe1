package dev.kdflow.trainer.training;

import java.time.Instant;

/**
 * The end of a run.
 *
 * @param status succeeded, failed or stopped
 * @param reason why it failed or stopped; null on success
 * @param epochsCompleted epochs finished (including those before a resume)
 * @param time when it ended
 */
public record EndRecord(String status, String reason, int epochsCompleted, Instant time) {
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String STOPPED = "stopped";
}
