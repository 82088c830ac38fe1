package dev.kdflow.api.trainer;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;

/**
 * What a running trainer reports about itself: served as JSON on {@code GET /status} while it runs
 * and written, trimmed below 4 KiB, to the container's termination-message file when it ends. The
 * operator reads exactly this type, so trainer and operator cannot disagree on its shape.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class TrainerReport {
  /** Phases of one trainer process. */
  public enum Phase {
    STARTING,
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  @JsonPropertyDescription("Phase of this trainer process.")
  private Phase phase;

  @JsonPropertyDescription("Experiment name (the checkpoint directory name).")
  private String experiment;

  @JsonPropertyDescription("Epochs completed so far (1-based once the first epoch finished).")
  private Integer epoch;

  @JsonPropertyDescription("Total epochs of the run (training.maxEpochs).")
  private Integer totalEpochs;

  @JsonPropertyDescription("Optimizer steps taken since the start of the run (across resumes).")
  private Long step;

  @JsonPropertyDescription("Optimizer steps per epoch.")
  private Integer stepsPerEpoch;

  @JsonPropertyDescription("Estimated seconds until the run ends.")
  private Long etaSeconds;

  @JsonPropertyDescription(
      "The epoch this process resumed after (from ckpt_latest), if it resumed.")
  private Integer resumedFromEpoch;

  @JsonPropertyDescription("Latest metrics: the last step's loss parts and the last validation.")
  private Metrics latest;

  @JsonPropertyDescription("The best validation result so far.")
  private Best best;

  @JsonPropertyDescription("Checkpoints written so far.")
  private Checkpoints checkpoints;

  @JsonPropertyDescription("Why the run failed (only when phase is FAILED).")
  private String reason;

  @JsonPropertyDescription("The process exit code (only in the final report).")
  private Integer exitCode;

  @JsonPropertyDescription("When this report was made (ISO-8601).")
  private String updateTime;

  /** Loss parts and accuracies; accuracies are fractions in [0, 1]. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Metrics {
    private Double loss;
    private Double taskLoss;
    private Double distillLoss;
    private Double lr;
    private Double top1;
    private Double top5;
    private Double teacherTop1;
    private Double teacherTop5;
    private Integer validatedEpoch;
  }

  /** The best value of the watched validation metric. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Best {
    private String metric;
    private Double value;
    private Integer epoch;

    /** The best epoch's validation figures (student top-1/top-5, teacher when measured). */
    private Double top1;

    private Double top5;
    private Double teacherTop1;
    private Double teacherTop5;
  }

  /** Checkpoint locations as paths inside the trainer's file system. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Checkpoints {
    private Checkpoint latest;
    private Checkpoint best;
    private List<Checkpoint> history = new ArrayList<>();
  }

  /** One checkpoint. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Checkpoint {
    private String path;
    private Integer epoch;
    private String metric;
    private Double value;
  }
}
