package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;

/** Latest and best validation metrics of the student. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricsStatus {
  @JsonPropertyDescription("Metrics of the most recent validation.")
  private MetricValues latest;

  @JsonPropertyDescription("Metrics of the best epoch by training.metricToWatch (ckpt_best).")
  private MetricValues best;
}
