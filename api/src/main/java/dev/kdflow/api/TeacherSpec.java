package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
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
public class TeacherSpec extends ModelSpec {
  @JsonPropertyDescription(
      "Path of a TorchScript file (torch.jit.trace/script/freeze) used as the teacher instead of"
          + " a registered architecture.")
  private String torchscript;
}
