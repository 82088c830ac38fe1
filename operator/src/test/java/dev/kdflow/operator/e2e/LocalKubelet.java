package dev.kdflow.operator.e2e;

import static org.awaitility.Awaitility.await;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.Kubelet;
import dev.kdflow.operator.trainer.HttpTrainerStatusSource;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the scheduler's binding and the kubelet of one namespace on a real API server; the real Job
 * controller (kube-controller-manager) creates, retries, suspends and deletes the pods. A pod
 * without a node is bound to {@link ControlPlane#NODE}; a bound pod's real command (the trainer
 * launcher) runs as a local process in a {@link PodSandbox}, reported at 127.0.0.1 with the
 * trainer's status port. When the process ends the pod status gets the exit code and the
 * termination message (file, or log tail with {@code FallbackToLogsOnError}), as a kubelet writes
 * them. A pod marked for deletion gets SIGTERM; once its process ended it is removed (grace period
 * 0), as the kubelet does. Level-triggered: every 100 ms it compares what runs here with what the
 * API server holds.
 */
final class LocalKubelet implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalKubelet.class);

  /** The address every local pod gets. */
  static final String POD_IP = Kubelet.POD_IP;

  private final KubernetesClient client;
  private final String namespace;
  private final Path work;
  private final TrainerDistribution image;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "local-kubelet");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, LocalPod> pods = new ConcurrentHashMap<>();
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();

  /** One run of the trainer: the process of one pod. */
  static final class LocalPod {
    final String name;
    final String uid;
    final String jobName;
    final PodSandbox sandbox;
    final Process process;
    final String startedAt;
    volatile boolean deleting;
    volatile boolean ended;
    volatile boolean reportedRunning;

    LocalPod(Pod pod, PodSandbox sandbox, Process process, String startedAt) {
      this.name = pod.getMetadata().getName();
      this.uid = pod.getMetadata().getUid();
      this.jobName = pod.getMetadata().getLabels().get("batch.kubernetes.io/job-name");
      this.sandbox = sandbox;
      this.process = process;
      this.startedAt = startedAt;
    }

    /** Neither ended nor gone. */
    boolean live() {
      return !ended;
    }
  }

  /** Binds pods and writes their status; this class adds the processes. */
  private final Kubelet statusWriter;

  LocalKubelet(KubernetesClient client, String namespace, Path work, TrainerDistribution image) {
    this.client = client;
    this.namespace = namespace;
    this.work = work;
    this.image = image;
    this.statusWriter = new Kubelet(client, namespace);
  }

  /** Starts the loop. */
  LocalKubelet start() {
    loop.scheduleWithFixedDelay(this::syncSafely, 0, 100, TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * The operator's view of trainers here: each pod's IP (127.0.0.1) and its trainer's local status
   * port, through the production HTTP client.
   */
  TrainerStatusSource statusSource() {
    return new HttpTrainerStatusSource(
        pod ->
            Optional.ofNullable(pods.get(pod.getMetadata().getName()))
                .filter(p -> pod.getStatus() != null && pod.getStatus().getPodIP() != null)
                .map(
                    p ->
                        URI.create(
                            "http://"
                                + pod.getStatus().getPodIP()
                                + ":"
                                + p.sandbox.statusPort
                                + "/status")),
        Duration.ofSeconds(1));
  }

  /**
   * Waits until the experiment's status satisfies the predicate and returns that status. On timeout
   * the failure says where everything stood ({@link #describe}): an end-to-end run that hangs on a
   * build machine leaves nothing else to read.
   */
  KDExperimentStatus awaitStatus(
      String experiment, Predicate<KDExperimentStatus> wanted, Duration timeout) {
    KDExperimentStatus[] seen = new KDExperimentStatus[1];
    try {
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                KDExperiment k =
                    client
                        .resources(KDExperiment.class)
                        .inNamespace(namespace)
                        .withName(experiment)
                        .get();
                seen[0] = k == null ? null : k.getStatus();
                return seen[0] != null && wanted.test(seen[0]);
              });
    } catch (ConditionTimeoutException e) {
      String state = describe(experiment);
      LOG.warn("{} not reached within {}: {}", experiment, timeout, state);
      throw new AssertionError(
          experiment + ": wanted status not reached within " + timeout + "; " + state, e);
    }
    return seen[0];
  }

  /** Waits until the experiment's phase is terminal (Succeeded or Failed). */
  KDExperimentStatus awaitFinished(String experiment, Duration timeout) {
    return awaitStatus(experiment, s -> s.getPhase() != null && s.getPhase().isTerminal(), timeout);
  }

  /**
   * One line on where an experiment stands: its phase and Ready condition, every Job of the
   * namespace (counts, conditions, completed indexes), every pod as the API server holds it and as
   * it runs here (alive, exit code, last log line).
   */
  String describe(String experiment) {
    StringBuilder b = new StringBuilder();
    try {
      KDExperiment k =
          client.resources(KDExperiment.class).inNamespace(namespace).withName(experiment).get();
      KDExperimentStatus s = k == null ? null : k.getStatus();
      b.append("experiment: ")
          .append(s == null ? "no status" : s.getPhase())
          .append(
              s == null
                  ? ""
                  : s.getConditions().stream()
                      .map(
                          c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason() + message(c))
                      .collect(Collectors.joining(", ", " [", "]")));
      b.append("; jobs: ");
      for (Job j : client.batch().v1().jobs().inNamespace(namespace).list().getItems()) {
        var js = j.getStatus();
        b.append(j.getMetadata().getName())
            .append(j.getMetadata().getDeletionTimestamp() == null ? "" : " (deleting)")
            .append(
                js == null
                    ? " no status"
                    : " active="
                        + js.getActive()
                        + " succeeded="
                        + js.getSucceeded()
                        + " failed="
                        + js.getFailed()
                        + " completed="
                        + js.getCompletedIndexes()
                        + (js.getConditions() == null
                            ? ""
                            : js.getConditions().stream()
                                .map(JobCondition::getType)
                                .collect(Collectors.joining(",", " ", ""))))
            .append("; ");
      }
      b.append("pods: ");
      for (Pod p : client.pods().inNamespace(namespace).list().getItems()) {
        String name = p.getMetadata().getName();
        LocalPod local = pods.get(name);
        b.append(name)
            .append(' ')
            .append(p.getStatus() == null ? "?" : p.getStatus().getPhase())
            .append(p.getSpec().getNodeName() == null ? " unbound" : "")
            .append(p.getMetadata().getDeletionTimestamp() == null ? "" : " deleting")
            .append(local == null ? " not started here" : " here: " + localState(local))
            .append("; ");
      }
    } catch (RuntimeException e) {
      b.append(" (could not read further: ").append(e).append(')');
    }
    b.append("kubelet errors: ").append(errors);
    return b.toString();
  }

  private static String message(Condition c) {
    return c.getMessage() == null ? "" : " \"" + c.getMessage() + "\"";
  }

  private static String localState(LocalPod p) {
    if (p.process.isAlive()) {
      return "running" + (p.reportedRunning ? "" : " (Running not yet written)");
    }
    String last = "";
    try {
      List<String> lines = Files.readAllLines(p.sandbox.log);
      last = lines.isEmpty() ? "" : " last log line: " + lines.get(lines.size() - 1);
    } catch (IOException e) {
      last = " (log unreadable)";
    }
    return "exit " + p.process.exitValue() + (p.ended ? "" : " (exit not yet written)") + last;
  }

  /** Every pod of the Job started here, oldest first. */
  List<LocalPod> podsOf(String jobName) {
    return pods.values().stream()
        .filter(p -> jobName.equals(p.jobName))
        .sorted(Comparator.comparing(p -> p.startedAt + p.name))
        .toList();
  }

  /** The running pod of the Job, if any. */
  Optional<LocalPod> running(String jobName) {
    return podsOf(jobName).stream().filter(p -> p.live() && !p.deleting).findFirst();
  }

  /** What the pod's trainer serves on GET /status right now. */
  Optional<TrainerReport> report(LocalPod pod) {
    URI uri = URI.create("http://" + POD_IP + ":" + pod.sandbox.statusPort + "/status");
    return new HttpTrainerStatusSource(p -> Optional.of(uri), Duration.ofSeconds(1)).fetch(null);
  }

  /** Kills the trainer of the pod with SIGKILL, as an OOM kill or a node crash would. */
  void kill(LocalPod pod) {
    pod.process.destroyForcibly();
  }

  /** The local directory playing the claim. */
  Path claim(String name) {
    return work.resolve("claims").resolve(name);
  }

  /** A {@code pvc://CLAIM/PATH} location as a local path. */
  Path resolve(String pvcUri) {
    if (!pvcUri.startsWith("pvc://")) {
      throw new IllegalArgumentException("not a pvc:// location: " + pvcUri);
    }
    String rest = pvcUri.substring("pvc://".length());
    int slash = rest.indexOf('/');
    return claim(rest.substring(0, slash)).resolve(rest.substring(slash + 1));
  }

  /** Errors of the loop so far (a test should assert there are none). */
  List<Throwable> errors() {
    return errors;
  }

  @Override
  public void close() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (LocalPod p : pods.values()) {
      p.process.destroyForcibly();
    }
    for (LocalPod p : pods.values()) {
      try {
        p.process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void syncSafely() {
    try {
      sync();
    } catch (KubernetesClientException e) {
      // A conflict or a pod deleted meanwhile: the next round sees the new state.
      LOG.debug("local kubelet: {}", e.toString());
    } catch (Throwable t) {
      if (!loop.isShutdown()) {
        LOG.warn("local kubelet: {}", t.toString(), t);
        errors.add(t);
      }
    }
  }

  private void sync() throws IOException {
    Map<String, Pod> current = new HashMap<>();
    for (Pod pod : client.pods().inNamespace(namespace).list().getItems()) {
      current.put(pod.getMetadata().getName(), pod);
    }
    // A pod object gone (force-deleted, garbage-collected): its process goes too.
    for (LocalPod p : pods.values()) {
      Pod pod = current.get(p.name);
      if (p.live() && (pod == null || !pod.getMetadata().getUid().equals(p.uid))) {
        p.deleting = true;
        p.process.destroyForcibly();
        p.ended = true;
      }
    }
    for (Pod pod : current.values()) {
      syncPod(pod);
    }
  }

  private void syncPod(Pod pod) throws IOException {
    String name = pod.getMetadata().getName();
    LocalPod local = pods.get(name);
    if (local != null && !local.uid.equals(pod.getMetadata().getUid())) {
      local = null; // an older pod of the same name
    }
    boolean deleting = pod.getMetadata().getDeletionTimestamp() != null;
    if (deleting) {
      if (local == null || !local.process.isAlive()) {
        if (local != null && !local.ended) {
          local.ended = true;
          logExit(name, local, local.process.exitValue());
        }
        forceDelete(pod);
      } else if (!local.deleting) {
        local.deleting = true;
        local.process.destroy(); // SIGTERM, as the kubelet sends on graceful deletion
      }
      return;
    }
    if (isFinished(pod)) {
      return;
    }
    if (pod.getSpec().getNodeName() == null) {
      statusWriter.bind(pod);
      return;
    }
    if (!ControlPlane.NODE.equals(pod.getSpec().getNodeName())) {
      return;
    }
    if (local == null) {
      local = start(pod);
    }
    if (local.ended) {
      return;
    }
    // A status write that fails (the API server busy, the pod changed meanwhile) is retried in the
    // next round: only a written status counts as reported, or the pod would stay Running forever.
    if (local.process.isAlive()) {
      if (!local.reportedRunning) {
        statusWriter.running(pod, local.startedAt);
        local.reportedRunning = true;
      }
      return;
    }
    int exit = local.process.exitValue();
    statusWriter.terminated(
        pod,
        exit,
        exit == 0 ? "Completed" : "Error",
        terminationMessage(local, exit),
        local.startedAt);
    local.ended = true;
    logExit(name, local, exit);
  }

  /**
   * Logs how a pod's process ended, with the end of its log when it failed: the pod directory is a
   * temporary one, so this line is what is left to read after an unexpected retry.
   */
  private static void logExit(String name, LocalPod local, int exit) {
    if (exit == 0) {
      LOG.info("pod {}: exit 0", name);
      return;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(local.sandbox.log);
    } catch (IOException e) {
      lines = List.of("(log unreadable: " + e.getMessage() + ")");
    }
    LOG.warn(
        "pod {}: exit {}; last lines of its log:\n{}",
        name,
        exit,
        String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
  }

  private static boolean isFinished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private void forceDelete(Pod pod) {
    client
        .pods()
        .inNamespace(namespace)
        .withName(pod.getMetadata().getName())
        .withGracePeriod(0)
        .delete();
  }

  private LocalPod start(Pod pod) throws IOException {
    String name = pod.getMetadata().getName();
    PodSandbox sandbox =
        PodSandbox.prepare(
            pod,
            Files.createDirectories(work.resolve("pods").resolve(pod.getMetadata().getUid())),
            cm -> client.configMaps().inNamespace(namespace).withName(cm).get(),
            this::claim,
            image,
            freePort());
    ProcessBuilder pb =
        new ProcessBuilder(sandbox.command)
            .directory(sandbox.workingDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(sandbox.log.toFile());
    pb.environment().clear();
    pb.environment().putAll(sandbox.environment);
    Process process = pb.start();
    String started = Kubelet.now();
    LocalPod local = new LocalPod(pod, sandbox, process, started);
    pods.put(name, local);
    LOG.info("pod {}: {} (status port {})", name, sandbox.command, sandbox.statusPort);
    return local;
  }

  /**
   * The kubelet's termination message: the file (at most 4096 bytes), or with {@code
   * FallbackToLogsOnError} and a failure, the log's last 80 lines (at most 2048 bytes).
   */
  private static String terminationMessage(LocalPod p, int exit) {
    try {
      byte[] file = Files.readAllBytes(p.sandbox.terminationFile);
      if (file.length > 0) {
        return new String(file, 0, Math.min(file.length, 4096), StandardCharsets.UTF_8);
      }
      if (exit == 0 || !Files.exists(p.sandbox.log)) {
        return null;
      }
      List<String> lines = Files.readAllLines(p.sandbox.log, StandardCharsets.UTF_8);
      String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
      return tail.length() <= 2048 ? tail : tail.substring(tail.length() - 2048);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
