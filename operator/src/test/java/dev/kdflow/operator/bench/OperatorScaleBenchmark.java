package dev.kdflow.operator.bench;

import static dev.kdflow.operator.testing.MockCluster.NS;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.OperatorConfig;
import dev.kdflow.operator.dependent.ChildNames;
import dev.kdflow.operator.testing.Cluster;
import dev.kdflow.operator.testing.Experiments;
import dev.kdflow.operator.testing.MockCluster;
import dev.kdflow.operator.testing.TrainerReports;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * Scale and idle cost of the operator. For each N it starts the production wiring ({@link
 * KDFlowOperator#create}: reconciler, workflow, dependents) against Fabric8's mock API server in
 * CRUD mode with the generated CRD, creates N KDExperiments and measures
 *
 * <ul>
 *   <li>create→Job latency: from the create call returning to the Job arriving at a watch of the
 *       benchmark's own (an informer on Jobs, so nothing polls the server while the operator
 *       works);
 *   <li>the time until all N Jobs exist;
 *   <li>the operator's API requests per experiment, split into reads (GET), watches (GET with
 *       watch=true) and writes (POST/PUT/PATCH/DELETE), counted by the mock server's dispatcher;
 *   <li>the operator's heap once everything runs (see {@link Heap});
 *   <li>idle cost with every experiment Running and a trainer that keeps reporting the same: writes
 *       during a full resync (a restarted operator reconciling every experiment), during an idle
 *       window of polling, and during a window in which every trainer reports one new epoch (where
 *       exactly one status patch per experiment is expected).
 * </ul>
 *
 * <p>Requests of the benchmark itself (creating experiments, playing Job controller and kubelet,
 * its watches) carry their own User-Agent and are not counted. Run with {@code
 * bench/operator-scale.sh}; options: {@code --n 100,1000 --idle-window 5m --change-window 5m --poll
 * 15s --rate 0 --out DIR}.
 */
public final class OperatorScaleBenchmark {
  /** User-Agent of the benchmark's own client; its requests are not the operator's. */
  static final String HARNESS_AGENT = "kdflow-scale-benchmark";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * The mock web server logs every request at INFO through java.util.logging; at thousands of
   * requests that costs more than serving them. Held here because JUL keeps loggers weakly.
   */
  private static final java.util.logging.Logger MOCK_WEB_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver.MockWebServer");

  private OperatorScaleBenchmark() {}

  /**
   * What to run.
   *
   * @param sizes the numbers of experiments, one full run each
   * @param idleWindow how long the idle window with an unchanging trainer lasts
   * @param changeWindow how long the window lasts in which every trainer reports one new epoch (at
   *     its middle)
   * @param pollInterval the operator's poll interval (KDFLOW_POLL_INTERVAL)
   * @param createRate experiments created per second; 0 creates them back to back (a burst)
   * @param quiet how long the operator must write nothing before a phase counts as settled
   * @param timeout the longest any phase may take to settle
   */
  public record Options(
      List<Integer> sizes,
      Duration idleWindow,
      Duration changeWindow,
      Duration pollInterval,
      double createRate,
      Duration quiet,
      Duration timeout) {

    /**
     * Checks the windows against the poll interval: a window shorter than one poll measures
     * nothing, and the new epoch (reported at the change window's middle) must be polled before it
     * ends.
     */
    public Options {
      if (idleWindow.compareTo(pollInterval) < 0) {
        throw new IllegalArgumentException(
            "the idle window ("
                + idleWindow
                + ") must last at least one poll ("
                + pollInterval
                + ")");
      }
      if (changeWindow.dividedBy(2).compareTo(pollInterval.plus(quiet)) < 0) {
        throw new IllegalArgumentException(
            "half the change window ("
                + changeWindow.dividedBy(2)
                + ") must exceed a poll plus the quiet time ("
                + pollInterval.plus(quiet)
                + ")");
      }
    }

    /** Defaults: N = 100, a 5-minute idle window, the production poll interval of 15 s. */
    public static Options defaults() {
      return new Options(
          List.of(100),
          Duration.ofMinutes(5),
          Duration.ofMinutes(5),
          Duration.ofSeconds(15),
          0,
          Duration.ofSeconds(2),
          Duration.ofMinutes(10));
    }
  }

  /**
   * Requests the operator sent in some interval.
   *
   * @param reads GETs that are not watches (single gets and lists)
   * @param watches GETs that open a watch
   * @param writes POST, PUT, PATCH and DELETE
   * @param byKind count per "METHOD resource" (resource: the plural, with /status for the status
   *     subresource; "GET" includes watches, marked "WATCH")
   */
  public record Requests(long reads, long watches, long writes, Map<String, Long> byKind) {}

  /**
   * create→Job latency in milliseconds.
   *
   * @param p50 median
   * @param p99 99th percentile (nearest rank)
   * @param max the slowest experiment
   * @param mean arithmetic mean
   * @param p99SecondHalf 99th percentile of the later half of the experiments created: the first
   *     reconciliations of a fresh JVM load classes and run interpreted code
   */
  public record Latency(double p50, double p99, double max, double mean, double p99SecondHalf) {}

  /**
   * The operator's heap in MiB (used heap after System.gc(), three times).
   *
   * @param operatorRetainedMiB heap freed by stopping the operator (with every experiment Running):
   *     its informer caches, queues and executors; the mock server's store and the benchmark's own
   *     objects stay, so they cancel out
   * @param inJvmGrowthMiB used heap with the operator running minus a baseline taken before it
   *     started (mock server up, store empty): an upper bound that also holds the mock server's
   *     copy of every object
   * @param baselineMiB the baseline
   */
  public record Heap(double operatorRetainedMiB, double inJvmGrowthMiB, double baselineMiB) {}

  /**
   * A measured interval with every experiment Running.
   *
   * @param seconds how long it lasted
   * @param trainerPolls how often the operator asked a trainer for its report
   * @param reconciliations reconciliations run
   * @param requests the operator's requests
   * @param expectedWrites the writes the interval calls for (0 when nothing changed)
   */
  public record Window(
      double seconds,
      long trainerPolls,
      long reconciliations,
      Requests requests,
      long expectedWrites) {}

  /**
   * Everything measured for one N.
   *
   * @param n number of experiments
   * @param pollIntervalSeconds the operator's poll interval
   * @param createToJobMs create→Job latency
   * @param allJobsSeconds from the first create call to the last Job observed
   * @param createCallsSeconds from the first create call to the last one returning (the benchmark's
   *     own pace)
   * @param mockServeSeconds time the mock server spent serving requests (everyone's) from the first
   *     create until the last Job was observed: a share of the latency that is not the operator's
   *     and that a real API server does not spend the same way
   * @param startup the operator's requests while starting (before any experiment exists)
   * @param create the operator's requests from the first create until every experiment is Pending
   *     and the operator has been quiet
   * @param readsPerExperiment {@code create.reads / n}
   * @param writesPerExperiment {@code create.writes / n}
   * @param running the operator's requests while every experiment turned Running
   * @param heap the operator's heap with every experiment Running
   * @param resync a restarted operator reconciling every Running experiment once
   * @param idle the idle window: nothing changes
   * @param change the window in which every trainer reports one new epoch
   */
  public record Result(
      int n,
      double pollIntervalSeconds,
      Latency createToJobMs,
      double allJobsSeconds,
      double createCallsSeconds,
      double mockServeSeconds,
      Requests startup,
      Requests create,
      double readsPerExperiment,
      double writesPerExperiment,
      Requests running,
      Heap heap,
      Window resync,
      Window idle,
      Window change) {}

  /** Runs the benchmark; prints the table and writes result.json and table.md into --out. */
  public static void main(String[] args) throws Exception {
    Options defaults = Options.defaults();
    List<Integer> sizes = defaults.sizes();
    Duration idleWindow = defaults.idleWindow();
    Duration changeWindow = null;
    Duration poll = defaults.pollInterval();
    double rate = defaults.createRate();
    Duration timeout = defaults.timeout();
    Path out = Path.of("runs/bench/operator-scale");
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
        case "--idle-window" -> idleWindow = OperatorConfig.parseDuration(a, v);
        case "--change-window" -> changeWindow = OperatorConfig.parseDuration(a, v);
        case "--poll" -> poll = OperatorConfig.parseDuration(a, v);
        case "--rate" -> rate = Double.parseDouble(v);
        case "--timeout" -> timeout = OperatorConfig.parseDuration(a, v);
        case "--out" -> out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (changeWindow == null) {
      // As long as the idle window, but long enough for every trainer's news to be polled.
      Duration least = poll.plus(defaults.quiet()).multipliedBy(2).plusSeconds(2);
      changeWindow = idleWindow.compareTo(least) >= 0 ? idleWindow : least;
    }
    Options options =
        new Options(sizes, idleWindow, changeWindow, poll, rate, defaults.quiet(), timeout);
    if (!verbose) {
      // One INFO line per phase transition and experiment would bury the table.
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.kdflow"))
          .setLevel(ch.qos.logback.classic.Level.WARN);
    }
    List<Result> results = new ArrayList<>();
    for (int n : options.sizes()) {
      System.out.printf(Locale.ROOT, "N=%d ...%n", n);
      results.add(run(n, options, System.out::println));
    }
    String table = table(results);
    System.out.println();
    System.out.println(table);
    Files.createDirectories(out);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("time", Instant.now().toString());
    doc.put("java", System.getProperty("java.version"));
    doc.put("availableProcessors", Runtime.getRuntime().availableProcessors());
    doc.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024.0 * 1024));
    doc.put("options", optionsJson(options));
    doc.put("results", results);
    JSON.writeValue(out.resolve("result.json").toFile(), doc);
    Files.writeString(out.resolve("table.md"), table + "\n");
    System.out.println("wrote " + out.resolve("result.json") + " and " + out.resolve("table.md"));
    System.exit(0);
  }

  private static Map<String, Object> optionsJson(Options o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sizes", o.sizes());
    m.put("idleWindowSeconds", seconds(o.idleWindow()));
    m.put("changeWindowSeconds", seconds(o.changeWindow()));
    m.put("pollIntervalSeconds", seconds(o.pollInterval()));
    m.put("createRatePerSecond", o.createRate());
    m.put("quietSeconds", seconds(o.quiet()));
    return m;
  }

  /**
   * One full run with {@code n} experiments: its own mock server, operator and counters.
   *
   * @param progress receives one line per phase
   */
  @SuppressWarnings("deprecation") // Serialization.jsonMapper(): the mapper the mock extension uses
  public static Result run(int n, Options options, java.util.function.Consumer<String> progress)
      throws InterruptedException {
    MOCK_WEB_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    CountingDispatcher dispatcher = new CountingDispatcher();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            new HashMap<>(),
            dispatcher,
            false);
    server.init();
    Thread drain = drainRecordedRequests(server);
    KubernetesClient operatorClient = server.createClient();
    KubernetesClient harnessClient =
        server.createClient(b -> b.editOrNewConfig().withUserAgent(HARNESS_AGENT).endConfig());
    SteadyTrainers trainers = new SteadyTrainers();
    KDFlowOperator operator = null;
    try {
      MockCluster harness = new MockCluster(harnessClient);
      MockCluster operatorSide = new MockCluster(operatorClient);

      // The benchmark's own watches: Jobs (for latency) and experiments (for phases).
      Map<String, Long> jobSeen = new ConcurrentHashMap<>();
      SharedIndexInformer<Job> jobWatch =
          harnessClient
              .batch()
              .v1()
              .jobs()
              .inNamespace(NS)
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
      SharedIndexInformer<KDExperiment> experimentWatch =
          harnessClient.resources(KDExperiment.class).inNamespace(NS).inform();

      long baseline = usedHeapAfterGc();

      Snapshot s0 = dispatcher.snapshot();
      operator = operatorSide.startOperator(trainers, options.pollInterval());
      Snapshot s1 = dispatcher.snapshot();
      progress.accept("  operator started");

      // Create N experiments, back to back or paced.
      String[] names = new String[n];
      long[] created = new long[n];
      long serveBefore = dispatcher.dispatchNanos.sum();
      long firstCreate = System.nanoTime();
      double gapNanos = options.createRate() > 0 ? 1e9 / options.createRate() : 0;
      for (int i = 0; i < n; i++) {
        names[i] = String.format(Locale.ROOT, "scale-%05d", i);
        if (gapNanos > 0) {
          long due = firstCreate + (long) (i * gapNanos);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
        harness.experiments().inNamespace(NS).resource(Experiments.kd(names[i])).create();
        created[i] = System.nanoTime();
      }
      double createCalls = (created[n - 1] - firstCreate) / 1e9;
      waitUntil(() -> jobSeen.size() >= n, options.timeout(), "all " + n + " Jobs");
      double mockServe = (dispatcher.dispatchNanos.sum() - serveBefore) / 1e9;
      long lastJob = jobSeen.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      double[] latencies = new double[n];
      for (int i = 0; i < n; i++) {
        latencies[i] = Math.max(0, jobSeen.get(names[i]) - created[i]) / 1e6;
      }
      Latency latency = latency(latencies);
      double allJobs = (lastJob - firstCreate) / 1e9;
      progress.accept(
          String.format(
              Locale.ROOT,
              "  all Jobs after %.2f s; create→Job p50 %.1f ms, p99 %.1f ms",
              allJobs,
              latency.p50(),
              latency.p99()));
      waitUntil(
          () -> allInPhase(experimentWatch, n, KDExperimentStatus.Phase.PENDING, null),
          options.timeout(),
          "every experiment Pending");
      settle(dispatcher, options);
      Snapshot s2 = dispatcher.snapshot();

      // Every trainer runs: the Job controller's and kubelet's writes, as the tests make them.
      for (String name : names) {
        Job job = harness.job(name);
        harness.putPod(Cluster.running(job, "a"));
        harness.putJob(Cluster.withStatus(job, 1, 0));
      }
      waitUntil(
          () -> allInPhase(experimentWatch, n, KDExperimentStatus.Phase.RUNNING, 2),
          options.timeout(),
          "every experiment Running at epoch 2");
      settle(dispatcher, options);
      Snapshot s3 = dispatcher.snapshot();
      progress.accept("  all Running");
      jobWatch.close();
      experimentWatch.close();

      // Heap: with the operator running, then stopped.
      long running = usedHeapAfterGc();
      operator.operator().stop();
      operator = null;
      long stopped = usedHeapAfterGc();
      Heap heap = new Heap(mib(running - stopped), mib(running - baseline), mib(baseline));
      progress.accept(
          String.format(Locale.ROOT, "  operator heap %.1f MiB", heap.operatorRetainedMiB()));

      // (a) Full resync: a new operator lists everything and reconciles every experiment.
      Snapshot r0 = dispatcher.snapshot();
      long r0Polls = trainers.polls.sum();
      long r0Start = System.nanoTime();
      operator = operatorSide.startOperator(trainers, options.pollInterval());
      KDFlowOperator resynced = operator;
      waitUntil(
          () ->
              Arrays.stream(names).allMatch(x -> resynced.reconciler().reconciliations(NS, x) > 0),
          options.timeout(),
          "every experiment reconciled after the restart");
      settle(dispatcher, options);
      // The new operator's reconciliations are all this window's.
      Window resync =
          window(
              dispatcher.snapshot().minus(r0),
              r0Start,
              trainers.polls.sum() - r0Polls,
              operator.reconciler().reconciliations(),
              0);
      progress.accept("  resync writes " + resync.requests().writes());

      // (b) Idle window: polls go on, nothing changes.
      Window idle = measure(operator, dispatcher, trainers, options.idleWindow(), null, 0);
      progress.accept(
          "  idle window: "
              + idle.trainerPolls()
              + " polls, "
              + idle.requests().writes()
              + " writes");

      // (c) One new epoch from every trainer halfway through the window.
      Window change =
          measure(
              operator, dispatcher, trainers, options.changeWindow(), () -> trainers.epoch = 3, n);
      waitUntil(
          () -> {
            List<KDExperiment> all = harness.experiments().inNamespace(NS).list().getItems();
            return all.size() == n
                && all.stream()
                    .allMatch(
                        k ->
                            k.getStatus() != null
                                && k.getStatus().getProgress() != null
                                && Integer.valueOf(3)
                                    .equals(k.getStatus().getProgress().getEpoch()));
          },
          Duration.ofSeconds(10),
          "every experiment at epoch 3 after the change window");
      progress.accept(
          "  change window: "
              + change.requests().writes()
              + " writes (expected "
              + change.expectedWrites()
              + ")");

      return new Result(
          n,
          seconds(options.pollInterval()),
          latency,
          allJobs,
          createCalls,
          mockServe,
          s1.minus(s0).requests(),
          s2.minus(s1).requests(),
          s2.minus(s1).requests().reads() / (double) n,
          s2.minus(s1).requests().writes() / (double) n,
          s3.minus(s2).requests(),
          heap,
          resync,
          idle,
          change);
    } finally {
      if (operator != null) {
        operator.operator().stop();
      }
      harnessClient.close();
      operatorClient.close();
      server.destroy();
      drain.interrupt();
    }
  }

  /** A window of the given length; {@code change} (if any) runs at its middle. */
  private static Window measure(
      KDFlowOperator operator,
      CountingDispatcher dispatcher,
      SteadyTrainers trainers,
      Duration length,
      Runnable change,
      long expectedWrites)
      throws InterruptedException {
    Snapshot before = dispatcher.snapshot();
    long polls = trainers.polls.sum();
    long reconciliations = operator.reconciler().reconciliations();
    long start = System.nanoTime();
    if (change == null) {
      Thread.sleep(length.toMillis());
    } else {
      Thread.sleep(length.toMillis() / 2);
      change.run();
      Thread.sleep(length.toMillis() - length.toMillis() / 2);
    }
    return window(
        dispatcher.snapshot().minus(before),
        start,
        trainers.polls.sum() - polls,
        operator.reconciler().reconciliations() - reconciliations,
        expectedWrites);
  }

  private static Window window(
      Snapshot diff, long startNanos, long polls, long reconciliations, long expected) {
    return new Window(
        (System.nanoTime() - startNanos) / 1e9, polls, reconciliations, diff.requests(), expected);
  }

  private static boolean allInPhase(
      SharedIndexInformer<KDExperiment> informer,
      int n,
      KDExperimentStatus.Phase phase,
      Integer epoch) {
    List<KDExperiment> all = informer.getStore().list();
    return all.size() == n
        && all.stream()
            .allMatch(
                k ->
                    k.getStatus() != null
                        && k.getStatus().getPhase() == phase
                        && (epoch == null
                            || (k.getStatus().getProgress() != null
                                && epoch.equals(k.getStatus().getProgress().getEpoch()))));
  }

  /** Waits until the operator has written nothing for {@code options.quiet()}. */
  private static void settle(CountingDispatcher dispatcher, Options options)
      throws InterruptedException {
    long deadline = System.nanoTime() + options.timeout().toNanos();
    long writes = dispatcher.writes.get();
    long since = System.nanoTime();
    while (System.nanoTime() - since < options.quiet().toNanos()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the operator kept writing for " + options.timeout());
      }
      Thread.sleep(50);
      long now = dispatcher.writes.get();
      if (now != writes) {
        writes = now;
        since = System.nanoTime();
      }
    }
  }

  private static void waitUntil(BooleanSupplier done, Duration timeout, String what) {
    Awaitility.await(what)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(20))
        .until(done::getAsBoolean);
  }

  /**
   * The mock server keeps every request it served in a queue for tests to take; a long run would
   * fill the heap with them, so they are taken and dropped as they come (counting happens in the
   * dispatcher).
   */
  private static Thread drainRecordedRequests(KubernetesMockServer server) {
    Thread t =
        new Thread(
            () -> {
              try {
                while (!Thread.currentThread().isInterrupted()) {
                  server.takeRequest(1, TimeUnit.SECONDS);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "recorded-request-drain");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Latency figures of per-experiment latencies, in creation order. */
  static Latency latency(double[] ms) {
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    double[] later = Arrays.copyOfRange(ms, ms.length / 2, ms.length);
    Arrays.sort(later);
    return new Latency(
        percentile(sorted, 50),
        percentile(sorted, 99),
        sorted[sorted.length - 1],
        Arrays.stream(sorted).average().orElse(0),
        percentile(later, 99));
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** The benchmark's trainers: all report the same, from an epoch the benchmark may advance. */
  static final class SteadyTrainers implements TrainerStatusSource {
    final LongAdder polls = new LongAdder();
    volatile int epoch = 2;

    @Override
    public Optional<TrainerReport> fetch(Pod pod) {
      polls.increment();
      int e = epoch;
      // A fresh report per call: the operator gets what a trainer would serve, never a shared
      // object it might have touched on an earlier poll.
      String experiment = pod.getMetadata().getLabels().get(ChildNames.EXPERIMENT_LABEL);
      return Optional.of(TrainerReports.running(experiment, e, e * 100L, 0.7 + e / 100.0));
    }
  }

  /** Counts every request the mock server dispatches, except the benchmark's own. */
  static final class CountingDispatcher extends KubernetesMixedDispatcher {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    final AtomicLong writes = new AtomicLong();

    /**
     * Time spent serving requests (all of them, the benchmark's included): the mock server's CRUD
     * store searches its whole content on every request, so at large N part of the latency is the
     * mock's own, not the operator's.
     */
    final LongAdder dispatchNanos = new LongAdder();

    CountingDispatcher() {
      super(new HashMap<>());
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (!HARNESS_AGENT.equals(request.getHeader("User-Agent"))) {
        String key = classify(request.getMethod(), request.getPath());
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
        if (isWrite(request.getMethod())) {
          writes.incrementAndGet();
        }
      }
      long start = System.nanoTime();
      try {
        return super.dispatch(request);
      } finally {
        dispatchNanos.add(System.nanoTime() - start);
      }
    }

    Snapshot snapshot() {
      Map<String, Long> m = new TreeMap<>();
      counts.forEach((k, v) -> m.put(k, v.sum()));
      return new Snapshot(m);
    }
  }

  static boolean isWrite(String method) {
    return switch (method) {
      case "POST", "PUT", "PATCH", "DELETE" -> true;
      default -> false;
    };
  }

  /** "METHOD resource": the plural of the path (with /status), GET with watch=true as WATCH. */
  static String classify(String method, String path) {
    String p = path == null ? "" : path;
    int q = p.indexOf('?');
    String query = q < 0 ? "" : p.substring(q + 1);
    String[] segs =
        Arrays.stream((q < 0 ? p : p.substring(0, q)).split("/"))
            .filter(s -> !s.isEmpty())
            .toArray(String[]::new);
    // /api/v1/... or /apis/group/version/...; then optionally namespaces/NS; then
    // plural[/name[/sub]]
    int i = segs.length > 0 && segs[0].equals("api") ? 2 : 3;
    if (i + 1 < segs.length && segs[i].equals("namespaces")) {
      i += 2;
    }
    String resource = i < segs.length ? segs[i] : String.join("/", segs);
    if (i + 2 < segs.length) {
      resource += "/" + segs[i + 2];
    }
    boolean watch =
        "GET".equals(method)
            && Arrays.stream(query.split("&")).anyMatch(kv -> kv.equals("watch=true"));
    return (watch ? "WATCH" : method) + " " + resource;
  }

  /** Cumulative request counts at one moment. */
  record Snapshot(Map<String, Long> counts) {
    Snapshot minus(Snapshot earlier) {
      Map<String, Long> m = new TreeMap<>();
      counts.forEach(
          (k, v) -> {
            long d = v - earlier.counts.getOrDefault(k, 0L);
            if (d != 0) {
              m.put(k, d);
            }
          });
      return new Snapshot(m);
    }

    Requests requests() {
      long reads = 0;
      long watches = 0;
      long writes = 0;
      for (var e : counts.entrySet()) {
        String method = e.getKey().substring(0, e.getKey().indexOf(' '));
        if (method.equals("WATCH")) {
          watches += e.getValue();
        } else if (isWrite(method)) {
          writes += e.getValue();
        } else {
          reads += e.getValue();
        }
      }
      return new Requests(reads, watches, writes, counts);
    }
  }

  /** Used heap after three System.gc() calls (each a full collection with G1 and Serial). */
  static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }

  /** The results as a Markdown table: one row per measure, one column per N. */
  static String table(List<Result> results) {
    List<String[]> rows = new ArrayList<>();
    rows.add(row("measure", results, r -> "N=" + r.n()));
    rows.add(row("create→Job p50 (ms)", results, r -> f1(r.createToJobMs().p50())));
    rows.add(row("create→Job p99 (ms)", results, r -> f1(r.createToJobMs().p99())));
    rows.add(row("create→Job max (ms)", results, r -> f1(r.createToJobMs().max())));
    rows.add(
        row(
            "create→Job p99, later half created (ms)",
            results,
            r -> f1(r.createToJobMs().p99SecondHalf())));
    rows.add(row("all Jobs exist after (s)", results, r -> f2(r.allJobsSeconds())));
    rows.add(row("  of which create calls (s)", results, r -> f2(r.createCallsSeconds())));
    rows.add(row("  mock server busy serving (s)", results, r -> f2(r.mockServeSeconds())));
    rows.add(row("reads per experiment (GET)", results, r -> f2(r.readsPerExperiment())));
    rows.add(row("writes per experiment", results, r -> f2(r.writesPerExperiment())));
    rows.add(row("writes per experiment, by kind", results, r -> perExperiment(r.create(), r.n())));
    rows.add(
        row(
            "watches opened (startup + create)",
            results,
            r -> String.valueOf(r.startup().watches() + r.create().watches())));
    rows.add(
        row(
            "startup requests (reads/watches/writes)",
            results,
            r -> r.startup().reads() + "/" + r.startup().watches() + "/" + r.startup().writes()));
    rows.add(
        row("operator heap, retained (MiB)", results, r -> f1(r.heap().operatorRetainedMiB())));
    rows.add(
        row(
            "heap growth in JVM incl. mock store (MiB)",
            results,
            r -> f1(r.heap().inJvmGrowthMiB())));
    rows.add(
        row(
            "full resync: writes (reads)",
            results,
            r -> r.resync().requests().writes() + " (" + r.resync().requests().reads() + ")"));
    rows.add(
        row(
            "idle window: writes (s, polls, reads)",
            results,
            r ->
                r.idle().requests().writes()
                    + " ("
                    + f1(r.idle().seconds())
                    + " s, "
                    + r.idle().trainerPolls()
                    + " polls, "
                    + r.idle().requests().reads()
                    + " reads)"));
    rows.add(
        row(
            "new-epoch window: writes / expected",
            results,
            r ->
                r.change().requests().writes()
                    + " / "
                    + r.change().expectedWrites()
                    + " ("
                    + kinds(r.change().requests())
                    + ")"));
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
        .filter(e -> isWrite(e.getKey().substring(0, e.getKey().indexOf(' '))))
        .map(e -> e.getKey() + " " + f2(e.getValue() / (double) n))
        .collect(Collectors.joining(", "));
  }

  private static String kinds(Requests r) {
    return r.byKind().entrySet().stream()
        .filter(e -> isWrite(e.getKey().substring(0, e.getKey().indexOf(' '))))
        .map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(", "));
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
