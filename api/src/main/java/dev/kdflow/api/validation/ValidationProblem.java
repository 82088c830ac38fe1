package dev.kdflow.api.validation;

/**
 * One thing wrong with a KDExperiment.
 *
 * @param fieldPath where, e.g. {@code spec.training.maxEpochs}
 * @param message what is wrong and, where useful, how to fix it
 */
public record ValidationProblem(String fieldPath, String message) {
  @Override
  public String toString() {
    return fieldPath + ": " + message;
  }
}
