package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import lombok.Data;

/**
 * The desired state of a {@link KDExperiment}. The training part (student, teacher, kd, training,
 * dataset, checkpoints) is the recipe the trainer runs; the rest only matters on a cluster.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KDExperimentSpec {
  @Required
  @JsonPropertyDescription(
      "The network being trained. For knowledge distillation this is the student.")
  private ModelSpec student;

  @JsonPropertyDescription(
      "The frozen teacher. Leave it out to train the student alone with the task loss (for example"
          + " to train a teacher).")
  private TeacherSpec teacher;

  @JsonPropertyDescription(
      "Knowledge-distillation settings: how the KD module wraps student and teacher, and the KD"
          + " loss. Ignored when there is no teacher.")
  private KDSpec kd = new KDSpec();

  @Required
  @JsonPropertyDescription("Training hyper-parameters (SuperGradients' names, camelCase).")
  private TrainingSpec training = new TrainingSpec();

  @JsonPropertyDescription("The dataset to train and validate on.")
  private DatasetSpec dataset = new DatasetSpec();

  @JsonPropertyDescription("Where checkpoints are written.")
  private CheckpointsSpec checkpoints = new CheckpointsSpec();

  @JsonPropertyDescription(
      "Change this value to run a finished experiment again, or to change training fields of a"
          + " started one. Training is never re-run silently.")
  private String restartNonce;
}
