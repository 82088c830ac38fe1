package dev.kdflow.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import io.javaoperatorsdk.operator.processing.retry.RetryExecution;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The factory: production settings unless a test overrides them. */
class KDFlowOperatorTest {
  private final KubernetesClient client =
      new KubernetesClientBuilder()
          .withConfig(new ConfigBuilder().withMasterUrl("https://localhost:1").build())
          .build();

  private static OperatorConfig config(boolean leaderElection, Set<String> namespaces) {
    return new OperatorConfig(
        namespaces, "img", Duration.ofSeconds(15), leaderElection, "kdflow-system", 8080);
  }

  @Test
  void productionUsesServerSideApplyAndLeaderElection() {
    KDFlowOperator kdflow =
        KDFlowOperator.create(config(true, Set.of()), client, new SimpleMeterRegistry(), o -> {});
    ConfigurationService cs = kdflow.operator().getConfigurationService();
    assertThat(cs.ssaBasedCreateUpdateMatchForDependentResources()).isTrue();
    assertThat(cs.useSSAToPatchPrimaryResource()).isTrue();
    assertThat(cs.getLeaderElectionConfiguration()).isPresent();
    assertThat(cs.getLeaderElectionConfiguration().get().getLeaseName())
        .isEqualTo("kdflow-operator-leader");
    assertThat(cs.getLeaderElectionConfiguration().get().getLeaseNamespace())
        .contains("kdflow-system");
    assertThat(
            kdflow
                .operator()
                .getRegisteredController("kdexperiment")
                .orElseThrow()
                .getConfiguration()
                .getInformerConfig()
                .watchAllNamespaces())
        .isTrue();
  }

  @Test
  void overridesApplyAfterKdflowsSettingsAndNamespacesAreHonoured() {
    KDFlowOperator kdflow =
        KDFlowOperator.create(
            config(false, Set.of("team-a", "team-b")),
            client,
            new SimpleMeterRegistry(),
            o ->
                o.withCloseClientOnStop(false).withReconciliationTerminationTimeout(Duration.ZERO));
    ConfigurationService cs = kdflow.operator().getConfigurationService();
    assertThat(cs.closeClientOnStop()).isFalse();
    assertThat(cs.reconciliationTerminationTimeout()).isEqualTo(Duration.ZERO);
    assertThat(cs.ssaBasedCreateUpdateMatchForDependentResources()).isTrue();
    assertThat(cs.getLeaderElectionConfiguration()).isEmpty();
    // The registered controller's configuration is a raw type: compare as a plain set.
    Set<?> namespaces =
        kdflow
            .operator()
            .getRegisteredController("kdexperiment")
            .orElseThrow()
            .getConfiguration()
            .getInformerConfig()
            .getNamespaces();
    assertThat(namespaces).isEqualTo(Set.of("team-a", "team-b"));
  }

  @Test
  void aFailingReconciliationIsRetriedForeverAtMostAMinuteApart() {
    KDFlowOperator kdflow =
        KDFlowOperator.create(config(false, Set.of()), client, new SimpleMeterRegistry(), o -> {});
    RetryExecution retry =
        kdflow
            .operator()
            .getRegisteredController("kdexperiment")
            .orElseThrow()
            .getConfiguration()
            .getRetry()
            .initExecution();
    long total = 0;
    for (int attempt = 1; attempt <= 1_000; attempt++) {
      long delay = retry.nextDelay().orElseThrow(() -> new AssertionError("gave up"));
      assertThat(delay).isBetween(2_000L, 60_000L);
      total += delay;
    }
    // a day's worth of attempts later it still retries, once a minute
    assertThat(total).isGreaterThan(Duration.ofHours(16).toMillis());
    assertThat(retry.nextDelay()).contains(60_000L);
  }
}
