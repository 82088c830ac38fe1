package dev.kdflow.operator;

import dev.kdflow.operator.reconciler.KDExperimentReconciler;
import dev.kdflow.operator.trainer.HttpTrainerStatusSource;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The kdflow operator process: reconciles KDExperiments into training Jobs. */
public final class KDFlowOperator {
  private static final Logger LOG = LoggerFactory.getLogger(KDFlowOperator.class);

  /**
   * How a failed reconciliation is retried: 2 s, then ×1.5 up to one minute, and never given up.
   * JOSDK's default stops after 5 attempts and waits for the next event, which may never come: an
   * experiment whose Job could not be created (an API server restarting, a quota lifted meanwhile)
   * would stay Pending for good.
   */
  static final GenericRetry RETRY =
      new GenericRetry()
          .setInitialInterval(Duration.ofSeconds(2))
          .setIntervalMultiplier(1.5)
          .setMaxInterval(Duration.ofMinutes(1).toMillis())
          .withoutMaxAttempts();

  private final Operator operator;
  private final KDExperimentReconciler reconciler;
  private volatile boolean started;

  private KDFlowOperator(Operator operator, KDExperimentReconciler reconciler) {
    this.operator = operator;
    this.reconciler = reconciler;
  }

  /** Runs the operator with configuration from the environment (see operator/README.md). */
  public static void main(String[] args) throws Exception {
    OperatorConfig config = OperatorConfig.fromEnvironment(System.getenv());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    KubernetesClient client = new KubernetesClientBuilder().build();
    KDFlowOperator kdflow = create(config, client, registry, o -> {});
    HealthServer http = HealthServer.start(config.httpPort(), kdflow::isReady, registry);
    LOG.info(
        "kdflow operator: namespaces {}, trainer image {}, poll {}, leader election {}, http :{}",
        config.watchNamespaces().isEmpty() ? "all" : config.watchNamespaces(),
        config.trainerImage(),
        config.pollInterval(),
        config.leaderElection(),
        http.port());
    kdflow.operator().installShutdownHook(Duration.ofSeconds(20));
    kdflow.start();
  }

  /**
   * Builds (does not start) an operator. {@code overrides} adjust JOSDK's configuration after
   * kdflow's own settings; production passes none.
   */
  public static KDFlowOperator create(
      OperatorConfig config,
      KubernetesClient client,
      MeterRegistry registry,
      Consumer<ConfigurationServiceOverrider> overrides) {
    return create(config, client, registry, overrides, HttpTrainerStatusSource.podNetwork());
  }

  /**
   * Builds (does not start) an operator that asks running trainers for their progress through the
   * given source (production: {@link HttpTrainerStatusSource#podNetwork()}, the pod IP and the
   * trainer image's status port; a test harness points it at local processes).
   */
  public static KDFlowOperator create(
      OperatorConfig config,
      KubernetesClient client,
      MeterRegistry registry,
      Consumer<ConfigurationServiceOverrider> overrides,
      TrainerStatusSource trainers) {
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
              if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(
                        OperatorConfig.LEASE_NAME, config.leaderElectionNamespace()));
              }
              overrides.accept(o);
            });
    KDExperimentReconciler reconciler = new KDExperimentReconciler(config, trainers, Instant::now);
    operator.register(
        reconciler,
        c -> {
          c.withName("kdexperiment").withRetry(RETRY);
          if (config.watchNamespaces().isEmpty()) {
            c.watchingAllNamespaces();
          } else {
            c.settingNamespaces(config.watchNamespaces());
          }
        });
    return new KDFlowOperator(operator, reconciler);
  }

  /** The JOSDK operator. */
  public Operator operator() {
    return operator;
  }

  /** The reconciler. */
  public KDExperimentReconciler reconciler() {
    return reconciler;
  }

  /** Starts the operator; returns once its informers have synced (or it leads, with election). */
  public void start() {
    operator.start();
    started = true;
  }

  /**
   * Started and every informer healthy. Never blocks: readiness probes must answer while the
   * operator is still starting.
   */
  public boolean isReady() {
    return started && operator.getRuntimeInfo().allEventSourcesAreHealthy();
  }
}
