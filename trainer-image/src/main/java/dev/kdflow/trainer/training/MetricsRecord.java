package dev.kdflow.trainer.training;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * One line of {@code metrics.jsonl}, the one schema its writer ({@link MetricsJsonlWriter}) and its
 * readers ({@code report.MetricsLog}) share. {@code type} says which fields are set:
 *
 * <ul>
 *   <li>{@code start}: experiment, resumedFromEpoch (absent for a fresh start), maxEpochs,
 *       stepsPerEpoch, trainSize, validSize, withTeacher, time;
 *   <li>{@code step}: epoch, step (global), loss, taskLoss, distillLoss (with a teacher), lr, time;
 *   <li>{@code epoch}: epoch, maxEpochs, lr, train, valid (epochs with validation), best,
 *       epochSeconds, time;
 *   <li>{@code end}: status, reason (failed or stopped), epochsCompleted, time.
 * </ul>
 *
 * Accuracies are fractions, epochs and steps 1-based (0: absent); other absent fields are null.
 * Unknown fields (from newer trainers) are ignored when reading.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record MetricsRecord(
    String type,
    String experiment,
    Integer resumedFromEpoch,
    Integer maxEpochs,
    Integer stepsPerEpoch,
    Integer trainSize,
    Integer validSize,
    Boolean withTeacher,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) int epoch,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) long step,
    Double loss,
    Double taskLoss,
    Double distillLoss,
    Double lr,
    EpochRecord.TrainMetrics train,
    EpochRecord.ValidMetrics valid,
    EpochRecord.Best best,
    Double epochSeconds,
    String status,
    String reason,
    Integer epochsCompleted,
    String time) {

  /** {@code type} of a run's first record. */
  public static final String START = "start";

  /** {@code type} of a step record. */
  public static final String STEP = "step";

  /** {@code type} of an epoch record. */
  public static final String EPOCH = "epoch";

  /** {@code type} of a run's last record. */
  public static final String END = "end";

  /**
   * Absent values (also inside {@code train} and {@code valid}) are left out. Non-finite numbers
   * are accepted: a run that failed on a NaN loss may have logged one.
   */
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .defaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  /** The record of a run's start. */
  public static MetricsRecord of(StartRecord s) {
    return new MetricsRecord(
        START,
        s.experiment(),
        s.resumedFromEpoch(),
        s.maxEpochs(),
        s.stepsPerEpoch(),
        s.trainSize(),
        s.validSize(),
        s.withTeacher(),
        0,
        0L,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        s.time().toString());
  }

  /** The record of an optimizer step. */
  public static MetricsRecord of(StepRecord s) {
    return new MetricsRecord(
        STEP,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        s.epoch(),
        s.step(),
        s.loss(),
        s.taskLoss(),
        s.distillLoss(),
        s.lr(),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        s.time().toString());
  }

  /** The record of a finished epoch. */
  public static MetricsRecord of(EpochRecord e) {
    return new MetricsRecord(
        EPOCH,
        null,
        null,
        e.maxEpochs(),
        null,
        null,
        null,
        null,
        e.epoch(),
        0L,
        null,
        null,
        null,
        e.lr(),
        e.train(),
        e.valid(),
        e.best(),
        e.epochSeconds(),
        null,
        null,
        null,
        e.time().toString());
  }

  /** The record of a run's end. */
  public static MetricsRecord of(EndRecord e) {
    return new MetricsRecord(
        END,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        0,
        0L,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        e.status(),
        e.reason(),
        e.epochsCompleted(),
        (e.time() == null ? java.time.Instant.now() : e.time()).toString());
  }

  /** This record as one line of JSON (without the line break). */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads one line: the record, or the last whole record on a line that a killed run left partial
   * (the next run appends its first record to that same line); empty when the line holds none.
   */
  public static Optional<MetricsRecord> parse(String line) {
    try {
      MetricsRecord r = JSON.readValue(line, MetricsRecord.class);
      return r == null || r.type() == null ? Optional.empty() : Optional.of(r);
    } catch (JsonProcessingException e) {
      int start = line.lastIndexOf("{\"type\"");
      if (start > 0) {
        return parse(line.substring(start));
      }
      return Optional.empty();
    }
  }

  /** Training loss of an epoch record (mean over the epoch); null for other records. */
  @JsonIgnore
  public Double trainLoss() {
    return train == null ? null : train.loss();
  }

  /** Training task loss of an epoch record; null for other records. */
  @JsonIgnore
  public Double trainTaskLoss() {
    return train == null ? null : train.taskLoss();
  }

  /** Training distillation loss of an epoch record; null without a teacher. */
  @JsonIgnore
  public Double trainDistillLoss() {
    return train == null ? null : train.distillLoss();
  }

  /** Training accuracy of an epoch record; null for other records. */
  @JsonIgnore
  public Double trainTop1() {
    return train == null ? null : train.top1();
  }

  /** The best validation result's epoch so far; null before the first validation. */
  @JsonIgnore
  public Integer bestEpoch() {
    return best == null ? null : best.epoch();
  }

  /** The metric that chose the best epoch; null before the first validation. */
  @JsonIgnore
  public String bestMetric() {
    return best == null ? null : best.metric();
  }

  /** The best validation value so far; null before the first validation. */
  @JsonIgnore
  public Double bestValue() {
    return best == null ? null : best.value();
  }

  /** Validation loss; null on records without validation. */
  @JsonIgnore
  public Double validLoss() {
    return valid == null ? null : valid.loss();
  }

  /** Validation Top-1; null on records without validation. */
  @JsonIgnore
  public Double top1() {
    return valid == null ? null : valid.top1();
  }

  /** Validation Top-5; null on records without validation. */
  @JsonIgnore
  public Double top5() {
    return valid == null ? null : valid.top5();
  }

  /** The teacher's validation Top-1; null unless the teacher ran. */
  @JsonIgnore
  public Double teacherTop1() {
    return valid == null ? null : valid.teacherTop1();
  }

  /** The teacher's validation Top-5; null unless the teacher ran. */
  @JsonIgnore
  public Double teacherTop5() {
    return valid == null ? null : valid.teacherTop5();
  }
}
