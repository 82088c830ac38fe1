package dev.kdflow.operator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.OperatorConfig;
import dev.kdflow.operator.bench.OperatorScaleBenchmark.Latency;
import dev.kdflow.operator.bench.OperatorScaleBenchmark.Requests;
import dev.kdflow.operator.bench.OperatorScaleBenchmark.Snapshot;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.Experiments;
import dev.kdflow.operator.testing.Kubelet;
import dev.kdflow.operator.trainer.HttpTrainerStatusSource;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.awaitility.Awaitility;

/**
 * Scale and idle cost of the operator on the real API server ({@link ControlPlane}: etcd,
 * kube-apiserver, kube-controller-manager), with production settings (server-side apply, the
 * production trainer poller). For each N, in a fresh namespace and with a fresh operator:
 *
 * <ol>
 *   <li><b>steady</b>: N KDExperiments created at {@code --rate} per second; create→Job latency
 *       (create call returned → the Job seen by the benchmark's own Job informer) and the
 *       operator's API requests per experiment until every experiment is Pending and the operator
 *       has been quiet;
 *   <li>every Job's pod bound and marked Running by the benchmark (playing scheduler and kubelet);
 *       the operator now polls N trainers that never answer: their address is a socket that never
 *       accepts ({@code --trainers blackhole}, production HTTP source and timeouts), or an
 *       in-process source that always reports the same ({@code --trainers steady});
 *   <li><b>idle</b>: a window of {@code --idle-window} (default two poll intervals) in which
 *       nothing changes; the operator's writes are counted (the goal is 0);
 *   <li><b>burst</b>: {@code --burst} more experiments created back to back while the N trainers
 *       are being polled; their create→Job latency;
 *   <li>the operator's heap: used heap after GC with the operator running minus after stopping it.
 * </ol>
 *
 * <p>The operator's requests are counted by an interceptor on its own client; the benchmark's
 * requests go through another client. Run with {@code bench/operator-scale.sh --real-api-server};
 * options: {@code --n 100,1000 --rate 20 --burst 100 --poll 15s --idle-window 30s --trainers
 * blackhole|steady --out DIR}.
 */
public final class ApiServerScaleBenchmark {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * The experiment created N times: valid, and without what would stop the real Job controller from
   * creating its pod (a PriorityClass or GPU resource the test cluster lacks).
   */
  static final String EXPERIMENT = Experiments.CPU_KD;

  private ApiServerScaleBenchmark() {}

  /**
   * What to run.
   *
   * @param sizes numbers of experiments, one run each
   * @param createRate experiments created per second in the steady phase
   * @param burst experiments created back to back after the N trainers run
   * @param pollInterval the operator's poll interval
   * @param idleWindow the idle window's length
   * @param blackholeTrainers true: trainers never answer; false: they always report the same
   * @param quiet how long the operator must write nothing before a phase counts as settled
   * @param timeout the longest any phase may take
   */
  public record Options(
      List<Integer> sizes,
      double createRate,
      int burst,
      Duration pollInterval,
      Duration idleWindow,
      boolean blackholeTrainers,
      Duration quiet,
      Duration timeout) {

    /** N = 100, 20 per second, a burst of 100, the production poll of 15 s, two polls idle. */
    public static Options defaults() {
      return new Options(
          List.of(100),
          20,
          100,
          Duration.ofSeconds(15),
          Duration.ofSeconds(30),
          true,
          Duration.ofSeconds(3),
          Duration.ofMinutes(15));
    }
  }

  /**
   * The figures of one N.
   *
   * @param n experiments in the steady phase
   * @param steadyMs create→Job latency at the steady rate
   * @param steadyCreateSeconds how long the steady phase's create calls took (longer than N ÷ rate
   *     when the API server answers slower than the rate asks)
   * @param burstMs create→Job latency of the burst, while N trainers are polled
   * @param burstCreateSeconds how long the burst's create calls took
   * @param create the operator's requests in the steady phase (until all Pending and quiet)
   * @param readsPerExperiment reads (not watches) per experiment in the steady phase
   * @param writesPerExperiment writes per experiment in the steady phase
   * @param running the operator's requests while the N pods turned Running
   * @param idle the operator's requests in the idle window
   * @param idleSeconds the idle window's length
   * @param trainerPolls polls the operator started during the idle window
   * @param longestReconcileMs the longest reconciliation during the idle window, while the N
   *     trainers are polled: one that waited on HTTP would take a whole timeout
   * @param heapMiB used heap after GC with the operator running minus after it stopped
   */
  public record Result(
      int n,
      Latency steadyMs,
      double steadyCreateSeconds,
      Latency burstMs,
      double burstCreateSeconds,
      Requests create,
      double readsPerExperiment,
      double writesPerExperiment,
      Requests running,
      Requests idle,
      double idleSeconds,
      long trainerPolls,
      double longestReconcileMs,
      double heapMiB) {}

  /** Runs the benchmark; prints the table and writes result.json and table.md into --out. */
  public static void main(String[] args) throws Exception {
    Options d = Options.defaults();
    List<Integer> sizes = d.sizes();
    double rate = d.createRate();
    int burst = d.burst();
    Duration poll = d.pollInterval();
    Duration idle = null;
    boolean blackhole = d.blackholeTrainers();
    Duration timeout = d.timeout();
    Path out = Path.of("runs/bench/operator-scale-api-server");
    boolean verbose = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--verbose")) {
        verbose = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--n" ->
            sizes = Arrays.stream(v.split(",")).map(String::trim).map(Integer::parseInt).toList();
        case "--rate" -> rate = Double.parseDouble(v);
        case "--burst" -> burst = Integer.parseInt(v);
        case "--poll" -> poll = OperatorConfig.parseDuration(a, v);
        case "--idle-window" -> idle = OperatorConfig.parseDuration(a, v);
        case "--trainers" ->
            blackhole =
                switch (v) {
                  case "blackhole" -> true;
                  case "steady" -> false;
                  default ->
                      throw new IllegalArgumentException(
                          "--trainers: blackhole or steady, got '" + v + "'");
                };
        case "--timeout" -> timeout = OperatorConfig.parseDuration(a, v);
        case "--out" -> out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (rate <= 0) {
      throw new IllegalArgumentException("--rate: must be positive (the burst is its own phase)");
    }
    Options options =
        new Options(
            sizes,
            rate,
            burst,
            poll,
            idle == null ? poll.multipliedBy(2) : idle,
            blackhole,
            d.quiet(),
            timeout);
    if (!verbose) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.kdflow"))
          .setLevel(ch.qos.logback.classic.Level.WARN);
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.javaoperatorsdk"))
          .setLevel(ch.qos.logback.classic.Level.WARN);
    }
    ControlPlane plane = ControlPlane.get();
    List<Result> results = new ArrayList<>();
    for (int n : options.sizes()) {
      System.out.printf(Locale.ROOT, "N=%d ...%n", n);
      results.add(run(plane, n, options, System.out::println));
    }
    String table = table(results, options);
    System.out.println();
    System.out.println(table);
    Files.createDirectories(out);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("time", Instant.now().toString());
    doc.put("java", System.getProperty("java.version"));
    doc.put("availableProcessors", Runtime.getRuntime().availableProcessors());
    doc.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024.0 * 1024));
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("sizes", options.sizes());
    o.put("createRatePerSecond", options.createRate());
    o.put("burst", options.burst());
    o.put("pollIntervalSeconds", options.pollInterval().toMillis() / 1000.0);
    o.put("idleWindowSeconds", options.idleWindow().toMillis() / 1000.0);
    o.put("trainers", options.blackholeTrainers() ? "blackhole" : "steady");
    doc.put("options", o);
    doc.put("results", results);
    JSON.writeValue(out.resolve("result.json").toFile(), doc);
    Files.writeString(out.resolve("table.md"), table + "\n");
    System.out.println("wrote " + out.resolve("result.json") + " and " + out.resolve("table.md"));
    System.exit(0);
  }

  /**
   * One run with {@code n} experiments in a fresh namespace.
   *
   * @param progress receives one line per phase
   */
  public static Result run(ControlPlane plane, int n, Options options, Consumer<String> progress)
      throws InterruptedException, IOException {
    String ns = plane.createNamespace("scale-" + n);
    KubernetesClient harness = plane.client();
    RequestCounter counter = new RequestCounter();
    KubernetesClient operatorClient =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(plane.kubeconfig())))
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("count", counter))
            .build();
    // Never accepts: after a handshake or two the kernel drops further SYNs.
    ServerSocket blackhole = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    URI hole = URI.create("http://127.0.0.1:" + blackhole.getLocalPort() + "/status");
    PollCounter trainers =
        new PollCounter(
            options.blackholeTrainers()
                ? new HttpTrainerStatusSource(p -> Optional.of(hole))
                : new OperatorScaleBenchmark.SteadyTrainers());
    ReconcileTimes reconcileTimes = new ReconcileTimes();
    KDFlowOperator operator = null;
    Map<String, Long> jobSeen = new ConcurrentHashMap<>();
    SharedIndexInformer<Job> jobWatch =
        harness
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Job job) {
                    jobSeen.putIfAbsent(job.getMetadata().getName(), System.nanoTime());
                  }

                  @Override
                  public void onUpdate(Job oldJob, Job newJob) {}

                  @Override
                  public void onDelete(Job job, boolean unknownFinalState) {}
                });
    SharedIndexInformer<KDExperiment> experiments =
        harness.resources(KDExperiment.class).inNamespace(ns).inform();
    try {
      OperatorConfig config =
          new OperatorConfig(
              Set.of(ns), "kdflow/kdflow-trainer:test", options.pollInterval(), false, null, 0);
      operator =
          KDFlowOperator.create(
              config,
              operatorClient,
              new SimpleMeterRegistry(),
              o -> o.withMetrics(reconcileTimes),
              trainers);
      operator.start();
      progress.accept("  operator started in namespace " + ns);

      // 1. Steady creation.
      Snapshot c0 = counter.snapshot();
      long steadyStart = System.nanoTime();
      Created steadyCreated = create(harness, ns, "steady", n, options.createRate());
      double steadyCreateSeconds = (System.nanoTime() - steadyStart) / 1e9;
      String[] names = steadyCreated.names();
      long[] created = steadyCreated.nanos();
      waitUntil(() -> jobSeen.keySet().containsAll(List.of(names)), options, "all steady Jobs");
      Latency steady = latencies(names, created, jobSeen);
      progress.accept(
          String.format(
              Locale.ROOT,
              "  steady %.0f/s: create→Job p50 %.1f ms, p99 %.1f ms",
              options.createRate(),
              steady.p50(),
              steady.p99()));
      waitUntil(
          () -> count(experiments, KDExperimentStatus.Phase.PENDING) == n,
          options,
          "every experiment Pending");
      settle(counter, options);
      Snapshot c1 = counter.snapshot();

      // 2. Every pod bound and Running: the operator polls n trainers from now on.
      Kubelet kubelet = new Kubelet(harness, ns);
      for (String name : names) {
        Pod pod = kubelet.awaitPod(name, options.timeout());
        kubelet.running(pod);
      }
      waitUntil(
          () -> count(experiments, KDExperimentStatus.Phase.RUNNING) == n,
          options,
          "every experiment Running");
      settle(counter, options);
      Snapshot c2 = counter.snapshot();
      progress.accept("  all " + n + " Running");

      // 3. Idle.
      reconcileTimes.longest.set(0);
      long polls0 = trainers.polls.sum();
      long idleStart = System.nanoTime();
      Thread.sleep(options.idleWindow().toMillis());
      Snapshot c3 = counter.snapshot();
      double idleSeconds = (System.nanoTime() - idleStart) / 1e9;
      long idlePolls = trainers.polls.sum() - polls0;
      Requests idle = c3.minus(c2).requests();
      double longestReconcile = reconcileTimes.longest.get() / 1e6;
      progress.accept(
          String.format(
              Locale.ROOT,
              "  idle %.1f s: %d writes, %d reads, %d trainer polls",
              idleSeconds,
              idle.writes(),
              idle.reads(),
              idlePolls));

      // 4. A burst while the n trainers are polled.
      long burstStart = System.nanoTime();
      Created burstRun = create(harness, ns, "burst", options.burst(), 0);
      String[] burstNames = burstRun.names();
      long[] burstCreated = burstRun.nanos();
      double burstCreateSeconds = (burstCreated[burstCreated.length - 1] - burstStart) / 1e9;
      waitUntil(() -> jobSeen.keySet().containsAll(List.of(burstNames)), options, "all burst Jobs");
      Latency burst = latencies(burstNames, burstCreated, jobSeen);
      progress.accept(
          String.format(
              Locale.ROOT,
              "  burst of %d: create→Job p50 %.1f ms, p99 %.1f ms",
              options.burst(),
              burst.p50(),
              burst.p99()));

      // 5. Heap.
      jobWatch.close();
      experiments.close();
      long running = OperatorScaleBenchmark.usedHeapAfterGc();
      operator.operator().stop();
      operator = null;
      long stopped = OperatorScaleBenchmark.usedHeapAfterGc();
      double heap = (running - stopped) / (1024.0 * 1024.0);
      progress.accept(String.format(Locale.ROOT, "  operator heap %.1f MiB", heap));

      Requests create = c1.minus(c0).requests();
      return new Result(
          n,
          steady,
          steadyCreateSeconds,
          burst,
          burstCreateSeconds,
          create,
          create.reads() / (double) n,
          create.writes() / (double) n,
          c2.minus(c1).requests(),
          idle,
          idleSeconds,
          idlePolls,
          longestReconcile,
          heap);
    } finally {
      if (operator != null) {
        operator.operator().stop();
      }
      jobWatch.close();
      experiments.close();
      operatorClient.close();
      blackhole.close();
      // Cascading deletion of everything the run created.
      harness.namespaces().withName(ns).delete();
    }
  }

  /** Names of created experiments and when each create call returned (System.nanoTime()). */
  private record Created(String[] names, long[] nanos) {}

  private static Created create(
      KubernetesClient client, String ns, String prefix, int count, double ratePerSecond)
      throws InterruptedException {
    String[] names = new String[count];
    long[] created = new long[count];
    long first = System.nanoTime();
    double gapNanos = ratePerSecond > 0 ? 1e9 / ratePerSecond : 0;
    for (int i = 0; i < count; i++) {
      names[i] = String.format(Locale.ROOT, "%s-%05d", prefix, i);
      long wait = first + (long) (i * gapNanos) - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      client
          .resources(KDExperiment.class)
          .inNamespace(ns)
          .resource(Serialization.unmarshal(EXPERIMENT.formatted(names[i]), KDExperiment.class))
          .create();
      created[i] = System.nanoTime();
    }
    return new Created(names, created);
  }

  private static Latency latencies(String[] names, long[] created, Map<String, Long> seen) {
    double[] ms = new double[names.length];
    for (int i = 0; i < names.length; i++) {
      ms[i] = Math.max(0, seen.get(names[i]) - created[i]) / 1e6;
    }
    return OperatorScaleBenchmark.latency(ms);
  }

  /** Times JOSDK's reconcile executions; keeps the longest since the last reset. */
  static final class ReconcileTimes implements Metrics {
    final AtomicLong longest = new AtomicLong();

    @Override
    public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
      long start = System.nanoTime();
      try {
        return execution.execute();
      } finally {
        long took = System.nanoTime() - start;
        longest.accumulateAndGet(took, Math::max);
      }
    }
  }

  private static long count(
      SharedIndexInformer<KDExperiment> informer, KDExperimentStatus.Phase phase) {
    return informer.getStore().list().stream()
        .filter(k -> k.getStatus() != null && k.getStatus().getPhase() == phase)
        .count();
  }

  private static void settle(RequestCounter counter, Options options) throws InterruptedException {
    long deadline = System.nanoTime() + options.timeout().toNanos();
    long writes = counter.writes.get();
    long since = System.nanoTime();
    while (System.nanoTime() - since < options.quiet().toNanos()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the operator kept writing for " + options.timeout());
      }
      Thread.sleep(50);
      long now = counter.writes.get();
      if (now != writes) {
        writes = now;
        since = System.nanoTime();
      }
    }
  }

  private static void waitUntil(BooleanSupplier done, Options options, String what) {
    Awaitility.await(what)
        .atMost(options.timeout())
        .pollInterval(Duration.ofMillis(20))
        .until(done::getAsBoolean);
  }

  /** Counts the operator's requests by "METHOD resource", as the mock benchmark classifies them. */
  static final class RequestCounter implements Interceptor {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    final AtomicLong writes = new AtomicLong();

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      URI uri = request.uri();
      String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      String key = OperatorScaleBenchmark.classify(request.method(), path);
      counts.computeIfAbsent(key, k -> new LongAdder()).increment();
      if (OperatorScaleBenchmark.isWrite(request.method())) {
        writes.incrementAndGet();
      }
    }

    Snapshot snapshot() {
      Map<String, Long> m = new TreeMap<>();
      counts.forEach((k, v) -> m.put(k, v.sum()));
      return new Snapshot(m);
    }
  }

  /** Counts the polls the operator starts. */
  static final class PollCounter implements TrainerStatusSource {
    final LongAdder polls = new LongAdder();
    private final TrainerStatusSource delegate;

    PollCounter(TrainerStatusSource delegate) {
      this.delegate = delegate;
    }

    @Override
    public Optional<dev.kdflow.api.trainer.TrainerReport> fetch(Pod pod) {
      polls.increment();
      return delegate.fetch(pod);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Optional<dev.kdflow.api.trainer.TrainerReport>>
        fetchAsync(Pod pod, java.util.concurrent.Executor executor) {
      polls.increment();
      return delegate.fetchAsync(pod, executor);
    }
  }

  /** The results as a Markdown table: one row per measure, one column per N. */
  static String table(List<Result> results, Options options) {
    List<String[]> rows = new ArrayList<>();
    rows.add(row("measure", results, r -> "N=" + r.n()));
    String rate = String.format(Locale.ROOT, "%.0f/s", options.createRate());
    rows.add(row("create→Job p50, steady " + rate + " (ms)", results, r -> f1(r.steadyMs().p50())));
    rows.add(row("create→Job p99, steady " + rate + " (ms)", results, r -> f1(r.steadyMs().p99())));
    rows.add(row("create→Job max, steady (ms)", results, r -> f1(r.steadyMs().max())));
    rows.add(row("  steady create calls took (s)", results, r -> f2(r.steadyCreateSeconds())));
    String b =
        "burst of "
            + options.burst()
            + " while N trainers "
            + (options.blackholeTrainers() ? "never answer" : "report")
            + "";
    rows.add(row("create→Job p50, " + b + " (ms)", results, r -> f1(r.burstMs().p50())));
    rows.add(row("create→Job p99, " + b + " (ms)", results, r -> f1(r.burstMs().p99())));
    rows.add(row("  burst create calls took (s)", results, r -> f2(r.burstCreateSeconds())));
    rows.add(row("API reads per experiment (steady)", results, r -> f2(r.readsPerExperiment())));
    rows.add(row("API writes per experiment (steady)", results, r -> f2(r.writesPerExperiment())));
    rows.add(row("  writes by kind", results, r -> perExperiment(r.create(), r.n())));
    rows.add(
        row(
            "idle writes (window s, polls)",
            results,
            r ->
                r.idle().writes()
                    + " ("
                    + f1(r.idleSeconds())
                    + " s, "
                    + r.trainerPolls()
                    + " polls)"));
    rows.add(row("idle reads", results, r -> String.valueOf(r.idle().reads())));
    rows.add(
        row("longest reconciliation, idle window (ms)", results, r -> f1(r.longestReconcileMs())));
    rows.add(row("operator heap, retained (MiB)", results, r -> f1(r.heapMiB())));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < rows.size(); i++) {
      sb.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
      if (i == 0) {
        sb.append("|").append(" --- |".repeat(rows.get(0).length)).append("\n");
      }
    }
    return sb.toString().stripTrailing();
  }

  private static String perExperiment(Requests r, int n) {
    return r.byKind().entrySet().stream()
        .filter(
            e -> OperatorScaleBenchmark.isWrite(e.getKey().substring(0, e.getKey().indexOf(' '))))
        .map(e -> e.getKey() + " " + f2(e.getValue() / (double) n))
        .collect(java.util.stream.Collectors.joining(", "));
  }

  private static String[] row(
      String name, List<Result> results, java.util.function.Function<Result, String> cell) {
    String[] r = new String[results.size() + 1];
    r[0] = name;
    for (int i = 0; i < results.size(); i++) {
      r[i + 1] = cell.apply(results.get(i));
    }
    return r;
  }

  private static String f1(double x) {
    return String.format(Locale.ROOT, "%.1f", x);
  }

  private static String f2(double x) {
    return String.format(Locale.ROOT, "%.2f", x);
  }
}
