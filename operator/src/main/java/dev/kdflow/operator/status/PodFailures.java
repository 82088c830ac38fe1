package dev.kdflow.operator.status;

import dev.kdflow.api.FailureStatus;
import dev.kdflow.operator.dependent.ChildNames;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.Optional;

/** Classifies why a training pod failed, from what the kubelet recorded. Pure. */
public final class PodFailures {
  /** The trainer rejected its input (exit code 2); never retried. */
  public static final String INVALID_INPUT = "InvalidInput";

  /** The trainer failed while training (exit code 3). */
  public static final String TRAINING_FAILED = "TrainingFailed";

  /** The trainer was interrupted (exit code 130 or 143). */
  public static final String INTERRUPTED = "Interrupted";

  /** The container exceeded its memory limit. */
  public static final String OOM_KILLED = "OOMKilled";

  /** The pod was evicted or preempted. */
  public static final String EVICTED = "Evicted";

  /** The Job ran past activeDeadlineSeconds. */
  public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";

  /** The pod failed more often than backoffLimit allows. */
  public static final String BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded";

  /** Any other failure. */
  public static final String ERROR = "Error";

  private PodFailures() {}

  /** True when the pod has failed for good (phase Failed). */
  public static boolean isFailed(Pod pod) {
    return pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase());
  }

  /** The trainer container's terminated state, if it terminated. */
  public static Optional<ContainerStateTerminated> trainerTermination(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(cs -> ChildNames.CONTAINER.equals(cs.getName()))
        .map(ContainerStatus::getState)
        .filter(s -> s != null && s.getTerminated() != null)
        .map(s -> s.getTerminated())
        .findFirst();
  }

  /** Why a failed pod failed. */
  public static FailureStatus classify(Pod pod) {
    FailureStatus f = new FailureStatus();
    f.setPodName(pod.getMetadata().getName());
    Optional<ContainerStateTerminated> term = trainerTermination(pod);
    term.ifPresent(
        t -> {
          f.setExitCode(t.getExitCode());
          f.setTime(t.getFinishedAt());
        });
    String podReason = pod.getStatus() == null ? null : pod.getStatus().getReason();
    boolean disrupted =
        pod.getStatus() != null
            && pod.getStatus().getConditions() != null
            && pod.getStatus().getConditions().stream()
                .anyMatch(
                    c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()));
    String termReason = term.map(ContainerStateTerminated::getReason).orElse(null);
    Integer exit = f.getExitCode();
    // the trainer's termination message is its final report: the reason is what a user needs
    String message =
        term.map(ContainerStateTerminated::getMessage).map(PodFailures::readable).orElse(null);
    if (OOM_KILLED.equals(termReason)) {
      f.setReason(OOM_KILLED);
      message =
          firstNonBlank(
              message, "the trainer exceeded its memory limit; raise spec.resources.memory");
    } else if (EVICTED.equals(podReason) || disrupted) {
      f.setReason(EVICTED);
      message =
          firstNonBlank(
              pod.getStatus().getMessage(),
              disruptionMessage(pod),
              message,
              "the pod was evicted or preempted");
    } else if (exit != null && exit == 2) {
      f.setReason(INVALID_INPUT);
    } else if (exit != null && exit == 3) {
      f.setReason(TRAINING_FAILED);
    } else if (exit != null && (exit == 130 || exit == 143)) {
      f.setReason(INTERRUPTED);
    } else {
      f.setReason(ERROR);
      message =
          firstNonBlank(
              message, pod.getStatus() == null ? null : pod.getStatus().getMessage(), termReason);
    }
    f.setMessage(truncate(message));
    return f;
  }

  /** A trainer report's failure reason; any other text as it is. */
  private static String readable(String message) {
    return TrainerReportMapper.parse(message).map(r -> r.getReason()).orElse(message);
  }

  private static String disruptionMessage(Pod pod) {
    return pod.getStatus().getConditions().stream()
        .filter(c -> "DisruptionTarget".equals(c.getType()))
        .map(PodCondition::getMessage)
        .filter(m -> m != null)
        .findFirst()
        .orElse(null);
  }

  /** Cuts a message to {@link FailureStatus#MAX_MESSAGE_LENGTH} characters. */
  public static String truncate(String message) {
    if (message == null) {
      return null;
    }
    String m = message.strip();
    int max = FailureStatus.MAX_MESSAGE_LENGTH;
    return m.length() <= max ? m : m.substring(0, max - 3) + "...";
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}
