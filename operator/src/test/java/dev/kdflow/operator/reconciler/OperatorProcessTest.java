package dev.kdflow.operator.reconciler;

import static dev.kdflow.operator.testing.Cluster.condition;
import static dev.kdflow.operator.testing.Cluster.withStatus;
import static dev.kdflow.operator.testing.MockCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.operator.HealthServer;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.OperatorConfig;
import dev.kdflow.operator.testing.Cluster;
import dev.kdflow.operator.testing.Experiments;
import dev.kdflow.operator.testing.MockCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The operator process: health, readiness, Prometheus metrics, and clean-up after ttl.
 *
 * <p>Why the mock: the ttl case finishes a Job by writing its status as the Job controller (the
 * real one owns it), and health and metrics need no API server semantics; the mock keeps this class
 * in the fast {@code test} phase.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorProcessTest {
  static KubernetesClient client;

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthReadinessAndMetrics() throws Exception {
    MockCluster cluster = new MockCluster(client);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OperatorConfig config =
        new OperatorConfig(Set.of(NS), "img", Duration.ofMillis(300), false, null, 0);
    KDFlowOperator kdflow =
        KDFlowOperator.create(
            config,
            client,
            registry,
            MockCluster.withoutServerSideApply().andThen(o -> o.withCloseClientOnStop(false)));
    try (HealthServer http = HealthServer.start(0, kdflow::isReady, registry)) {
      assertThat(get(http.port(), "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(http.port(), "/readyz").statusCode()).as("not started yet").isEqualTo(503);
      kdflow.start();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> get(http.port(), "/readyz").statusCode() == 200);

      cluster.experiments().inNamespace(NS).resource(Experiments.kd("metered")).create();
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("metered") != null);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> get(http.port(), "/metrics").body().contains("operator_sdk_reconciliations"));
      HttpResponse<String> metrics = get(http.port(), "/metrics");
      assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    } finally {
      kdflow.operator().stop();
    }
  }

  @Test
  void ttlRemovesTheJobAndConfigMapButKeepsTheExperimentAndCheckpoints() {
    MockCluster cluster = new MockCluster(client);
    KDFlowOperator kdflow = cluster.startOperator();
    try {
      KDExperiment kdx = Experiments.kd("expiring");
      kdx.getSpec().getRunPolicy().setTtlSecondsAfterFinished(0);
      cluster.experiments().inNamespace(NS).resource(kdx).create();
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("expiring") != null);
      cluster.putPod(Cluster.terminated(cluster.job("expiring"), "a", 0, "Completed", null));
      cluster.putJob(withStatus(cluster.job("expiring"), 0, 0, condition("Complete", null, null)));
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> cluster.job("expiring") == null && cluster.configMap("expiring") == null);
      assertThat(cluster.experiment("expiring").getStatus().getPhase()).isEqualTo(Phase.SUCCEEDED);
      assertThat(cluster.claim("expiring")).as("checkpoints are kept").isNotNull();
    } finally {
      kdflow.operator().stop();
    }
  }
}
