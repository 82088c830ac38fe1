package dev.kdflow.operator;

/**
 * What the training Job expects of the trainer image. The trainer image's Dockerfile is checked
 * against these values by a test, so the Job and the image cannot drift apart.
 */
public final class TrainerImageContract {
  /** The trainer launcher inside the image (the same script {@code kdflow run} uses locally). */
  public static final String LAUNCHER = "/opt/kdflow/bin/kdflow";

  /** The image's non-root user {@code kdflow}; the pod runs as this uid and gid. */
  public static final long RUN_AS_USER = 1000L;

  /** The port the trainer serves {@code GET /status} and {@code GET /metrics} on. */
  public static final int STATUS_PORT = 8000;

  /** Where the experiment's ConfigMap key {@code experiment.yaml} is mounted. */
  public static final String EXPERIMENT_FILE = "/etc/kdflow/experiment.yaml";

  /** Where the trainer writes its final summary for the operator to read. */
  public static final String TERMINATION_MESSAGE_PATH = "/dev/termination-log";

  /** The checkpoint volume's mount path when {@code spec.storage.mountPath} is not set. */
  public static final String DEFAULT_MOUNT_PATH = "/checkpoints";

  private TrainerImageContract() {}
}
