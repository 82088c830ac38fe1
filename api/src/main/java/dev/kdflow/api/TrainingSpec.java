package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;

/**
 * Training hyper-parameters, named as SuperGradients' {@code training_hyperparams} in camelCase.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrainingSpec {
  /** Optimizers. */
  public enum Optimizer {
    SGD,
    Adam,
    AdamW
  }

  /** Learning-rate schedules (after warm-up). */
  public enum LrMode {
    @JsonProperty("constant")
    CONSTANT,
    @JsonProperty("step")
    STEP,
    @JsonProperty("cosine")
    COSINE
  }

  /** How the learning rate warms up (SuperGradients' {@code warmup_mode}). */
  public enum WarmupMode {
    /**
     * {@code LinearEpochLRWarmup}: one learning rate per epoch, rising linearly over {@code
     * lrWarmupEpochs}.
     */
    @JsonProperty("linearEpoch")
    LINEAR_EPOCH,
    /**
     * {@code LinearBatchLRWarmup}: a learning rate per step, rising linearly over {@code
     * lrWarmupSteps} (at most one epoch).
     */
    @JsonProperty("linearBatch")
    LINEAR_BATCH
  }

  /** The validation metric that decides which checkpoint is the best. */
  public enum Metric {
    @JsonProperty("top1")
    TOP1,
    @JsonProperty("top5")
    TOP5
  }

  @Required
  @Min(1)
  @JsonPropertyDescription("Number of epochs to train (>= 1).")
  private Integer maxEpochs;

  @Size(max = 32)
  @JsonPropertyDescription("Optimizer: SGD (default), Adam or AdamW.")
  private Optimizer optimizer = Optimizer.SGD;

  @JsonPropertyDescription("Optimizer parameters (momentum, nesterov, weightDecay, betas, eps).")
  private OptimizerParams optimizerParams = new OptimizerParams();

  @Required
  @Min(value = 0, inclusive = false)
  @JsonPropertyDescription("Learning rate after warm-up (> 0).")
  private Double initialLr;

  @Size(max = 32)
  @JsonPropertyDescription("Learning-rate schedule: constant (default), step or cosine.")
  private LrMode lrMode = LrMode.CONSTANT;

  @Size(max = 100)
  @JsonPropertyDescription(
      "Step schedule: the epochs at which the learning rate is multiplied by lrDecayFactor.")
  private List<Integer> lrUpdates = new ArrayList<>();

  @Min(value = 0, inclusive = false)
  @JsonPropertyDescription("Step schedule: factor applied at each of lrUpdates. Default 0.1.")
  private Double lrDecayFactor = 0.1;

  @Min(0)
  @Max(1)
  @JsonPropertyDescription(
      "Cosine schedule: final learning rate as a fraction of initialLr. Default 0.01.")
  private Double cosineFinalLrRatio = 0.01;

  @Min(0)
  @JsonPropertyDescription("Epochs of linear warm-up before the schedule starts. Default 0.")
  private Integer lrWarmupEpochs = 0;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Warm-up kind: linearEpoch (default; SuperGradients' LinearEpochLRWarmup: per epoch over"
          + " lrWarmupEpochs) or linearBatch (LinearBatchLRWarmup: per step over lrWarmupSteps, from"
          + " warmupInitialLr, which it requires).")
  private WarmupMode warmupMode = WarmupMode.LINEAR_EPOCH;

  @Min(0)
  @JsonPropertyDescription(
      "linearBatch warm-up: steps of linear warm-up, capped at one epoch's steps; the schedule"
          + " (cosine) starts after them. Default 0.")
  private Integer lrWarmupSteps = 0;

  @Min(value = 0, inclusive = false)
  @JsonPropertyDescription(
      "Learning rate at the start of warm-up. Default initialLr / (lrWarmupEpochs + 1), as in"
          + " SuperGradients.")
  private Double warmupInitialLr;

  @JsonPropertyDescription(
      "Keep an exponential moving average of the student's weights. Default false.")
  private Boolean ema = false;

  @JsonPropertyDescription("EMA parameters.")
  private EmaParams emaParams = new EmaParams();

  @Min(0)
  @JsonPropertyDescription(
      "Clip the global gradient norm to this value; unset or 0 disables clipping.")
  private Double clipGradNorm;

  @Size(max = 32)
  @JsonPropertyDescription("The validation metric that selects ckpt_best: top1 (default) or top5.")
  private Metric metricToWatch = Metric.TOP1;

  @Min(1)
  @JsonPropertyDescription(
      "Validate every N epochs (the last epoch is always validated). Default 1.")
  private Integer runValidationFreq = 1;

  @Size(max = 100)
  @JsonPropertyDescription("Epochs after which a ckpt_epoch_N checkpoint is kept.")
  private List<Integer> saveCkptEpochList = new ArrayList<>();

  @JsonPropertyDescription("Random seed for weights, data order and augmentation. Default 42.")
  private Long seed = 42L;

  @JsonPropertyDescription("Continue from ckpt_latest when it exists. Default false.")
  private Boolean resume = false;

  @Min(0)
  @JsonPropertyDescription(
      "Write a step record to metrics.jsonl every N optimizer steps (0 = only per epoch). Default"
          + " 50.")
  private Integer logEveryNSteps = 50;
}
