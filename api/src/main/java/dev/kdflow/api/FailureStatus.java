package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import lombok.Data;

/** A failure of a training pod or of the Job. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FailureStatus {
  /** Messages are cut to this many characters. */
  public static final int MAX_MESSAGE_LENGTH = 1024;

  @JsonPropertyDescription(
      "InvalidInput (exit code 2), TrainingFailed (3), Interrupted (130/143), OOMKilled, Evicted,"
          + " DeadlineExceeded, BackoffLimitExceeded or Error.")
  private String reason;

  @JsonPropertyDescription("Exit code of the trainer container, when it exited.")
  private Integer exitCode;

  @JsonPropertyDescription("Name of the failed pod, if a pod failed.")
  private String podName;

  @Size(max = MAX_MESSAGE_LENGTH)
  @JsonPropertyDescription(
      "The trainer's termination message or the Kubernetes reason, cut to 1 KiB.")
  private String message;

  @JsonPropertyDescription("When it failed (RFC 3339).")
  private String time;
}
