package dev.kdflow.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.operator.bench.OperatorScaleBenchmark.Options;
import dev.kdflow.operator.bench.OperatorScaleBenchmark.Result;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scale benchmark's code path with five experiments and short windows: the result is complete,
 * and an operator whose experiments all run with nothing new to report writes nothing.
 */
class OperatorScaleBenchmarkTest {

  @Test
  void fiveExperimentsRunAndIdleWithoutWrites() throws Exception {
    int n = 5;
    Options options =
        new Options(
            List.of(n),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofMillis(300),
            0,
            Duration.ofMillis(600),
            Duration.ofSeconds(60));
    Result r = OperatorScaleBenchmark.run(n, options, line -> {});

    assertThat(r.n()).isEqualTo(n);
    assertThat(r.createToJobMs().p50()).isPositive();
    assertThat(r.createToJobMs().p99()).isGreaterThanOrEqualTo(r.createToJobMs().p50());
    assertThat(r.createToJobMs().max()).isGreaterThanOrEqualTo(r.createToJobMs().p99());
    assertThat(r.allJobsSeconds()).isPositive();
    // each experiment gets its ConfigMap, claim and Job, and a Pending status
    assertThat(r.create().byKind())
        .containsEntry("POST configmaps", (long) n)
        .containsEntry("POST persistentvolumeclaims", (long) n)
        .containsEntry("POST jobs", (long) n)
        .containsKey("PATCH kdexperiments/status");
    assertThat(r.writesPerExperiment()).isGreaterThanOrEqualTo(4);
    assertThat(r.startup().watches()).as("the operator's informers").isPositive();
    assertThat(r.heap().baselineMiB()).isPositive();

    // nothing changed: neither a restarted operator nor polling writes anything
    assertThat(r.resync().reconciliations()).isGreaterThanOrEqualTo(n);
    assertThat(r.resync().requests().writes()).as("%s", r.resync().requests()).isZero();
    assertThat(r.idle().trainerPolls()).as("the trainers were polled").isGreaterThanOrEqualTo(n);
    assertThat(r.idle().requests().writes()).as("%s", r.idle().requests()).isZero();

    // one new epoch per trainer: exactly one status patch per experiment
    assertThat(r.change().expectedWrites()).isEqualTo(n);
    assertThat(r.change().requests().byKind())
        .as("writes of the new-epoch window")
        .isEqualTo(Map.of("PATCH kdexperiments/status", (long) n));

    assertThat(OperatorScaleBenchmark.table(List.of(r)))
        .contains("create→Job p99 (ms)")
        .contains("idle window: writes");
  }

  @Test
  void requestsAreClassifiedByMethodAndResource() {
    assertThat(
            OperatorScaleBenchmark.classify(
                "PATCH", "/apis/kdflow.dev/v1alpha1/namespaces/ml/kdexperiments/x/status"))
        .isEqualTo("PATCH kdexperiments/status");
    assertThat(
            OperatorScaleBenchmark.classify(
                "GET", "/apis/batch/v1/jobs?labelSelector=a%3Db&watch=true&resourceVersion=3"))
        .isEqualTo("WATCH jobs");
    assertThat(OperatorScaleBenchmark.classify("GET", "/api/v1/namespaces/ml/pods?limit=500"))
        .isEqualTo("GET pods");
    assertThat(OperatorScaleBenchmark.classify("POST", "/api/v1/namespaces/ml/events"))
        .isEqualTo("POST events");
  }
}
