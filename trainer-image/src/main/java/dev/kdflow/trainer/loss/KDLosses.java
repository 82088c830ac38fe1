package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.kdflow.api.DISTParams;
import dev.kdflow.api.DKDParams;
import dev.kdflow.api.LossSpec;

/** Builds the KD loss a {@link LossSpec} selects; the one place the spec becomes a loss. */
public final class KDLosses {
  private KDLosses() {}

  /**
   * The loss of {@code spec.type} with the spec's parameters, unset ones at their defaults (from
   * {@link LossSpec}, {@link DKDParams}, {@link DISTParams}).
   */
  public static KDLoss from(LossSpec spec) {
    LossSpec s = spec == null ? new LossSpec() : spec;
    SupervisedLoss task = new CrossEntropyLoss(s.labelSmoothingOrDefault());
    boolean standardize = s.logitStandardizationOrDefault();
    return switch (s.typeOrDefault()) {
      case KD_LOGITS -> KDLogitsLoss.from(s);
      case HINTON_KD ->
          new HintonKDLoss(
              task,
              s.taskLossWeightOrDefault(),
              s.distillationLossWeightOrDefault(),
              s.temperatureOrDefault(),
              standardize);
      case DKD -> {
        DKDParams d = s.dkdOrDefault();
        yield new DKDLoss(
            task,
            s.taskLossWeightOrDefault(),
            d.alphaOrDefault(),
            d.betaOrDefault(),
            s.temperatureOrDefault(),
            d.warmupEpochsOrDefault(),
            standardize);
      }
      case DIST -> {
        if (standardize) {
          throw new IllegalArgumentException(
              "kd.loss.logitStandardization applies to KDLogitsLoss, HintonKD and DKD, not DIST");
        }
        DISTParams d = s.distOrDefault();
        yield new DISTLoss(
            task,
            s.taskLossWeightOrDefault(),
            s.distillationLossWeightOrDefault(),
            d.betaOrDefault(),
            d.gammaOrDefault(),
            s.temperatureOrDefault());
      }
    };
  }

  /** The teacher's logits, or a clear error when the teacher did not run. */
  static NDArray teacherLogits(KDOutput output, String loss) {
    if (output.teacherOutput() == null) {
      throw new IllegalStateException(loss + " needs the teacher's output");
    }
    return output.teacherOutput().head();
  }

  /** The teacher's outputs, or a clear error when the teacher did not run. */
  static NDList teacherOutputs(KDOutput output, String loss) {
    if (output.teacherOutput() == null) {
      throw new IllegalStateException(loss + " needs the teacher's output");
    }
    return output.teacherOutput();
  }

  static double nonNegative(String name, double value) {
    if (!(value >= 0 && Double.isFinite(value))) {
      throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + value);
    }
    return value;
  }

  static double positive(String name, double value) {
    if (!(value > 0 && Double.isFinite(value))) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
    return value;
  }
}
