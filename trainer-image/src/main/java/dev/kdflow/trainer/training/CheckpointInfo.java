package dev.kdflow.trainer.training;

import java.util.Map;

/**
 * The JSON sidecar ({@code checkpoint.json}) of a student-only checkpoint: enough to rebuild the
 * network and know what the weights achieved.
 *
 * @param kind {@code best} or {@code epoch}
 * @param experiment experiment name
 * @param architecture registry name of the student
 * @param archParams the student's arch params
 * @param metric name of the watched metric
 * @param value its validation value for these weights; null when not validated
 * @param epoch 1-based epoch after which the weights were saved
 * @param ema whether the weights are the EMA average
 * @param valid all validation metrics of these weights; null when not validated
 * @param data how the data was prepared (dataset spec, normalisation), so the checkpoint can be
 *     evaluated on the same data; may be empty
 */
public record CheckpointInfo(
    String kind,
    String experiment,
    String architecture,
    Map<String, Object> archParams,
    String metric,
    Double value,
    int epoch,
    boolean ema,
    EpochRecord.ValidMetrics valid,
    Map<String, Object> data) {}
