package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;

/** Validation metrics of one epoch. Accuracies are fractions in [0, 1]. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricValues {
  @JsonPropertyDescription("The epoch these values were measured after.")
  private Integer epoch;

  @JsonPropertyDescription("Student top-1 accuracy.")
  private Double top1;

  @JsonPropertyDescription("Student top-5 accuracy.")
  private Double top5;

  @JsonPropertyDescription("Total loss.")
  private Double loss;

  @JsonPropertyDescription("Task (label) part of the loss.")
  private Double taskLoss;

  @JsonPropertyDescription("Distillation part of the loss.")
  private Double distillLoss;

  @JsonPropertyDescription("Teacher top-1 accuracy (with kd.runTeacherOnValidation).")
  private Double teacherTop1;
}
