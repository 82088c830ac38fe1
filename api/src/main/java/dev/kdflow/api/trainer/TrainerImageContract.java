package dev.kdflow.api.trainer;

/**
 * What the training Job and the trainer image agree on: paths, the status port, the user and the
 * exit codes. The operator builds its Job from these values, the trainer CLI exits with these
 * codes, and a test checks the trainer image's Dockerfile against them, so the three cannot drift
 * apart.
 */
public final class TrainerImageContract {
  /** The trainer launcher inside the image (the same script {@code ./kdflow} uses locally). */
  public static final String LAUNCHER = "/opt/kdflow/bin/kdflow";

  /** The image's non-root user {@code kdflow}; the pod runs as this uid and gid. */
  public static final long RUN_AS_USER = 1000L;

  /** The port the trainer serves {@code GET /status} and {@code GET /metrics} on. */
  public static final int STATUS_PORT = 8000;

  /** The directory the experiment's ConfigMap is mounted at. */
  public static final String CONFIG_DIR = "/etc/kdflow";

  /** The ConfigMap key (and file name under {@link #CONFIG_DIR}) of the experiment manifest. */
  public static final String EXPERIMENT_KEY = "experiment.yaml";

  /** Where the experiment's ConfigMap key {@code experiment.yaml} is mounted. */
  public static final String EXPERIMENT_FILE = CONFIG_DIR + "/" + EXPERIMENT_KEY;

  /** Where the trainer writes its final summary for the operator to read. */
  public static final String TERMINATION_MESSAGE_PATH = "/dev/termination-log";

  /** The checkpoint volume's mount path when {@code spec.storage.mountPath} is not set. */
  public static final String DEFAULT_MOUNT_PATH = "/checkpoints";

  /** Exit code: the command did what was asked. */
  public static final int EXIT_OK = 0;

  /**
   * Exit code: bad input found before any training (malformed manifest or recipe, unknown key, bad
   * value, missing dataset, unreadable checkpoint or TorchScript file). Retrying cannot help, so
   * the Job's pod failure policy fails the Job at once.
   */
  public static final int EXIT_INVALID_INPUT = 2;

  /** Exit code: training started and failed (the loss became NaN, a runtime error). */
  public static final int EXIT_TRAINING_FAILED = 3;

  /** Exit code: stopped by SIGINT (Ctrl-C). */
  public static final int EXIT_INTERRUPTED = 130;

  /**
   * Exit code: stopped by SIGTERM (pod deletion, eviction, preemption) after saving {@code
   * ckpt_latest}; a restarted pod resumes from it.
   */
  public static final int EXIT_TERMINATED = 143;

  private TrainerImageContract() {}
}
