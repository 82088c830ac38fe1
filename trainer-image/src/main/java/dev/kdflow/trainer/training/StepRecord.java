package dev.kdflow.trainer.training;

import java.time.Instant;

/**
 * One optimizer step.
 *
 * @param epoch the epoch it belongs to, 1-based
 * @param step global step count after this step (1-based)
 * @param stepInEpoch step within the epoch, 1-based
 * @param stepsPerEpoch steps per epoch
 * @param loss total loss
 * @param taskLoss task part
 * @param distillLoss distillation part; null without a teacher
 * @param lr learning rate used
 * @param time when it finished
 */
public record StepRecord(
    int epoch,
    long step,
    int stepInEpoch,
    int stepsPerEpoch,
    double loss,
    double taskLoss,
    Double distillLoss,
    double lr,
    Instant time) {}
