package dev.kdflow.operator.trainer;

import dev.kdflow.api.trainer.TrainerReport;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;

/**
 * Asks the trainer running in a pod how it is doing. The operator calls it while an experiment is
 * Running, once per reconciliation (that is, every poll interval); production uses {@link
 * HttpTrainerStatusSource} over the pod network, tests may point it elsewhere.
 */
@FunctionalInterface
public interface TrainerStatusSource {
  /** Never asks anyone: for operators that only read Job and pod state. */
  TrainerStatusSource NONE = pod -> Optional.empty();

  /**
   * The trainer's current report; empty when it cannot be had now (not listening yet, no pod IP,
   * timeout, malformed answer). Must not throw and must return within a few seconds.
   */
  Optional<TrainerReport> fetch(Pod pod);
}
