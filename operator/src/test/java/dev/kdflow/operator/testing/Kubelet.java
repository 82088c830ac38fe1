package dev.kdflow.operator.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIPBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Plays the scheduler's binding and the kubelet on a real API server, for pods that the real Job
 * controller created: binds a pod to {@link ControlPlane#NODE} (Binding subresource) and writes the
 * pod status a kubelet would write. The Job controller then does the rest.
 */
public final class Kubelet {
  /** The address every pod (and the node) gets: the trainer's status port is reached there. */
  public static final String POD_IP = "127.0.0.1";

  private final KubernetesClient client;
  private final String namespace;

  /** A kubelet for the pods of one namespace. */
  public Kubelet(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** The Job's pod the Job controller created (waits for it), bound to the node. */
  public Pod awaitPod(String jobName, Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> !livePods(jobName).isEmpty());
    Pod pod = livePods(jobName).get(0);
    if (pod.getSpec().getNodeName() == null) {
      bind(pod);
    }
    return client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get();
  }

  /** Binds a pod to {@link ControlPlane#NODE}, as the scheduler would. */
  public void bind(Pod pod) {
    Binding binding =
        new BindingBuilder()
            .withNewMetadata()
            .withName(pod.getMetadata().getName())
            .withNamespace(namespace)
            .endMetadata()
            .withNewTarget()
            .withKind("Node")
            .withApiVersion("v1")
            .withName(ControlPlane.NODE)
            .endTarget()
            .build();
    client.bindings().inNamespace(namespace).resource(binding).create();
  }

  /** The Job's pods that are not finished and not being deleted. */
  public List<Pod> livePods(String jobName) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabel("batch.kubernetes.io/job-name", jobName)
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> p.getStatus() == null || !isFinished(p.getStatus().getPhase()))
        .toList();
  }

  private static boolean isFinished(String phase) {
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /** Writes the status of a pod whose trainer container runs, started now. */
  public void running(Pod pod) {
    running(pod, now());
  }

  /** Writes the status of a pod whose trainer container runs, started at {@code startedAt}. */
  public void running(Pod pod, String startedAt) {
    writeStatus(
        pod,
        "Running",
        List.of(
            condition("PodScheduled", "True"),
            condition("Initialized", "True"),
            condition("ContainersReady", "True"),
            condition("Ready", "True")),
        container(pod)
            .withReady(true)
            .withStarted(true)
            .withNewState()
            .withNewRunning()
            .withStartedAt(startedAt)
            .endRunning()
            .endState()
            .build());
  }

  /** Writes the status of a pod whose trainer container exited. */
  public void terminated(Pod pod, int exitCode, String reason, String message) {
    terminated(pod, exitCode, reason, message, null);
  }

  /**
   * Writes the status of a pod whose trainer container exited.
   *
   * @param startedAt when the container started; null when not known
   */
  public void terminated(Pod pod, int exitCode, String reason, String message, String startedAt) {
    writeStatus(
        pod,
        exitCode == 0 ? "Succeeded" : "Failed",
        List.of(
            condition("PodScheduled", "True"),
            condition("Initialized", "True"),
            condition("ContainersReady", "False"),
            condition("Ready", "False")),
        container(pod)
            .withReady(false)
            .withStarted(false)
            .withNewState()
            .withNewTerminated()
            .withExitCode(exitCode)
            .withReason(reason)
            .withMessage(message)
            .withStartedAt(startedAt)
            .withFinishedAt(now())
            .endTerminated()
            .endState()
            .build());
  }

  private void writeStatus(
      Pod pod, String phase, List<PodCondition> conditions, ContainerStatus container) {
    client
        .pods()
        .inNamespace(namespace)
        .withName(pod.getMetadata().getName())
        .editStatus(
            p -> {
              p.getStatus().setPhase(phase);
              p.getStatus().setHostIP(POD_IP);
              p.getStatus().setHostIPs(List.of(new HostIPBuilder().withIp(POD_IP).build()));
              p.getStatus().setPodIP(POD_IP);
              p.getStatus().setPodIPs(List.of(new PodIPBuilder().withIp(POD_IP).build()));
              if (p.getStatus().getStartTime() == null) {
                p.getStatus()
                    .setStartTime(
                        container.getState().getRunning() != null
                            ? container.getState().getRunning().getStartedAt()
                            : now());
              }
              p.getStatus().setConditions(conditions);
              p.getStatus().setContainerStatuses(List.of(container));
              return p;
            });
  }

  private static ContainerStatusBuilder container(Pod pod) {
    return new ContainerStatusBuilder()
        .withName(pod.getSpec().getContainers().get(0).getName())
        .withImage(pod.getSpec().getContainers().get(0).getImage())
        .withImageID("")
        .withRestartCount(0);
  }

  private static PodCondition condition(String type, String status) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withLastTransitionTime(now())
        .build();
  }

  /** A timestamp as the kubelet writes it (seconds). */
  public static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
