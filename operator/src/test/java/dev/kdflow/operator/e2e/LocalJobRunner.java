package dev.kdflow.operator.e2e;

import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.operator.trainer.HttpTrainerStatusSource;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the Job controller and the kubelet of one namespace on top of the in-memory API server: for
 * each Job it creates a Pod and runs the pod's real command (the trainer launcher) as a local
 * process in a {@link PodSandbox}, reports the pod at 127.0.0.1 with the trainer's status port, and
 * writes Pod and Job status from the process as Kubernetes does: Running, then the exit code and
 * the termination message; a new pod per failure up to {@code backoffLimit}; {@code FailJob} when a
 * pod failure policy rule matches the exit code; {@code suspend} terminates the pods (SIGTERM, not
 * counted as failures) and sets the {@code Suspended} condition; resuming starts a new pod. A
 * deleted Job's pods are stopped and deleted (garbage collection).
 *
 * <p>Level-triggered like the real controllers: every 100 ms it compares what it runs with what the
 * API server holds. Not modelled: activeDeadlineSeconds, retry back-off delays, node scheduling.
 */
final class LocalJobRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalJobRunner.class);

  /** The address every local pod gets. */
  static final String POD_IP = "127.0.0.1";

  private final KubernetesClient client;
  private final String namespace;
  private final Path work;
  private final TrainerDistribution image;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "local-job-runner");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, JobRun> runs = new ConcurrentHashMap<>();
  private final Map<String, LocalPod> pods = new ConcurrentHashMap<>();
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();

  /** One run of the trainer: the process of one pod. */
  static final class LocalPod {
    final String name;
    final String jobName;
    final String jobUid;
    final PodSandbox sandbox;
    final Process process;
    final String startedAt;
    volatile boolean deleting;
    volatile boolean ended;

    LocalPod(String name, Job job, PodSandbox sandbox, Process process, String startedAt) {
      this.name = name;
      this.jobName = job.getMetadata().getName();
      this.jobUid = job.getMetadata().getUid();
      this.sandbox = sandbox;
      this.process = process;
      this.startedAt = startedAt;
    }

    /** Neither ended nor gone. */
    boolean live() {
      return !ended;
    }
  }

  /** What the Job controller knows about one Job. */
  private static final class JobRun {
    final List<LocalPod> pods = new ArrayList<>();
    final List<JobCondition> conditions = new ArrayList<>();
    int failed;
    int succeeded;
    String startTime;
    String completionTime;
    boolean finished;

    /** What a controller (re)starting finds in a Job's status. */
    static JobRun of(JobStatus status) {
      JobRun run = new JobRun();
      if (status != null) {
        run.failed = Objects.requireNonNullElse(status.getFailed(), 0);
        run.succeeded = Objects.requireNonNullElse(status.getSucceeded(), 0);
        run.startTime = status.getStartTime();
        run.completionTime = status.getCompletionTime();
        if (status.getConditions() != null) {
          run.conditions.addAll(status.getConditions());
        }
        run.finished =
            run.conditions.stream()
                .anyMatch(
                    c ->
                        ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                            && "True".equals(c.getStatus()));
      }
      return run;
    }

    List<LocalPod> live() {
      return pods.stream().filter(LocalPod::live).toList();
    }

    void condition(String type, String status, String reason, String message) {
      conditions.removeIf(c -> c.getType().equals(type));
      String now = now();
      conditions.add(
          new JobConditionBuilder()
              .withType(type)
              .withStatus(status)
              .withReason(reason)
              .withMessage(message)
              .withLastProbeTime(now)
              .withLastTransitionTime(now)
              .build());
    }
  }

  LocalJobRunner(KubernetesClient client, String namespace, Path work, TrainerDistribution image) {
    this.client = client;
    this.namespace = namespace;
    this.work = work;
    this.image = image;
  }

  /** Starts the control loop. */
  LocalJobRunner start() {
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

  /** Every pod ever started for the Job, oldest first. */
  List<LocalPod> podsOf(String jobName) {
    return pods.values().stream()
        .filter(p -> p.jobName.equals(jobName))
        .sorted(java.util.Comparator.comparing(p -> p.startedAt + p.name))
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

  /** Errors of the control loop so far (a test should assert there are none). */
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
    } catch (Throwable t) {
      if (!loop.isShutdown()) {
        LOG.warn("local job runner: {}", t.toString(), t);
        errors.add(t);
      }
    }
  }

  private void sync() throws IOException, InterruptedException {
    List<Job> jobs = client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    Set<String> uids = new HashSet<>();
    jobs.forEach(j -> uids.add(j.getMetadata().getUid()));
    // garbage collection: a deleted Job's pods go (background propagation)
    for (LocalPod p : pods.values()) {
      if (!uids.contains(p.jobUid) && p.live()) {
        p.deleting = true;
        p.process.destroy();
        if (p.process.waitFor(30, TimeUnit.SECONDS)) {
          p.ended = true;
          client.pods().inNamespace(namespace).withName(p.name).delete();
        }
      }
    }
    for (Job job : jobs) {
      syncJob(job);
    }
  }

  private void syncJob(Job job) throws IOException {
    JobRun run = runs.computeIfAbsent(job.getMetadata().getUid(), u -> JobRun.of(job.getStatus()));
    observePods(job, run);
    if (!run.finished) {
      if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
        for (LocalPod p : run.live()) {
          if (!p.deleting) {
            // deletion with a grace period: SIGTERM, the pod object goes once the process ended
            p.deleting = true;
            client
                .pods()
                .inNamespace(namespace)
                .withName(p.name)
                .edit(
                    pod -> {
                      pod.getMetadata().setDeletionTimestamp(now());
                      pod.getMetadata().setDeletionGracePeriodSeconds(60L);
                      return pod;
                    });
            p.process.destroy();
          }
        }
        if (!isTrue(run, "Suspended")) {
          run.condition("Suspended", "True", "JobSuspended", "Job suspended");
        }
      } else {
        if (isTrue(run, "Suspended")) {
          run.condition("Suspended", "False", "JobResumed", "Job resumed");
        }
        if (run.live().isEmpty()) {
          startPod(job, run);
        }
      }
    }
    writeJobStatus(job, run);
  }

  private void observePods(Job job, JobRun run) {
    for (LocalPod p : run.live()) {
      if (p.process.isAlive()) {
        continue;
      }
      p.ended = true;
      int exit = p.process.exitValue();
      if (p.deleting) {
        client.pods().inNamespace(namespace).withName(p.name).delete();
        continue;
      }
      String message = terminationMessage(p, exit);
      writePodTerminated(p, exit, message);
      if (exit == 0) {
        run.succeeded++;
        run.finished = true;
        run.completionTime = now();
        run.condition("Complete", "True", null, null);
        continue;
      }
      run.failed++;
      Optional<Integer> rule = failJobRule(job, exit);
      int backoffLimit = Objects.requireNonNullElse(job.getSpec().getBackoffLimit(), 6);
      if (rule.isPresent()) {
        String why =
            "Container trainer for pod "
                + namespace
                + "/"
                + p.name
                + " failed with exit code "
                + exit
                + " matching FailJob rule at index "
                + rule.get();
        run.finished = true;
        run.condition("FailureTarget", "True", "PodFailurePolicy", why);
        run.condition("Failed", "True", "PodFailurePolicy", why);
      } else if (run.failed > backoffLimit) {
        String why = "Job has reached the specified backoff limit";
        run.finished = true;
        run.condition("FailureTarget", "True", "BackoffLimitExceeded", why);
        run.condition("Failed", "True", "BackoffLimitExceeded", why);
      }
    }
  }

  /** The index of the first FailJob rule of the Job's pod failure policy matching the exit code. */
  static Optional<Integer> failJobRule(Job job, int exitCode) {
    if (job.getSpec().getPodFailurePolicy() == null) {
      return Optional.empty();
    }
    List<PodFailurePolicyRule> rules = job.getSpec().getPodFailurePolicy().getRules();
    for (int i = 0; i < rules.size(); i++) {
      PodFailurePolicyRule r = rules.get(i);
      if (r.getOnExitCodes() == null) {
        continue;
      }
      boolean in = r.getOnExitCodes().getValues().contains(exitCode);
      boolean matches = "In".equals(r.getOnExitCodes().getOperator()) ? in : !in;
      if (matches) {
        return "FailJob".equals(r.getAction()) ? Optional.of(i) : Optional.empty();
      }
    }
    return Optional.empty();
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

  private void startPod(Job job, JobRun run) throws IOException {
    String name = job.getMetadata().getName() + "-" + suffix();
    String uid = job.getMetadata().getUid();
    Map<String, String> labels = new LinkedHashMap<>();
    if (job.getSpec().getTemplate().getMetadata().getLabels() != null) {
      labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
    }
    labels.put("batch.kubernetes.io/job-name", job.getMetadata().getName());
    labels.put("job-name", job.getMetadata().getName());
    labels.put("batch.kubernetes.io/controller-uid", uid);
    labels.put("controller-uid", uid);
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(labels)
            .withAnnotations(job.getSpec().getTemplate().getMetadata().getAnnotations())
            .addNewOwnerReference()
            .withApiVersion("batch/v1")
            .withKind("Job")
            .withName(job.getMetadata().getName())
            .withUid(uid)
            .withController(true)
            .withBlockOwnerDeletion(true)
            .endOwnerReference()
            .endMetadata()
            .withSpec(job.getSpec().getTemplate().getSpec())
            .build();
    pod.getSpec().setNodeName("local");
    PodSandbox sandbox =
        PodSandbox.prepare(
            pod,
            Files.createDirectories(work.resolve("pods").resolve(name)),
            cm -> client.configMaps().inNamespace(namespace).withName(cm).get(),
            this::claim,
            image,
            freePort());
    pod.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder()
            .withPhase("Pending")
            .withConditions(condition("PodScheduled", "True"))
            .build());
    client.pods().inNamespace(namespace).resource(pod).create();

    ProcessBuilder pb =
        new ProcessBuilder(sandbox.command)
            .directory(sandbox.workingDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(sandbox.log.toFile());
    pb.environment().clear();
    pb.environment().putAll(sandbox.environment);
    Process process = pb.start();
    String started = now();
    LocalPod local = new LocalPod(name, job, sandbox, process, started);
    pods.put(name, local);
    run.pods.add(local);
    if (run.startTime == null) {
      run.startTime = started;
    }
    LOG.info("pod {}: {} (status port {})", name, sandbox.command, sandbox.statusPort);

    client
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .editStatus(
            p -> {
              p.getStatus().setPhase("Running");
              p.getStatus().setPodIP(POD_IP);
              p.getStatus()
                  .setPodIPs(
                      List.of(
                          new io.fabric8.kubernetes.api.model.PodIPBuilder()
                              .withIp(POD_IP)
                              .build()));
              p.getStatus().setHostIP(POD_IP);
              p.getStatus().setStartTime(started);
              p.getStatus()
                  .setConditions(
                      List.of(
                          condition("PodScheduled", "True"),
                          condition("Initialized", "True"),
                          condition("ContainersReady", "True"),
                          condition("Ready", "True")));
              p.getStatus()
                  .setContainerStatuses(
                      List.of(
                          trainerStatus(p)
                              .withReady(true)
                              .withStarted(true)
                              .withNewState()
                              .withNewRunning()
                              .withStartedAt(started)
                              .endRunning()
                              .endState()
                              .build()));
              return p;
            });
  }

  private void writePodTerminated(LocalPod local, int exit, String message) {
    client
        .pods()
        .inNamespace(namespace)
        .withName(local.name)
        .editStatus(
            p -> {
              p.getStatus().setPhase(exit == 0 ? "Succeeded" : "Failed");
              p.getStatus()
                  .setConditions(
                      List.of(
                          condition("PodScheduled", "True"),
                          condition("Initialized", "True"),
                          condition("ContainersReady", "False"),
                          condition("Ready", "False")));
              p.getStatus()
                  .setContainerStatuses(
                      List.of(
                          trainerStatus(p)
                              .withReady(false)
                              .withStarted(false)
                              .withNewState()
                              .withNewTerminated()
                              .withExitCode(exit)
                              .withReason(exit == 0 ? "Completed" : "Error")
                              .withMessage(message)
                              .withStartedAt(local.startedAt)
                              .withFinishedAt(now())
                              .endTerminated()
                              .endState()
                              .build()));
              return p;
            });
  }

  private static ContainerStatusBuilder trainerStatus(Pod p) {
    return new ContainerStatusBuilder()
        .withName(p.getSpec().getContainers().get(0).getName())
        .withImage(p.getSpec().getContainers().get(0).getImage())
        .withRestartCount(0);
  }

  private void writeJobStatus(Job job, JobRun run) {
    JobStatus status =
        new JobStatusBuilder()
            .withActive(run.live().size())
            .withReady((int) run.live().stream().filter(p -> !p.deleting).count())
            .withTerminating((int) run.live().stream().filter(p -> p.deleting).count())
            .withFailed(run.failed)
            .withSucceeded(run.succeeded)
            .withStartTime(run.startTime)
            .withCompletionTime(run.completionTime)
            .withConditions(new ArrayList<>(run.conditions))
            .build();
    if (Objects.equals(status, job.getStatus())) {
      return;
    }
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withName(job.getMetadata().getName())
        .patch(
            PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", status)));
  }

  private static boolean isTrue(JobRun run, String type) {
    return run.conditions.stream()
        .anyMatch(c -> c.getType().equals(type) && "True".equals(c.getStatus()));
  }

  private static PodCondition condition(String type, String status) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withLastTransitionTime(now())
        .build();
  }

  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String suffix() {
    String chars = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      s.append(chars.charAt(ThreadLocalRandom.current().nextInt(chars.length())));
    }
    return s.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** All processes started so far (for clean-up checks). */
  Collection<LocalPod> allPods() {
    return pods.values();
  }
}
