package dev.kdflow.trainer.training;

import dev.kdflow.api.SpecDefaults;
import dev.kdflow.api.TrainingSpec;
import java.util.List;

/**
 * SuperGradients' learning-rate policies as a pure function of the position in training (so a
 * resumed run needs no schedule state): linear per-epoch warm-up from {@code warmupInitialLr}
 * (default {@code initialLr / (lrWarmupEpochs + 1)}; {@code LinearEpochLRWarmup}) or linear
 * per-step warm-up over {@code lrWarmupSteps} ({@code LinearBatchLRWarmup}), then {@code constant},
 * {@code step} (× {@code lrDecayFactor} at each epoch of {@code lrUpdates}) or {@code cosine} (per
 * step, down to {@code initialLr · cosineFinalLrRatio}).
 */
public final class LrSchedule {
  private final double initialLr;
  private final TrainingSpec.LrMode mode;
  private final List<Integer> lrUpdates;
  private final double lrDecayFactor;
  private final double cosineFinalLrRatio;
  private final int warmupEpochs;
  private final double warmupInitialLr;
  private final int maxEpochs;
  private final boolean batchWarmup;
  private final int warmupSteps;

  /** The schedule of a training spec; unset fields get the api defaults. */
  public LrSchedule(TrainingSpec given) {
    TrainingSpec spec = SpecDefaults.resolve(given, TrainingSpec.class);
    this.initialLr = spec.getInitialLr();
    this.mode = spec.getLrMode();
    this.lrUpdates = List.copyOf(spec.getLrUpdates());
    this.lrDecayFactor = spec.getLrDecayFactor();
    this.cosineFinalLrRatio = spec.getCosineFinalLrRatio();
    this.warmupEpochs = spec.getLrWarmupEpochs();
    this.warmupInitialLr =
        spec.getWarmupInitialLr() != null
            ? spec.getWarmupInitialLr()
            : initialLr / (warmupEpochs + 1);
    this.maxEpochs = spec.getMaxEpochs();
    this.batchWarmup = spec.getWarmupMode() == TrainingSpec.WarmupMode.LINEAR_BATCH;
    this.warmupSteps = batchWarmup ? spec.getLrWarmupSteps() : 0;
  }

  /**
   * The learning rate of a step.
   *
   * @param epoch 0-based epoch
   * @param step 0-based step within the epoch
   * @param stepsPerEpoch steps per epoch
   */
  public double lr(int epoch, int step, int stepsPerEpoch) {
    long global = (long) epoch * stepsPerEpoch + step;
    if (batchWarmup && global < warmupSteps) {
      // SuperGradients' LinearBatchLRWarmup: np.linspace(warmup_initial_lr, initial_lr, n) over
      // n = min(lr_warmup_steps, steps per epoch) steps; the schedule only starts after
      // lr_warmup_steps, so steps in between keep initial_lr.
      int n = Math.min(warmupSteps, stepsPerEpoch);
      if (global >= n) {
        return initialLr;
      }
      return n == 1
          ? warmupInitialLr
          : warmupInitialLr + global * (initialLr - warmupInitialLr) / (n - 1);
    }
    if (epoch < warmupEpochs) {
      return warmupInitialLr + epoch * (initialLr - warmupInitialLr) / warmupEpochs;
    }
    switch (mode) {
      case STEP:
        long passed = lrUpdates.stream().filter(e -> e <= epoch).count();
        return initialLr * Math.pow(lrDecayFactor, passed);
      case COSINE:
        // SuperGradients' CosineLRScheduler counts its steps after either warm-up
        long current = (long) (epoch - warmupEpochs) * stepsPerEpoch + step - warmupSteps;
        long total = (long) (maxEpochs - warmupEpochs) * stepsPerEpoch - warmupSteps;
        double lr = 0.5 * initialLr * (1.0 + Math.cos(current / (double) (total + 1) * Math.PI));
        return lr * (1 - cosineFinalLrRatio) + initialLr * cosineFinalLrRatio;
      case CONSTANT:
      default:
        return initialLr;
    }
  }
}
