package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.ToString;

/**
 * The frozen teacher: either a registered architecture (with a checkpoint) or a TorchScript file
 * exported from PyTorch. One of them is {@code spec.teacher}; several are {@code spec.teachers},
 * each with its own weight and input adapter.
 */
@Data
@EqualsAndHashCode(callSuper = true)
@ToString(callSuper = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.architecture) != has(self.torchscript)",
    message = "teacher needs exactly one of architecture or torchscript")
public class TeacherSpec extends ModelSpec {
  @Size(max = 4096)
  @JsonPropertyDescription(
      "Path of a TorchScript file (torch.jit.trace/script/freeze) used as the teacher instead of"
          + " a registered architecture.")
  private String torchscript;

  @ValidationRule(value = "self > 0.0", message = "teachers[].weight must be > 0")
  @JsonPropertyDescription(
      "Several teachers only (spec.teachers): this teacher's weight; weights are normalised to"
          + " sum 1. Default 1 (all teachers equal).")
  private Double weight;

  @JsonPropertyDescription(
      "Re-normalises this teacher's input (overrides spec.kd.teacherInputAdapter for this"
          + " teacher), for teachers trained with other normalisation than the student's data.")
  private NormalizationAdapterSpec inputAdapter;

  /** The weight, 1 when unset. */
  public double weightOrDefault() {
    return weight == null ? 1.0 : weight;
  }
}
