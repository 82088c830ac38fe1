package dev.kdflow.trainer.training;

import java.util.Map;

/**
 * The JSON part of ckpt_latest ({@code state.json}); tensors live beside it.
 *
 * @param formatVersion layout version
 * @param experiment experiment name
 * @param architecture the student's registry name (null when not from the registry)
 * @param archParams the student's arch params
 * @param epoch epochs completed
 * @param globalStep optimizer steps taken
 * @param optimizer optimizer type
 * @param optimizerSteps the optimizer's own step count
 * @param emaUpdates EMA update count; null without EMA
 * @param best best validation result so far; null when none
 * @param seed the run's seed
 * @param maxEpochs the run's planned epochs
 * @param lastValid the last validation metrics; null when none yet
 */
public record LatestState(
    int formatVersion,
    String experiment,
    String architecture,
    Map<String, Object> archParams,
    int epoch,
    long globalStep,
    String optimizer,
    long optimizerSteps,
    Long emaUpdates,
    EpochRecord.Best best,
    long seed,
    int maxEpochs,
    EpochRecord.ValidMetrics lastValid) {}
