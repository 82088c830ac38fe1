package dev.kdflow.operator.trainer;

import dev.kdflow.api.trainer.TrainerReport;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Asks the trainer running in a pod how it is doing. The operator never calls it on a reconcile
 * thread: {@link TrainerPoller} asks through {@link #fetchAsync} with a bounded number of requests
 * in flight. Production uses {@link HttpTrainerStatusSource} over the pod network; tests may point
 * it elsewhere.
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

  /**
   * The same answer, without blocking the caller. This default runs {@link #fetch} on the given
   * executor; a source that can wait without a thread (the JDK HTTP client) overrides it.
   */
  default CompletableFuture<Optional<TrainerReport>> fetchAsync(Pod pod, Executor executor) {
    return CompletableFuture.supplyAsync(() -> fetch(pod), executor);
  }
}
