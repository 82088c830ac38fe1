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
 * exported from PyTorch.
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
}
