package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import lombok.Data;

/** Training progress. Epochs are 1-based: epoch 1 is the first finished epoch. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProgressStatus {
  @JsonPropertyDescription("Finished epochs.")
  private Integer epoch;

  @JsonPropertyDescription("Epochs to train (spec.training.maxEpochs).")
  private Integer totalEpochs;

  @JsonPropertyDescription("Global optimizer step.")
  private Long step;

  @JsonPropertyDescription("Percent of the training done, 0 to 100.")
  private Double percent;

  @JsonPropertyDescription("Estimated seconds until the training finishes.")
  private Long etaSeconds;

  @JsonPropertyDescription("When the trainer last reported progress (RFC 3339).")
  private String lastUpdateTime;

  @JsonPropertyDescription("Short form for kubectl, e.g. '3/10'.")
  private String summary;

  /** Progress after {@code epoch} of {@code totalEpochs} epochs, with its summary. */
  public static ProgressStatus ofEpochs(int epoch, int totalEpochs) {
    ProgressStatus p = new ProgressStatus();
    p.setEpoch(epoch);
    p.setTotalEpochs(totalEpochs);
    p.setPercent(totalEpochs > 0 ? Math.round(1000.0 * epoch / totalEpochs) / 10.0 : 0.0);
    p.setSummary(epoch + "/" + totalEpochs);
    return p;
  }
}
