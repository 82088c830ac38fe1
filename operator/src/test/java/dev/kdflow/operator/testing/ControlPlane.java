package dev.kdflow.operator.testing;

import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.OperatorConfig;
import dev.kdflow.operator.crd.GeneratedCrd;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.opentest4j.TestAbortedException;

/**
 * A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) on loopback,
 * started once per test JVM by {@code k8s/control-plane.sh up} and stopped when the JVM exits. The
 * generated CRD is installed and one Node registered (the test harness binds pods to it; the pod
 * garbage collector deletes pods bound to nodes that do not exist).
 *
 * <p>Without the binaries ({@code k8s/control-plane.sh install}) tests are skipped, unless {@value
 * #REQUIRE_ENV}{@code =true} (set by {@code .ci/run}) demands the control plane: then they fail.
 */
public final class ControlPlane {
  /** Set to {@code true} to fail instead of skipping when the control plane cannot start. */
  public static final String REQUIRE_ENV = "KDFLOW_REQUIRE_CONTROL_PLANE";

  /** The node test pods are bound to. */
  public static final String NODE = "kdflow-test-node";

  private static final int EXIT_NOT_INSTALLED = 3;
  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static ControlPlane instance;
  private static RuntimeException startFailure;

  private final Path script;
  private final Path dir;
  private final Path kubeconfig;
  private final Path kubectlBinary;
  private final Path gitopsCrds;
  private final KubernetesClient client;

  private ControlPlane(
      Path script, Path dir, Path kubeconfig, Path kubectlBinary, Path gitopsCrds) {
    this.script = script;
    this.dir = dir;
    this.kubeconfig = kubeconfig;
    this.kubectlBinary = kubectlBinary;
    this.gitopsCrds = gitopsCrds;
    this.client = newClient();
  }

  /** The JVM's control plane, started on first use; skips or fails the test if it cannot start. */
  public static synchronized ControlPlane get() {
    if (startFailure != null) {
      throw startFailure;
    }
    if (instance == null) {
      try {
        instance = start();
      } catch (RuntimeException e) {
        startFailure = e;
        throw e;
      }
    }
    return instance;
  }

  private static ControlPlane start() {
    Path script = repositoryRoot().resolve("k8s/control-plane.sh");
    boolean required = "true".equalsIgnoreCase(System.getenv(REQUIRE_ENV));
    try {
      Path dir = Files.createTempDirectory("kdflow-control-plane");
      ShellResult up =
          run(
              List.of(script.toString(), "up", dir.toString()),
              Map.of("KDFLOW_K8S_OWNER_PID", Long.toString(ProcessHandle.current().pid())),
              Duration.ofMinutes(5));
      if (up.exitCode() == EXIT_NOT_INSTALLED && !required) {
        throw new TestAbortedException(
            "no Kubernetes control plane binaries: run k8s/control-plane.sh install (builds them"
                + " once from the Go module proxy into ~/.cache/kdflow/k8s); "
                + up.stderr().strip());
      }
      if (up.exitCode() != 0) {
        throw new IllegalStateException(
            "k8s/control-plane.sh up failed (exit " + up.exitCode() + "): " + up.stderr());
      }
      String[] lines = up.stdout().strip().split("\n");
      Path kubeconfig = Path.of(lines[lines.length - 1]);
      Map<String, String> env =
          run(List.of(script.toString(), "env"), Map.of(), Duration.ofMinutes(1))
              .stdout()
              .lines()
              .map(l -> l.split("=", 2))
              .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
      ControlPlane plane =
          new ControlPlane(
              script,
              dir,
              kubeconfig,
              Path.of(env.get("KDFLOW_K8S_BIN")).resolve("kubectl"),
              Path.of(env.get("KDFLOW_GITOPS_CRDS")));
      Runtime.getRuntime().addShutdownHook(new Thread(plane::stop, "control-plane-down"));
      plane.installCrd();
      plane.registerNode();
      return plane;
    } catch (IOException e) {
      throw new IllegalStateException("could not start the control plane: " + e, e);
    }
  }

  /** The repository root: the nearest directory above the working directory with k8s/. */
  public static Path repositoryRoot() {
    Path cwd = Path.of("").toAbsolutePath();
    for (Path candidate = cwd; candidate != null; candidate = candidate.getParent()) {
      if (Files.isRegularFile(candidate.resolve("k8s/control-plane.sh"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("no k8s/control-plane.sh in " + cwd + " or above it");
  }

  private void stop() {
    client.close();
    try {
      run(List.of(script.toString(), "down", dir.toString()), Map.of(), Duration.ofMinutes(1));
    } catch (IOException e) {
      System.err.println("control plane: down failed: " + e);
    }
  }

  private void installCrd() {
    CustomResourceDefinition crd = GeneratedCrd.load();
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .resource(crd)
        .fieldManager("kdflow-tests")
        .forceConflicts()
        .serverSideApply();
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(crd.getMetadata().getName())
        .waitUntilCondition(
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
            1,
            TimeUnit.MINUTES);
  }

  private void registerNode() {
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(NODE)
            .addToLabels("kubernetes.io/hostname", NODE)
            .endMetadata()
            .build();
    client.nodes().resource(node).create();
  }

  /** A new admin client (the caller closes it). */
  public KubernetesClient newClient() {
    try {
      String contents = Files.readString(kubeconfig);
      return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(contents)).build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + kubeconfig, e);
    }
  }

  /** The CRDs of the GitOps tools (Argo CD, Flux) whose manifests the repository ships. */
  public Path gitopsCrds() {
    return gitopsCrds;
  }

  /** The shared admin client (do not close). */
  public KubernetesClient client() {
    return client;
  }

  /**
   * The API server's audit log: JSON lines, one per request of a service account outside
   * kube-system (see k8s/control-plane.sh).
   */
  public Path auditLog() {
    return dir.resolve("logs/audit.log");
  }

  /** The admin kubeconfig file. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /**
   * A started operator with production settings (server-side apply, its own client) that watches
   * one namespace and asks the given source for running trainers' progress every {@code
   * pollInterval}. The caller stops it.
   */
  public KDFlowOperator startOperator(
      String namespace, TrainerStatusSource trainers, Duration pollInterval) {
    OperatorConfig config =
        new OperatorConfig(
            Set.of(namespace), "kdflow/kdflow-trainer:test", pollInterval, false, null, 0);
    KDFlowOperator kdflow =
        KDFlowOperator.create(config, newClient(), new SimpleMeterRegistry(), o -> {}, trainers);
    kdflow.start();
    return kdflow;
  }

  /** Creates a namespace with a fresh name starting with the prefix. */
  public String createNamespace(String prefix) {
    String name = prefix + "-" + NAMESPACES.incrementAndGet();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    // The ServiceAccount admission plugin refuses pods until the serviceaccount controller has
    // created the namespace's "default" account (Jobs retry; a pod created directly does not).
    client
        .serviceAccounts()
        .inNamespace(name)
        .withName("default")
        .waitUntilCondition(Objects::nonNull, 60, TimeUnit.SECONDS);
    return name;
  }

  /** Runs kubectl of the control plane's release against it, as the admin. */
  public ShellResult kubectl(String... args) {
    return kubectlWithInput(null, args);
  }

  /** Runs kubectl with the given standard input (a manifest for {@code -f -}). */
  public ShellResult kubectlWithInput(String stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add(kubectlBinary.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    try {
      return run(command, Map.of(), Duration.ofMinutes(2), stdin);
    } catch (IOException e) {
      throw new IllegalStateException("kubectl failed to run: " + e, e);
    }
  }

  /** Output of a finished command. */
  public record ShellResult(int exitCode, String stdout, String stderr) {
    /** stdout, or an assertion-friendly failure with stderr when the command failed. */
    public String orThrow() {
      if (exitCode != 0) {
        throw new AssertionError("exit " + exitCode + ": " + stderr + stdout);
      }
      return stdout;
    }
  }

  private static ShellResult run(List<String> command, Map<String, String> env, Duration timeout)
      throws IOException {
    return run(command, env, timeout, null);
  }

  private static ShellResult run(
      List<String> command, Map<String, String> env, Duration timeout, String stdin)
      throws IOException {
    Path out = Files.createTempFile("kdflow-cmd", ".out");
    Path err = Files.createTempFile("kdflow-cmd", ".err");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.PIPE);
      builder.environment().putAll(env);
      Process process = builder.start();
      try (var in = process.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException(command.get(0) + " did not finish within " + timeout);
      }
      return new ShellResult(process.exitValue(), Files.readString(out), Files.readString(err));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
