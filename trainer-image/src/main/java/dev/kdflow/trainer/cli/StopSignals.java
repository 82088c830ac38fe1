package dev.kdflow.trainer.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns SIGTERM (pod deletion, eviction, preemption) and SIGINT (Ctrl-C) into a clean stop: the run
 * stops at the next step boundary, {@code ckpt_latest} keeps the last completed epoch, the
 * termination message is written, and only then does the JVM exit (with 143 or 130, as the signal
 * says). A shutdown hook is the JDK's supported way to see these signals.
 */
final class StopSignals {
  /** Longer than Kubernetes' default 30 s grace period: the kubelet's SIGKILL ends it first. */
  private static final long MAX_WAIT_SECONDS = 120;

  private static final Object LOCK = new Object();
  private static Runnable stopper;
  private static CountDownLatch finished;
  private static volatile boolean signalled;

  private StopSignals() {}

  /**
   * Installs the hook for this process; {@code stop} is called on a signal, and the JVM waits until
   * {@link #finished()} is called.
   */
  static void install(Runnable stop) {
    synchronized (LOCK) {
      boolean first = finished == null;
      stopper = stop;
      finished = new CountDownLatch(1);
      if (first) {
        Runtime.getRuntime()
            .addShutdownHook(new Thread(StopSignals::onSignal, "kdflow-stop-on-signal"));
      }
    }
  }

  /** The command is done (termination message written): the JVM may exit. */
  static void finished() {
    synchronized (LOCK) {
      if (finished != null) {
        finished.countDown();
      }
    }
  }

  /** True once a signal asked the process to stop. */
  static boolean signalled() {
    return signalled;
  }

  private static void onSignal() {
    Runnable stop;
    CountDownLatch done;
    synchronized (LOCK) {
      stop = stopper;
      done = finished;
    }
    if (done == null || done.getCount() == 0) {
      return;
    }
    signalled = true;
    stop.run();
    try {
      done.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
