package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kdflow.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart's values schema accepts every pollInterval form the operator parses ({@link
 * OperatorConfig#parseDuration}) and passes it through unchanged; it rejects what the operator
 * would reject at start-up, so a typo fails at {@code helm install}, not in a crash-looping pod.
 */
class PollIntervalValuesIT {
  @ParameterizedTest
  @ValueSource(
      strings = {"15s", "1m", "500ms", "1.5h", "0.5s", "PT15S", "PT1M30S", "pt30s", "P1DT2H"})
  void everyFormTheOperatorParsesIsAccepted(String interval) {
    assertThat(OperatorConfig.parseDuration("KDFLOW_POLL_INTERVAL", interval)).isPositive();
    RenderedChart chart = RenderedChart.render(Map.of("pollInterval", interval));
    assertThat(pollIntervalEnv(chart)).isEqualTo(interval);
  }

  @ParameterizedTest
  @ValueSource(ints = {15, 120})
  void plainSecondsAreAccepted(int seconds) {
    RenderedChart chart = RenderedChart.render(Map.of("pollInterval", seconds));
    String env = pollIntervalEnv(chart);
    assertThat(env).isEqualTo(String.valueOf(seconds));
    assertThat(OperatorConfig.parseDuration("KDFLOW_POLL_INTERVAL", env).toSeconds())
        .isEqualTo(seconds);
  }

  @ParameterizedTest
  @ValueSource(strings = {"soon", "-5s", "1.5ms", "15sec", "P", "PT", "PT1H2S3M", "15 m s"})
  void whatTheOperatorRejectsTheChartRejects(String interval) {
    assertThatThrownBy(() -> OperatorConfig.parseDuration("KDFLOW_POLL_INTERVAL", interval))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RenderedChart.render(Map.of("pollInterval", interval)))
        .hasMessageContaining("pollInterval");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -15})
  void zeroAndNegativeSecondsAreRejected(int seconds) {
    assertThatThrownBy(() -> RenderedChart.render(Map.of("pollInterval", seconds)))
        .hasMessageContaining("pollInterval");
  }

  private static String pollIntervalEnv(RenderedChart chart) {
    Deployment d =
        chart.objects.stream()
            .filter(Deployment.class::isInstance)
            .map(Deployment.class::cast)
            .findFirst()
            .orElseThrow();
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals("KDFLOW_POLL_INTERVAL"))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow();
  }
}
