package dev.kdflow.trainer.cli;

import dev.kdflow.api.trainer.TrainerImageContract;

/**
 * The CLI's exit codes, as agreed with the operator in {@link TrainerImageContract}: {@link
 * #INVALID_INPUT} fails the training Job at once (retrying cannot fix the input), every other
 * failure may be retried.
 */
public final class ExitCodes {
  /** The command did what was asked. */
  public static final int OK = TrainerImageContract.EXIT_OK;

  /** An unexpected internal error: a bug. Retried by the operator like any other failure. */
  public static final int INTERNAL_ERROR = 1;

  /**
   * Bad input detected before any training: malformed manifest or recipe, unknown key, bad value,
   * missing dataset, missing or unreadable checkpoint or TorchScript file.
   */
  public static final int INVALID_INPUT = TrainerImageContract.EXIT_INVALID_INPUT;

  /** Training started and failed (e.g. the loss became NaN, a runtime error). */
  public static final int TRAINING_FAILED = TrainerImageContract.EXIT_TRAINING_FAILED;

  /** Stopped by SIGINT (Ctrl-C). */
  public static final int INTERRUPTED = TrainerImageContract.EXIT_INTERRUPTED;

  /** Stopped by SIGTERM after saving {@code ckpt_latest}. */
  public static final int TERMINATED = TrainerImageContract.EXIT_TERMINATED;

  private ExitCodes() {}
}
