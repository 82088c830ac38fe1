package dev.kdflow.operator.trainer;

import dev.kdflow.api.trainer.TrainerImageContract;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.util.Optional;

/** Where a pod's trainer serves {@code GET /status}. */
@FunctionalInterface
public interface TrainerEndpoint {
  /** The status URI of the pod's trainer; empty when the pod has no address yet. */
  Optional<URI> statusUri(Pod pod);

  /**
   * Production: {@code http://POD_IP:8000/status}, the pod's IP and {@link
   * TrainerImageContract#STATUS_PORT}.
   */
  static TrainerEndpoint podIp() {
    return pod -> {
      String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
      if (ip == null || ip.isBlank()) {
        return Optional.empty();
      }
      String host = ip.contains(":") ? "[" + ip + "]" : ip;
      return Optional.of(
          URI.create("http://" + host + ":" + TrainerImageContract.STATUS_PORT + "/status"));
    };
  }
}
