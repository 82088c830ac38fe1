package dev.kdflow.operator;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator's configuration, read from environment variables.
 *
 * @param watchNamespaces namespaces to watch; empty means all namespaces
 * @param trainerImage image of the trainer when a KDExperiment sets none
 * @param pollInterval how often a running experiment is looked at again
 * @param leaderElection whether replicas elect a leader (only the leader reconciles)
 * @param leaderElectionNamespace namespace of the Lease; null means the operator's namespace
 * @param httpPort port of /healthz, /readyz and /metrics
 */
public record OperatorConfig(
    Set<String> watchNamespaces,
    String trainerImage,
    Duration pollInterval,
    boolean leaderElection,
    String leaderElectionNamespace,
    int httpPort) {

  /** The trainer image used when neither the experiment nor the environment names one. */
  public static final String DEFAULT_TRAINER_IMAGE = "kdflow/kdflow-trainer:0.1.0";

  /** Name of the leader-election Lease. */
  public static final String LEASE_NAME = "kdflow-operator-leader";

  /**
   * Reads {@code KDFLOW_*} variables from the given environment; bad values fail naming the key.
   */
  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    String namespaces = env.getOrDefault("KDFLOW_WATCH_NAMESPACES", "");
    Set<String> watch =
        Arrays.stream(namespaces.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toCollection(java.util.TreeSet::new));
    String image = blankToDefault(env.get("KDFLOW_TRAINER_IMAGE"), DEFAULT_TRAINER_IMAGE);
    Duration poll =
        parseDuration("KDFLOW_POLL_INTERVAL", env.getOrDefault("KDFLOW_POLL_INTERVAL", "15s"));
    String le = blankToDefault(env.get("KDFLOW_LEADER_ELECTION"), "true").trim().toLowerCase();
    if (!le.equals("true") && !le.equals("false")) {
      throw new IllegalArgumentException(
          "KDFLOW_LEADER_ELECTION: must be true or false, got '"
              + env.get("KDFLOW_LEADER_ELECTION")
              + "'");
    }
    String leNamespace = env.get("KDFLOW_LEADER_ELECTION_NAMESPACE");
    int port;
    try {
      port = Integer.parseInt(blankToDefault(env.get("KDFLOW_HTTP_PORT"), "8080").trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "KDFLOW_HTTP_PORT: must be a port number, got '" + env.get("KDFLOW_HTTP_PORT") + "'");
    }
    return new OperatorConfig(
        Set.copyOf(watch),
        image,
        poll,
        Boolean.parseBoolean(le),
        leNamespace == null || leNamespace.isBlank() ? null : leNamespace.trim(),
        port);
  }

  /**
   * Parses a positive ISO-8601 duration (PT30S) or a number of seconds, optionally suffixed
   * ms/s/m/h; {@code key} names the setting in the error.
   */
  public static Duration parseDuration(String key, String value) {
    String v = value.trim();
    try {
      Duration d;
      if (v.toUpperCase().startsWith("P")) {
        d = Duration.parse(v.toUpperCase());
      } else if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      } else if (v.endsWith("s")) {
        d =
            Duration.ofMillis(
                Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
      } else if (v.endsWith("m")) {
        d = Duration.ofSeconds(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60));
      } else if (v.endsWith("h")) {
        d =
            Duration.ofSeconds(
                Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 3600));
      } else {
        d = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
      }
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(key + ": must be positive, got '" + value + "'");
      }
      return d;
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(
          key + ": must be a duration such as 15s, 1m or PT30S, got '" + value + "'");
    }
  }

  private static String blankToDefault(String v, String def) {
    return v == null || v.isBlank() ? def : v;
  }
}
