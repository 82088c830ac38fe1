package dev.kdflow.operator.testing;

import dev.kdflow.api.KDExperiment;
import io.fabric8.kubernetes.client.utils.Serialization;

/** KDExperiment manifests used across tests. */
public final class Experiments {
  private Experiments() {}

  /** A valid KD experiment: mlp student, cnn teacher, 10 epochs, a new 5Gi claim. */
  public static final String KD =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: %s
        namespace: ml
      spec:
        student:
          architecture: mlp
          archParams: {hiddenSizes: [64], numClasses: 10}
        teacher:
          architecture: cnn
          checkpoint: {checkpointPath: /data/teacher/ckpt_best}
        kd:
          loss: {distillationLossCoeff: 0.7, temperature: 4.0}
        training: {maxEpochs: 10, initialLr: 0.1}
        dataset: {trainLimit: 512}
        resources: {gpus: 1, cpu: "2", memory: 8Gi}
        scheduling:
          nodeSelector: {accelerator: nvidia-h100}
          tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
          priorityClassName: training
        storage: {size: 5Gi, storageClassName: fast}
        runPolicy: {backoffLimit: 2, activeDeadlineSeconds: 3600}
      """;

  /**
   * A valid KD experiment that a test cluster can run as it is: CPU only, no PriorityClass, node
   * selector or storage class that the cluster would have to provide; the name is {@code %s}.
   */
  public static final String CPU_KD =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: %s
      spec:
        student:
          architecture: mlp
          archParams: {hiddenSizes: [64], numClasses: 10}
        teacher:
          architecture: cnn
          checkpoint: {checkpointPath: /checkpoints/teacher/ckpt_best}
        kd:
          loss: {distillationLossCoeff: 0.7, temperature: 4.0}
        training: {maxEpochs: 10, initialLr: 0.1}
        dataset: {trainLimit: 512}
        resources: {gpus: 0, cpu: "1", memory: 1Gi}
        storage: {size: 1Gi}
        runPolicy: {backoffLimit: 1}
      """;

  /** The KD experiment with the given name. */
  public static KDExperiment kd(String name) {
    return Serialization.unmarshal(KD.formatted(name), KDExperiment.class);
  }
}
