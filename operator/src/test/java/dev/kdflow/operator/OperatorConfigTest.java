package dev.kdflow.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {
  @Test
  void defaults() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of());
    assertThat(c.watchNamespaces()).isEmpty();
    assertThat(c.trainerImage()).isEqualTo("kdflow/kdflow-trainer:0.1.0");
    assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.leaderElection()).isTrue();
    assertThat(c.leaderElectionNamespace()).isNull();
    assertThat(c.httpPort()).isEqualTo(8080);
  }

  @Test
  void readsEveryVariable() {
    OperatorConfig c =
        OperatorConfig.fromEnvironment(
            Map.of(
                "KDFLOW_WATCH_NAMESPACES", " team-a, team-b ,,",
                "KDFLOW_TRAINER_IMAGE", "registry.local/kdflow-trainer:1.2",
                "KDFLOW_POLL_INTERVAL", "PT30S",
                "KDFLOW_LEADER_ELECTION", "false",
                "KDFLOW_LEADER_ELECTION_NAMESPACE", "kdflow-system"));
    assertThat(c.watchNamespaces()).containsExactlyInAnyOrder("team-a", "team-b");
    assertThat(c.trainerImage()).isEqualTo("registry.local/kdflow-trainer:1.2");
    assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.leaderElection()).isFalse();
    assertThat(c.leaderElectionNamespace()).isEqualTo("kdflow-system");
  }

  @Test
  void pollIntervalFormats() {
    assertThat(OperatorConfig.parseDuration("k", "20")).isEqualTo(Duration.ofSeconds(20));
    assertThat(OperatorConfig.parseDuration("k", "20s")).isEqualTo(Duration.ofSeconds(20));
    assertThat(OperatorConfig.parseDuration("k", "1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(OperatorConfig.parseDuration("k", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(OperatorConfig.parseDuration("k", "pt1m")).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void badValuesNameTheVariable() {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("KDFLOW_POLL_INTERVAL", "soon")))
        .hasMessageStartingWith("KDFLOW_POLL_INTERVAL: must be a duration");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("KDFLOW_POLL_INTERVAL", "0")))
        .hasMessageStartingWith("KDFLOW_POLL_INTERVAL: must be positive");
    assertThatThrownBy(
            () -> OperatorConfig.fromEnvironment(Map.of("KDFLOW_LEADER_ELECTION", "yes")))
        .hasMessageStartingWith("KDFLOW_LEADER_ELECTION: must be true or false");
  }
}
