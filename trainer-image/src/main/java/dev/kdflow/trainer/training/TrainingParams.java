package dev.kdflow.trainer.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.EmaParams;
import dev.kdflow.api.SpecDefaults;
import dev.kdflow.api.TrainingSpec;
import java.util.List;

/**
 * The hyper-parameters of a training run (SuperGradients' {@code training_params}): immutable, made
 * with {@link #builder()} or mapped from a KDExperiment's {@code spec.training} with {@link
 * #from(TrainingSpec)}. Unset values take the defaults of the api's {@link TrainingSpec}, the one
 * place they are written.
 */
public final class TrainingParams {
  /** A private copy, never handed out: later changes to the caller's spec do not leak in. */
  private final TrainingSpec values;

  private TrainingParams(TrainingSpec values) {
    this.values = values;
  }

  /** The parameters of a spec's {@code training} section (copied). */
  public static TrainingParams from(TrainingSpec spec) {
    return new TrainingParams(copy(spec));
  }

  /** A builder starting from the defaults; {@code maxEpochs} and {@code initialLr} have none. */
  public static Builder builder() {
    return new Builder(new TrainingSpec());
  }

  /** A builder starting from these parameters. */
  public Builder toBuilder() {
    return new Builder(copy(values));
  }

  /** Epochs of the run. */
  public Integer maxEpochs() {
    return values.getMaxEpochs();
  }

  /** Whether the run continues from ckpt_latest. */
  public boolean resume() {
    return Boolean.TRUE.equals(values.getResume());
  }

  /** The run's seed (data order, augmentation, dropout). */
  public Long seed() {
    return values.getSeed();
  }

  /** Whether the student's weights are averaged (EMA). */
  public boolean ema() {
    return Boolean.TRUE.equals(values.getEma());
  }

  /** The largest global gradient norm; null or 0 does not clip. */
  public Double clipGradNorm() {
    return values.getClipGradNorm();
  }

  /** Validate every this many epochs (and after the last). */
  public Integer runValidationFreq() {
    return values.getRunValidationFreq();
  }

  /** The metric that chooses ckpt_best. */
  public TrainingSpec.Metric metricToWatch() {
    return values.getMetricToWatch();
  }

  /** Epochs after which the student is saved as ckpt_epoch_N. */
  public List<Integer> saveCkptEpochList() {
    return values.getSaveCkptEpochList() == null
        ? List.of()
        : List.copyOf(values.getSaveCkptEpochList());
  }

  /**
   * The values as the schedule, optimizer and EMA read them (a fresh copy each time, so nothing can
   * change these parameters).
   */
  TrainingSpec spec() {
    return copy(values);
  }

  @Override
  public String toString() {
    return "TrainingParams" + new ObjectMapper().valueToTree(values);
  }

  /** A copy with every unset value resolved to the api's default (the one place they live). */
  private static TrainingSpec copy(TrainingSpec spec) {
    return SpecDefaults.resolve(spec, TrainingSpec.class);
  }

  /** Sets parameters one by one; see {@link TrainingSpec} for each one's meaning and default. */
  public static final class Builder {
    private final TrainingSpec values;

    private Builder(TrainingSpec values) {
      this.values = values;
    }

    public Builder maxEpochs(int maxEpochs) {
      values.setMaxEpochs(maxEpochs);
      return this;
    }

    public Builder initialLr(double initialLr) {
      values.setInitialLr(initialLr);
      return this;
    }

    public Builder optimizer(TrainingSpec.Optimizer optimizer) {
      values.setOptimizer(optimizer);
      return this;
    }

    public Builder momentum(double momentum) {
      values.getOptimizerParams().setMomentum(momentum);
      return this;
    }

    public Builder nesterov(boolean nesterov) {
      values.getOptimizerParams().setNesterov(nesterov);
      return this;
    }

    public Builder weightDecay(double weightDecay) {
      values.getOptimizerParams().setWeightDecay(weightDecay);
      return this;
    }

    public Builder betas(double beta1, double beta2) {
      values.getOptimizerParams().setBetas(List.of(beta1, beta2));
      return this;
    }

    public Builder eps(double eps) {
      values.getOptimizerParams().setEps(eps);
      return this;
    }

    public Builder lrMode(TrainingSpec.LrMode lrMode) {
      values.setLrMode(lrMode);
      return this;
    }

    public Builder lrUpdates(List<Integer> epochs) {
      values.setLrUpdates(List.copyOf(epochs));
      return this;
    }

    public Builder lrDecayFactor(double factor) {
      values.setLrDecayFactor(factor);
      return this;
    }

    public Builder cosineFinalLrRatio(double ratio) {
      values.setCosineFinalLrRatio(ratio);
      return this;
    }

    public Builder lrWarmupEpochs(int epochs) {
      values.setLrWarmupEpochs(epochs);
      return this;
    }

    public Builder warmupInitialLr(double lr) {
      values.setWarmupInitialLr(lr);
      return this;
    }

    public Builder ema(boolean ema) {
      values.setEma(ema);
      return this;
    }

    public Builder emaDecay(double decay) {
      values.getEmaParams().setDecay(decay);
      return this;
    }

    public Builder emaDecayType(EmaParams.DecayType type) {
      values.getEmaParams().setDecayType(type);
      return this;
    }

    public Builder emaBeta(double beta) {
      values.getEmaParams().setBeta(beta);
      return this;
    }

    public Builder clipGradNorm(double maxNorm) {
      values.setClipGradNorm(maxNorm);
      return this;
    }

    public Builder metricToWatch(TrainingSpec.Metric metric) {
      values.setMetricToWatch(metric);
      return this;
    }

    public Builder runValidationFreq(int epochs) {
      values.setRunValidationFreq(epochs);
      return this;
    }

    public Builder saveCkptEpochList(List<Integer> epochs) {
      values.setSaveCkptEpochList(List.copyOf(epochs));
      return this;
    }

    public Builder seed(long seed) {
      values.setSeed(seed);
      return this;
    }

    public Builder resume(boolean resume) {
      values.setResume(resume);
      return this;
    }

    /** The parameters (checked when a run starts). */
    public TrainingParams build() {
      return new TrainingParams(copy(values));
    }
  }
}
