package dev.kdflow.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.FailureStatus;
import dev.kdflow.operator.dependent.ChildResources;
import dev.kdflow.operator.testing.Cluster;
import dev.kdflow.operator.testing.Experiments;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PodFailuresTest {
  private final Job job = ChildResources.job(Experiments.kd("x"), "img");

  @ParameterizedTest
  @CsvSource({
    "2, Error, InvalidInput",
    "3, Error, TrainingFailed",
    "130, Error, Interrupted",
    "143, Error, Interrupted",
    "137, OOMKilled, OOMKilled",
    "1, Error, Error",
    "139, Error, Error"
  })
  void exitCodesAndReasons(int exitCode, String terminatedReason, String expected) {
    FailureStatus f =
        PodFailures.classify(Cluster.terminated(job, "a", exitCode, terminatedReason, "msg"));
    assertThat(f.getReason()).isEqualTo(expected);
    assertThat(f.getExitCode()).isEqualTo(exitCode);
    assertThat(f.getPodName()).isEqualTo("x-a");
  }

  @ParameterizedTest
  @CsvSource({"true", "false"})
  void evictionByPodReasonOrDisruptionCondition(boolean byReason) {
    var pod = Cluster.evicted(job, "a");
    if (byReason) {
      pod.getStatus().setConditions(pod.getStatus().getConditions().subList(0, 1));
    } else {
      pod.getStatus().setReason(null);
      pod.getStatus().setMessage(null);
    }
    assertThat(PodFailures.classify(pod).getReason()).isEqualTo("Evicted");
  }

  @ParameterizedTest
  @CsvSource({"10, 10", "1024, 1024", "1025, 1024", "100000, 1024"})
  void messagesAreCutTo1KiB(int length, int expected) {
    assertThat(PodFailures.truncate("m".repeat(length))).hasSize(expected);
  }
}
