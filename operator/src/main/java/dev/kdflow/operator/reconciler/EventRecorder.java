package dev.kdflow.operator.reconciler;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.operator.status.StatusResolver;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records Kubernetes Events on a KDExperiment (kubectl describe kdx shows them). */
public class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final String COMPONENT = "kdflow-operator";
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final KubernetesClient client;
  private final String instance;

  /** Events are written with this client; instance names this operator replica. */
  public EventRecorder(KubernetesClient client, String instance) {
    this.client = client;
    this.instance = instance;
  }

  /** Records a Normal event. */
  public void normal(KDExperiment kdx, String reason, String message) {
    record(kdx, "Normal", reason, message);
  }

  /** Records a Warning event. */
  public void warning(KDExperiment kdx, String reason, String message) {
    record(kdx, "Warning", reason, message);
  }

  private void record(KDExperiment kdx, String type, String reason, String message) {
    String now = StatusResolver.format(Instant.now());
    String name =
        kdx.getMetadata().getName()
            + "."
            + Long.toHexString(System.currentTimeMillis())
            + Long.toHexString(SEQUENCE.incrementAndGet());
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(kdx.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(KDExperiment.API_VERSION)
            .withKind(KDExperiment.KIND)
            .withName(kdx.getMetadata().getName())
            .withNamespace(kdx.getMetadata().getNamespace())
            .withUid(kdx.getMetadata().getUid())
            .withResourceVersion(kdx.getMetadata().getResourceVersion())
            .endInvolvedObject()
            .withType(type)
            .withReason(reason)
            .withMessage(message == null ? "" : message)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(instance)
            .build();
    try {
      client.v1().events().inNamespace(kdx.getMetadata().getNamespace()).resource(event).create();
    } catch (RuntimeException e) {
      // An event is a courtesy; never fail a reconciliation because one could not be written.
      LOG.warn(
          "could not record event {} on {}: {}",
          reason,
          kdx.getMetadata().getName(),
          e.getMessage());
    }
  }
}
