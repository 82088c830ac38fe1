package dev.kdflow.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.operator.bench.ApiServerScaleBenchmark.Options;
import dev.kdflow.operator.bench.ApiServerScaleBenchmark.Result;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.RealCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real-API-server scale benchmark's code path with a handful of experiments whose trainers
 * never answer: the figures are complete, new experiments get their Jobs while those trainers are
 * polled, and an idle operator writes nothing. The full run is {@code bench/operator-scale.sh
 * --real-api-server}, not part of the build.
 */
@RealCluster
class ApiServerScaleBenchmarkIT {

  @Test
  void fewExperimentsWithSilentTrainersIdleWithoutWrites(ControlPlane plane) throws Exception {
    int n = 5;
    Options options =
        new Options(
            List.of(n),
            10,
            5,
            Duration.ofMillis(500),
            Duration.ofSeconds(2),
            true,
            Duration.ofSeconds(1),
            Duration.ofMinutes(3));
    Result r = ApiServerScaleBenchmark.run(plane, n, options, line -> {});

    assertThat(r.n()).isEqualTo(n);
    assertThat(r.steadyMs().p99()).isPositive().isGreaterThanOrEqualTo(r.steadyMs().p50());
    assertThat(r.burstMs().p99()).isPositive().isGreaterThanOrEqualTo(r.burstMs().p50());
    // each experiment gets its ConfigMap, claim and Job (created or applied server-side) and a
    // status
    for (String kind : List.of("configmaps", "persistentvolumeclaims", "jobs")) {
      assertThat(
              r.create().byKind().getOrDefault("POST " + kind, 0L)
                  + r.create().byKind().getOrDefault("PATCH " + kind, 0L))
          .as("%s written in %s", kind, r.create().byKind())
          .isEqualTo(n);
    }
    assertThat(r.create().byKind()).containsKey("PATCH kdexperiments/status");
    assertThat(r.idle().writes()).as("%s", r.idle()).isZero();
    // A reconciliation that asked a silent trainer itself would take its 2 s timeout.
    assertThat(r.longestReconcileMs()).isLessThan(2000);
    assertThat(r.heapMiB()).isLessThan(256);
    assertThat(ApiServerScaleBenchmark.table(List.of(r), options))
        .contains("create→Job p99, steady 10/s (ms)")
        .contains("idle writes");
  }
}
