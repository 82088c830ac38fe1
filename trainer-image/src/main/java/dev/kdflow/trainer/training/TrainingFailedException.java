package dev.kdflow.trainer.training;

/** Training started but could not finish (e.g. the loss became NaN); the CLI exits with 3. */
public class TrainingFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainingFailedException(String message) {
    super(message);
  }

  public TrainingFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
