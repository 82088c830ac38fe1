package dev.kdflow.trainer.training;

import java.time.Instant;

/**
 * The start of a run.
 *
 * @param experiment experiment name
 * @param resumedFromEpoch epochs already done in ckpt_latest when resuming; null for a fresh start
 * @param maxEpochs epochs of the whole run
 * @param stepsPerEpoch optimizer steps per epoch
 * @param trainSize training images
 * @param validSize validation images
 * @param withTeacher whether a teacher distils into the student
 * @param time when it started
 */
public record StartRecord(
    String experiment,
    Integer resumedFromEpoch,
    int maxEpochs,
    int stepsPerEpoch,
    int trainSize,
    int validSize,
    boolean withTeacher,
    Instant time) {}
