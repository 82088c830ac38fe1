package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import lombok.Data;

/**
 * The desired state of a {@link KDExperiment}. The training part (student, teacher, kd, training,
 * dataset, checkpoints) is the recipe the trainer runs; the rest only matters on a cluster.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = KDExperimentSpec.TRAINING_IMMUTABLE_RULE,
    message =
        "training fields (student, teacher, kd, training, dataset, checkpoints) cannot change"
            + " once set; change spec.restartNonce too to start a new run")
@ValidationRule(
    value = "!has(self.teacher) || !has(self.teachers)",
    message =
        "set spec.teacher (one teacher) or spec.teachers (several), not both; move spec.teacher"
            + " into spec.teachers")
@ValidationRule(
    value = "!has(self.teacher) || !has(self.teacher.weight)",
    message = "spec.teacher.weight applies to the entries of spec.teachers; remove it")
@ValidationRule(
    value =
        "!has(self.kd) || !has(self.kd.hints) || size(self.kd.hints) == 0 || has(self.teacher)"
            + " || (has(self.teachers) && size(self.teachers) == 1)",
    message =
        "spec.kd.hints need exactly one teacher (spec.teacher): a hint names one teacher's"
            + " layer")
public class KDExperimentSpec {
  /** The most teachers {@code spec.teachers} may list. */
  public static final int MAX_TEACHERS = 8;

  /** CEL transition rule: the training part of the spec only changes together with restartNonce. */
  public static final String TRAINING_IMMUTABLE_RULE =
      "(has(self.restartNonce) ? self.restartNonce : '')"
          + " != (has(oldSelf.restartNonce) ? oldSelf.restartNonce : '')"
          + " || (self.student == oldSelf.student"
          + " && has(self.teacher) == has(oldSelf.teacher)"
          + " && (!has(self.teacher) || self.teacher == oldSelf.teacher)"
          + " && has(self.teachers) == has(oldSelf.teachers)"
          + " && (!has(self.teachers) || self.teachers == oldSelf.teachers)"
          + " && has(self.kd) == has(oldSelf.kd)"
          + " && (!has(self.kd) || self.kd == oldSelf.kd)"
          + " && self.training == oldSelf.training"
          + " && has(self.dataset) == has(oldSelf.dataset)"
          + " && (!has(self.dataset) || self.dataset == oldSelf.dataset)"
          + " && has(self.checkpoints) == has(oldSelf.checkpoints)"
          + " && (!has(self.checkpoints) || self.checkpoints == oldSelf.checkpoints))";

  @Required
  @ValidationRule(
      value = "has(self.architecture)",
      message = "student.architecture is required (a registered architecture name)")
  @JsonPropertyDescription(
      "The network being trained. For knowledge distillation this is the student.")
  private ModelSpec student;

  @JsonPropertyDescription(
      "The frozen teacher. Leave it out to train the student alone with the task loss (for example"
          + " to train a teacher).")
  private TeacherSpec teacher;

  @Size(min = 1, max = MAX_TEACHERS)
  @JsonPropertyDescription(
      "Several frozen teachers, each with its own checkpoint or TorchScript file, weight and input"
          + " adapter; spec.kd.teachersMode says how they are combined. Use either teacher or"
          + " teachers.")
  private List<TeacherSpec> teachers;

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

  @Size(max = 253)
  @JsonPropertyDescription(
      "Change this value to run a finished experiment again, or to change training fields of a"
          + " started one. Training is never re-run silently.")
  private String restartNonce;

  @Pattern("^[^\\s]+$")
  @JsonPropertyDescription(
      "Trainer container image. Default: the operator's KDFLOW_TRAINER_IMAGE"
          + " (kdflow/kdflow-trainer:<version>).")
  private String image;

  @JsonPropertyDescription("GPUs, CPU, memory and shared memory of the training pod.")
  private ResourcesSpec resources = new ResourcesSpec();

  @JsonPropertyDescription(
      "Node selection, tolerations, affinity, priority, scheduler and Kueue queue of the training"
          + " pod.")
  private SchedulingSpec scheduling;

  @JsonPropertyDescription(
      "Additions to the training pod: labels, annotations, ServiceAccount, RuntimeClass, image"
          + " pull secrets, and the trainer container's env, envFrom, volumes and volumeMounts"
          + " (e.g. a read-only dataset claim). Validated: nothing here may replace what the"
          + " operator sets.")
  private PodTemplateOverrides podTemplate;

  @JsonPropertyDescription(
      "Checkpoint volume: an existing claim or a new one. Absent: an emptyDir (checkpoints are"
          + " lost with the pod, so a retried pod starts over).")
  private StorageSpec storage;

  @JsonPropertyDescription("Retries, deadline, clean-up and suspension of the training Job.")
  private RunPolicySpec runPolicy = new RunPolicySpec();

  /**
   * The teachers of this run: {@code teachers}, or {@code teacher} alone, or none (the student
   * trains alone).
   */
  public List<TeacherSpec> teacherList() {
    if (teachers != null) {
      return teachers;
    }
    return teacher == null ? List.of() : List.of(teacher);
  }
}
