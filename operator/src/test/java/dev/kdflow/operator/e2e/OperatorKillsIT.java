package dev.kdflow.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator process SIGKILLed 20 times at random moments while 10 experiments train (8 that
 * succeed, 2 whose dataset is missing): every experiment gets exactly one Job (one UID from the
 * first watch event to the end), one pod, and the status it should end with. The operator runs as
 * in production: its own JVM ({@link KDFlowOperator#main}), configured by the environment, the
 * kubeconfig of the control plane; the real Job controller and {@link LocalKubelet} run the pods.
 */
@RealCluster
class OperatorKillsIT {
  static final int EXPERIMENTS = 10;
  static final int FAILING = 2;
  static final int KILLS = 20;

  static final String RUN =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: %s
      spec:
        student:
          architecture: mlp
          archParams: {inputSize: 784, hiddenSizes: [16], numClasses: 10}
        training: {maxEpochs: 2, initialLr: 0.05, seed: 1}
        dataset: {type: fashionMnist, path: "%s", trainLimit: 2000, validLimit: 200, batchSize: 32}
        resources: {gpus: 0}
        storage: {size: 1Gi}
        runPolicy: {backoffLimit: 3}
      """;

  @TempDir Path work;

  @Test
  void killingTheOperatorTwentyTimesLosesNothingAndDuplicatesNothing(
      TestNamespace ns, ControlPlane plane) throws Exception {
    TrainerDistribution image = TrainerDistribution.locate();
    image.assumeBuilt();
    Map<String, Set<String>> jobUids = new ConcurrentHashMap<>();
    // Every Job UID from the start: a Job deleted and created again shows up as a second UID.
    Watch jobs =
        ns.client()
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns.name())
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Job job) {
                    jobUids
                        .computeIfAbsent(
                            job.getMetadata().getName(), k -> ConcurrentHashMap.newKeySet())
                        .add(job.getMetadata().getUid());
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    try (LocalKubelet kubelet =
        new LocalKubelet(ns.client(), ns.name(), work.resolve("cluster"), image).start()) {
      List<String> names = IntStream.range(0, EXPERIMENTS).mapToObj(i -> "kd-" + i).toList();
      for (int i = 0; i < EXPERIMENTS; i++) {
        String data =
            i < FAILING
                ? "/nonexistent/fashion-mnist"
                : TrainerDistribution.FASHION_MNIST.toString();
        KDExperiment kdx =
            Serialization.unmarshal(RUN.formatted(names.get(i), data), KDExperiment.class);
        ns.client().resources(KDExperiment.class).inNamespace(ns.name()).resource(kdx).create();
      }

      Random random = new Random(13);
      Process operator = startOperator(plane, ns.name());
      try {
        for (int kill = 0; kill < KILLS; kill++) {
          // 0.5 to 4 s: during start-up, informer sync, child creation and status writes
          Thread.sleep(500 + random.nextInt(3500));
          operator.destroyForcibly();
          assertThat(operator.waitFor(30, TimeUnit.SECONDS)).isTrue();
          operator = startOperator(plane, ns.name());
        }
        await()
            .atMost(Duration.ofMinutes(6))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> names.stream().allMatch(n -> finished(ns, n)));
      } finally {
        operator.destroyForcibly();
      }

      for (int i = 0; i < EXPERIMENTS; i++) {
        String name = names.get(i);
        KDExperiment kdx = experiment(ns, name);
        KDExperimentStatus s = kdx.getStatus();
        assertThat(jobUids.get(name)).as(name + ": one Job, never re-created").hasSize(1);
        assertThat(kubelet.podsOf(name)).as(name + ": one pod").hasSize(1);
        assertThat(s.getObservedGeneration()).isEqualTo(kdx.getMetadata().getGeneration());
        assertThat(s.getAttempt().getNumber()).isOne();
        if (i < FAILING) {
          assertThat(s.getPhase()).as(name).isEqualTo(Phase.FAILED);
          assertThat(s.getLastFailure().getReason()).isEqualTo("InvalidInput");
          assertThat(condition(s, "Stalled")).isEqualTo("True");
        } else {
          assertThat(s.getPhase()).as(name).isEqualTo(Phase.SUCCEEDED);
          assertThat(condition(s, "Succeeded")).isEqualTo("True");
          assertThat(s.getProgress().getSummary()).isEqualTo("2/2");
          assertThat(s.getCheckpoints().getBest()).isNotNull();
        }
      }
      assertThat(kubelet.errors()).isEmpty();
    } finally {
      jobs.close();
    }
  }

  static boolean finished(TestNamespace ns, String name) {
    KDExperiment kdx = experiment(ns, name);
    return kdx != null
        && kdx.getStatus() != null
        && kdx.getStatus().getPhase() != null
        && kdx.getStatus().getPhase().isTerminal()
        && kdx.getMetadata().getGeneration().equals(kdx.getStatus().getObservedGeneration());
  }

  static KDExperiment experiment(TestNamespace ns, String name) {
    return ns.client().resources(KDExperiment.class).inNamespace(ns.name()).withName(name).get();
  }

  static String condition(KDExperimentStatus s, String type) {
    return s.condition(type).map(Condition::getStatus).orElse(null);
  }

  /** The production main class in its own JVM, on this test's class path. */
  Process startOperator(ControlPlane plane, String namespace) throws IOException {
    Path log = Files.createTempFile(work, "operator", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                KDFlowOperator.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("KUBECONFIG", plane.kubeconfig().toString());
    env.put("KDFLOW_WATCH_NAMESPACES", namespace);
    env.put("KDFLOW_LEADER_ELECTION", "false");
    env.put("KDFLOW_POLL_INTERVAL", "1s");
    env.put("KDFLOW_HTTP_PORT", "0");
    env.put("KDFLOW_TRAINER_IMAGE", "kdflow/kdflow-trainer:test");
    env.remove("KUBERNETES_MASTER");
    return pb.start();
  }
}
