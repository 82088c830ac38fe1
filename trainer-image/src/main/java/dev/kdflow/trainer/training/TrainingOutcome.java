package dev.kdflow.trainer.training;

import java.nio.file.Path;

/**
 * What a run produced.
 *
 * @param status {@link EndRecord#SUCCEEDED} or {@link EndRecord#STOPPED}
 * @param epochsCompleted epochs finished, including those before a resume
 * @param resumedFromEpoch the epoch the run resumed from; null for a fresh start
 * @param lastValid the last validation metrics; null when never validated
 * @param best the best validation result; null when never validated
 * @param experimentDir {@code <ckptRootDir>/<experimentName>}; null without checkpoints
 * @param latestCheckpoint ckpt_latest; null without checkpoints
 * @param bestCheckpoint ckpt_best; null when none was written
 */
public record TrainingOutcome(
    String status,
    int epochsCompleted,
    Integer resumedFromEpoch,
    EpochRecord.ValidMetrics lastValid,
    EpochRecord.Best best,
    Path experimentDir,
    Path latestCheckpoint,
    Path bestCheckpoint) {}
