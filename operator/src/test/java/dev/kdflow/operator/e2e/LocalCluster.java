package dev.kdflow.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.RealCluster;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The fixture every end-to-end test class shares, registered as a static {@code @RegisterExtension}
 * field of a {@link RealCluster} class: a namespace of its own on the real control plane, a work
 * directory, the trainer distribution, a {@link LocalKubelet} running pods from before the class's
 * {@code @BeforeAll} methods until after its last test, and an operator started before and stopped
 * after each test. After each test the kubelet must have had no errors.
 *
 * <p>Without the trainer distribution or the dataset, each test is skipped with the reason ({@link
 * TrainerDistribution#assumeBuilt}); a class's {@code @BeforeAll} checks {@link #ready()} first.
 */
final class LocalCluster
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private static final Duration POLL = Duration.ofMillis(300);

  private ControlPlane plane;
  private KubernetesClient client;
  private String namespace;
  private Path work;
  private TrainerDistribution image;
  private LocalKubelet kubelet;
  private KDFlowOperator operator;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    plane = ControlPlane.get();
    client = plane.client();
    namespace =
        plane.createNamespace(
            RealCluster.Extension.namespacePrefix(context.getRequiredTestClass()));
    work = Files.createTempDirectory("kdflow-e2e-");
    image = TrainerDistribution.locate();
    if (image.ready()) {
      kubelet = new LocalKubelet(client, namespace, work.resolve("cluster"), image).start();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    image.assumeBuilt();
    operator = startOperator();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    stopOperator();
    if (kubelet != null) {
      assertThat(kubelet.errors()).as("kubelet errors").isEmpty();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (kubelet != null) {
      kubelet.close();
    }
    try (Stream<Path> paths = Files.walk(work)) {
      paths.forEach(p -> p.toFile().setWritable(true)); // a dataset claim made read-only
    }
    try (Stream<Path> paths = Files.walk(work)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Whether the distribution and the data are here (else every test skips with the reason). */
  boolean ready() {
    return image.ready();
  }

  KubernetesClient client() {
    return client;
  }

  String namespace() {
    return namespace;
  }

  /** KDExperiments in the class's namespace. */
  NonNamespaceOperation<KDExperiment, KubernetesResourceList<KDExperiment>, Resource<KDExperiment>>
      experiments() {
    return client.resources(KDExperiment.class).inNamespace(namespace);
  }

  /** Jobs in the class's namespace. */
  NonNamespaceOperation<Job, JobList, ScalableResource<Job>> jobs() {
    return client.batch().v1().jobs().inNamespace(namespace);
  }

  /** The class's work directory (deleted after its last test). */
  Path work() {
    return work;
  }

  TrainerDistribution image() {
    return image;
  }

  LocalKubelet kubelet() {
    return kubelet;
  }

  /** The operator of the current test. */
  KDFlowOperator operator() {
    return operator;
  }

  /** Stops the current test's operator (training goes on without it). */
  void stopOperator() {
    if (operator != null) {
      operator.operator().stop();
      operator = null;
    }
  }

  /** Starts a new operator for the current test, as after a restart. */
  KDFlowOperator restartOperator() {
    stopOperator();
    operator = startOperator();
    return operator;
  }

  private KDFlowOperator startOperator() {
    return plane.startOperator(namespace, kubelet.statusSource(), POLL);
  }

  /**
   * Trains a teacher with the distribution's launcher, outside the cluster, as a user would with
   * {@code kdflow run}; returns its {@code ckpt_best}.
   *
   * @param yaml the teacher's KDExperiment
   * @param name its metadata.name
   */
  Path trainTeacher(String yaml, String name) throws IOException, InterruptedException {
    Path file = Files.writeString(work.resolve(name + ".yaml"), yaml);
    Path log = work.resolve(name + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(
                image.launcher().toString(),
                "run",
                file.toString(),
                "checkpoints.rootDir=" + work.resolve("teachers"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().clear();
    pb.environment().putAll(image.imageEnvironment());
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("teacher trained in time").isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isZero();
    return work.resolve("teachers").resolve(name).resolve("ckpt_best");
  }
}
