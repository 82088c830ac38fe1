package dev.kdflow.trainer.cli;

/**
 * The CLI's exit codes. The operator maps them: {@link #INVALID_INPUT} fails the training Job at
 * once (retrying cannot fix the input), every other failure may be retried.
 */
public final class ExitCodes {
  /** The command did what was asked. */
  public static final int OK = 0;

  /**
   * Bad input detected before any training: malformed manifest or recipe, unknown key, bad value,
   * missing dataset, missing or unreadable checkpoint or TorchScript file.
   */
  public static final int INVALID_INPUT = 2;

  /** Training started and failed (e.g. the loss became NaN, a runtime error). */
  public static final int TRAINING_FAILED = 3;

  /** Stopped by SIGINT (Ctrl-C); SIGTERM gives 143. */
  public static final int INTERRUPTED = 130;

  private ExitCodes() {}
}
