package dev.kdflow.operator.trainer;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.trainer.TrainerReport;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.ResourceEventAware;
import java.util.Set;

/**
 * Connects a {@link TrainerPoller} to JOSDK: a trainer's new report triggers a reconciliation of
 * its experiment, a deleted experiment is forgotten, and the poller stops with the operator.
 */
public final class TrainerReportEventSource extends AbstractEventSource<TrainerReport, KDExperiment>
    implements ResourceEventAware<KDExperiment> {
  /** Name of this event source. */
  public static final String NAME = "trainer-reports";

  private final TrainerPoller poller;

  /** An event source for the poller's news. */
  public TrainerReportEventSource(TrainerPoller poller) {
    super(TrainerReport.class, NAME);
    this.poller = poller;
    poller.onNews(
        id -> {
          if (isRunning()) {
            getEventHandler().handleEvent(new Event(id));
          }
        });
  }

  @Override
  public Set<TrainerReport> getSecondaryResources(KDExperiment primary) {
    return poller.cached(ResourceID.fromResource(primary)).map(Set::of).orElse(Set.of());
  }

  @Override
  public void onResourceDeleted(KDExperiment resource) {
    poller.forget(ResourceID.fromResource(resource));
  }

  @Override
  public void stop() throws OperatorException {
    poller.close();
    super.stop();
  }
}
