package dev.kdflow.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.DISTParams;
import dev.kdflow.api.DKDParams;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.LossSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each loss type accepts its own parameters and rejects the others', naming field and fix. */
class LossSpecValidationTest {

  private static KDExperiment withLoss(String lossYaml, int maxEpochs) {
    String yaml =
        """
        apiVersion: kdflow.dev/v1alpha1
        kind: KDExperiment
        metadata: {name: losses}
        spec:
          student: {architecture: mlp}
          teacher:
            architecture: cnn
            checkpoint: {checkpointPath: /data/teacher/ckpt_best}
          kd:
            loss: %s
          training: {maxEpochs: %d, initialLr: 0.1}
        """
            .formatted(lossYaml, maxEpochs);
    return Serialization.unmarshal(yaml, KDExperiment.class);
  }

  private static List<String> problems(String lossYaml, int maxEpochs) {
    return KDExperimentValidator.validate(withLoss(lossYaml, maxEpochs)).stream()
        .map(ValidationProblem::toString)
        .toList();
  }

  @Test
  void everyTypeWithItsOwnParametersIsValid() {
    assertThat(problems("{type: KDLogitsLoss, distillationLossCoeff: 0.9, temperature: 4}", 10))
        .isEmpty();
    assertThat(
            problems(
                "{type: HintonKD, taskLossWeight: 0.1, distillationLossWeight: 9,"
                    + " temperature: 2, logitStandardization: true}",
                10))
        .isEmpty();
    assertThat(
            problems(
                "{type: DKD, temperature: 4, logitStandardization: true,"
                    + " dkd: {alpha: 1, beta: 8, warmupEpochs: 5}}",
                10))
        .isEmpty();
    assertThat(
            problems(
                "{type: DIST, temperature: 4, taskLossWeight: 1, distillationLossWeight: 2,"
                    + " dist: {beta: 2, gamma: 2}}",
                10))
        .isEmpty();
  }

  @Test
  void parametersOfAnotherTypeAreRejectedNamingTheField() {
    assertThat(problems("{type: DIST, dkd: {beta: 8}}", 10))
        .singleElement()
        .asString()
        .startsWith("spec.kd.loss.dkd:")
        .contains("type DKD");
    assertThat(problems("{type: DKD, dkd: {warmupEpochs: 0}, dist: {gamma: 1}}", 10))
        .singleElement()
        .asString()
        .startsWith("spec.kd.loss.dist:");
    assertThat(problems("{taskLossWeight: 0.5}", 10))
        .singleElement()
        .asString()
        .startsWith("spec.kd.loss.taskLossWeight:")
        .contains("1 - distillationLossCoeff");
    assertThat(problems("{type: DKD, distillationLossWeight: 2, dkd: {warmupEpochs: 0}}", 10))
        .singleElement()
        .asString()
        .startsWith("spec.kd.loss.distillationLossWeight:")
        .contains("dkd.alpha");
    assertThat(problems("{type: HintonKD, distillationLossCoeff: 0.9}", 10))
        .singleElement()
        .asString()
        .startsWith("spec.kd.loss.distillationLossCoeff:")
        .contains("KDLogitsLoss only");
    assertThat(problems("{type: DIST, logitStandardization: true}", 10))
        .singleElement()
        .asString()
        .startsWith("spec.kd.loss.logitStandardization:");
  }

  @Test
  void negativeWeightsAreRejected() {
    assertThat(
            problems(
                "{type: DKD, taskLossWeight: -1, dkd: {alpha: -1, beta: -2, warmupEpochs: -3}}",
                10))
        .extracting(p -> p.substring(0, p.indexOf(':')))
        .containsExactlyInAnyOrder(
            "spec.kd.loss.taskLossWeight",
            "spec.kd.loss.dkd.alpha",
            "spec.kd.loss.dkd.beta",
            "spec.kd.loss.dkd.warmupEpochs");
    assertThat(problems("{type: DIST, dist: {beta: -1, gamma: -0.5}}", 10))
        .extracting(p -> p.substring(0, p.indexOf(':')))
        .containsExactlyInAnyOrder("spec.kd.loss.dist.beta", "spec.kd.loss.dist.gamma");
  }

  @Test
  void dkdWarmUpLongerThanTheRunIsRejectedWithTheFix() {
    assertThat(problems("{type: DKD}", 6))
        .singleElement()
        .asString()
        .startsWith("spec.kd.loss.dkd.warmupEpochs:")
        .contains("20 (the default)")
        .contains("maxEpochs is 6")
        .contains("0 disables");
    assertThat(problems("{type: DKD, dkd: {warmupEpochs: 6}}", 6)).isEmpty();
  }

  @Test
  void unsetParametersTakeTheDefaultsOfTheirType() {
    LossSpec hinton = new LossSpec();
    hinton.setType(LossSpec.Type.HINTON_KD);
    assertThat(hinton.taskLossWeightOrDefault()).isEqualTo(0.1);
    assertThat(hinton.distillationLossWeightOrDefault()).isEqualTo(0.9);
    LossSpec dist = new LossSpec();
    dist.setType(LossSpec.Type.DIST);
    assertThat(dist.taskLossWeightOrDefault()).isEqualTo(1.0);
    assertThat(dist.distillationLossWeightOrDefault()).isEqualTo(1.0);
    assertThat(dist.distOrDefault().betaOrDefault()).isEqualTo(DISTParams.DEFAULT_BETA);
    LossSpec dkd = new LossSpec();
    dkd.setType(LossSpec.Type.DKD);
    assertThat(dkd.dkdOrDefault().betaOrDefault()).isEqualTo(DKDParams.DEFAULT_BETA);
    assertThat(dkd.dkdOrDefault().warmupEpochsOrDefault()).isEqualTo(20);
    assertThat(new LossSpec().typeOrDefault()).isEqualTo(LossSpec.Type.KD_LOGITS);
  }
}
