package dev.kdflow.trainer.training;

import java.time.Instant;
import java.util.List;

/**
 * One finished epoch.
 *
 * @param epoch 1-based
 * @param maxEpochs epochs of the run
 * @param lr learning rate of the epoch's last step
 * @param train training metrics (means over the epoch)
 * @param valid validation metrics; null on epochs without validation
 * @param best the best validation result so far; null before the first validation
 * @param epochSeconds wall time of the epoch (training, validation, checkpoints)
 * @param checkpoints checkpoint directories written at this epoch
 * @param time when it finished
 */
public record EpochRecord(
    int epoch,
    int maxEpochs,
    double lr,
    TrainMetrics train,
    ValidMetrics valid,
    Best best,
    double epochSeconds,
    List<String> checkpoints,
    Instant time) {

  /**
   * Training metrics of an epoch.
   *
   * @param loss mean total loss
   * @param taskLoss mean task loss; the trainer always records it, a metrics file read back may
   *     lack it (then null, never a made-up 0)
   * @param distillLoss mean distillation loss; null without a teacher
   * @param top1 training accuracy (fraction), measured in training mode; null when a file read back
   *     lacks it
   */
  public record TrainMetrics(double loss, Double taskLoss, Double distillLoss, Double top1) {}

  /**
   * Validation metrics (the student's; teacher accuracies when the teacher runs on validation).
   *
   * @param loss the student's mean cross-entropy
   * @param top1 fraction
   * @param top5 fraction
   * @param teacherTop1 null unless the teacher ran
   * @param teacherTop5 null unless the teacher ran
   */
  public record ValidMetrics(
      double loss, double top1, double top5, Double teacherTop1, Double teacherTop5) {

    /** The value of a metric by name ({@code top1} or {@code top5}). */
    public double get(String metric) {
      return "top5".equals(metric) ? top5 : top1;
    }
  }

  /**
   * The best validation result.
   *
   * @param metric metric name (top1/top5)
   * @param value its value
   * @param epoch 1-based epoch where it was reached
   */
  public record Best(String metric, double value, int epoch) {}
}
