package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Size;
import java.util.LinkedHashMap;
import java.util.Map;
import lombok.Data;

/** A network built from kdflow's model registry, optionally initialised from a checkpoint. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelSpec {
  @Size(max = 63)
  @JsonPropertyDescription(
      "Registered architecture name: mlp, cnn, resnet18, resnet34, resnet50, resnet_small,"
          + " mobilenet_v2.")
  private String architecture;

  @Size(max = 32)
  @SchemaFrom(type = FreeFormObject.class)
  @JsonPropertyDescription(
      "Architecture parameters, e.g. numClasses, inChannels, hiddenSizes, smallImageStem."
          + " Unknown keys are rejected.")
  private Map<String, Object> archParams = new LinkedHashMap<>();

  @JsonPropertyDescription("Weights to load into the network before training.")
  private CheckpointParams checkpoint;
}
