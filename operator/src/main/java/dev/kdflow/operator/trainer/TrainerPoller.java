package dev.kdflow.operator.trainer;

import dev.kdflow.api.trainer.TrainerReport;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls running trainers off the reconcile threads. A reconciliation asks {@link #latest} for the
 * report of its experiment's running pod: it gets the last report that pod's trainer served (or
 * nothing yet) at once, and, if a poll is due, one is queued. At most {@code maxInFlight} requests
 * are outstanding at a time; the rest wait in a queue that holds each experiment at most once. A
 * pod whose trainer does not answer (refused, timed out, malformed, or a report for another
 * experiment) is asked again only after an exponentially growing pause, capped at {@code
 * maxBackoff}. When a poll brings a report that differs from the cached one, {@code onNews} is told
 * the experiment (the operator turns that into a reconciliation), so a trainer that keeps reporting
 * the same causes no reconciliation and no write.
 *
 * <p>A report is taken only from the pod it was asked of and only when its {@code experiment} names
 * the expected checkpoint directory: a pod IP reused by another experiment's trainer must not move
 * this experiment's status.
 */
public final class TrainerPoller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerPoller.class);

  /** Requests outstanding at once, by default. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 64;

  /** The longest pause before a trainer that does not answer is asked again, by default. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(2);

  /**
   * A poll that neither completed nor failed within this time frees its slot anyway (sources bound
   * their own requests far below it; this guards the slot count against a source that does not).
   */
  static final Duration SLOT_LIMIT = Duration.ofSeconds(30);

  private final TrainerStatusSource source;
  private final Duration interval;
  private final int maxInFlight;
  private final Duration maxBackoff;
  private final Supplier<Instant> clock;
  private final ExecutorService executor;
  private final AtomicInteger peakInFlight = new AtomicInteger();
  private final LongAdder polls = new LongAdder();
  private final LongAdder ignored = new LongAdder();
  private volatile Consumer<ResourceID> onNews = id -> {};

  // Guarded by this: small, O(1) updates only, never held across a request.
  private final Map<ResourceID, Entry> entries = new HashMap<>();
  private final Deque<ResourceID> waiting = new ArrayDeque<>();
  private int inFlight;
  private boolean closed;

  /**
   * A poller with {@link #DEFAULT_MAX_IN_FLIGHT} and a pause capped at the smaller of {@link
   * #DEFAULT_MAX_BACKOFF} and 4 poll intervals: a trainer still starting (refusing connections
   * until its JVM is up) is asked again within a few intervals of answering.
   *
   * @param source asked for reports
   * @param interval the poll interval: a pod is asked at most about this often
   */
  public TrainerPoller(TrainerStatusSource source, Duration interval) {
    this(
        source,
        interval,
        DEFAULT_MAX_IN_FLIGHT,
        min(DEFAULT_MAX_BACKOFF, interval.multipliedBy(4)),
        Instant::now);
  }

  /**
   * A poller with explicit limits.
   *
   * @param source asked for reports
   * @param interval the poll interval: a pod is asked at most about this often
   * @param maxInFlight requests outstanding at once
   * @param maxBackoff the longest pause before a trainer that does not answer is asked again
   * @param clock the time
   */
  public TrainerPoller(
      TrainerStatusSource source,
      Duration interval,
      int maxInFlight,
      Duration maxBackoff,
      Supplier<Instant> clock) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
    }
    this.source = source;
    this.interval = interval;
    this.maxInFlight = maxInFlight;
    this.maxBackoff = maxBackoff;
    this.clock = clock;
    // Runs sources that block (test doubles) and every completion; the HTTP source blocks none.
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "kdflow-trainer-poller");
              t.setDaemon(true);
              return t;
            });
  }

  /** Who is told of an experiment whose trainer reported something new. */
  public void onNews(Consumer<ResourceID> listener) {
    this.onNews = Objects.requireNonNull(listener);
  }

  /**
   * The last report of the experiment's trainer in {@code pod}, without waiting; queues a poll when
   * one is due. Called on every reconciliation of a Running experiment.
   *
   * @param experiment the KDExperiment
   * @param pod the pod whose trainer runs now
   * @param expectedExperiment the experiment name the trainer must report (its checkpoint directory
   *     name)
   */
  public Optional<TrainerReport> latest(ResourceID experiment, Pod pod, String expectedExperiment) {
    String uid = pod.getMetadata() == null ? null : pod.getMetadata().getUid();
    String podKey = uid != null ? uid : String.valueOf(pod.getMetadata().getName());
    TrainerReport report;
    synchronized (this) {
      Entry e = entries.get(experiment);
      if (e == null || !e.podKey.equals(podKey)) {
        // A new pod (a retry, a restarted attempt): nothing it reported is known yet.
        e = new Entry(podKey);
        entries.put(experiment, e);
      }
      e.pod = pod;
      e.expected = expectedExperiment;
      if (!closed && !e.inFlight && !e.queued && !clock.get().isBefore(e.notBefore)) {
        e.queued = true;
        waiting.add(experiment);
      }
      report = e.report;
    }
    dispatch();
    return Optional.ofNullable(report);
  }

  /** Forgets an experiment (deleted, or no trainer running any more). */
  public synchronized void forget(ResourceID experiment) {
    entries.remove(experiment);
  }

  /** The cached report of an experiment, whatever pod it came from. */
  public synchronized Optional<TrainerReport> cached(ResourceID experiment) {
    Entry e = entries.get(experiment);
    return e == null ? Optional.empty() : Optional.ofNullable(e.report);
  }

  /** Requests outstanding now. */
  public synchronized int inFlight() {
    return inFlight;
  }

  /** The most requests that were ever outstanding at once. */
  public int peakInFlight() {
    return peakInFlight.get();
  }

  /** Polls started so far. */
  public long polls() {
    return polls.sum();
  }

  /** Reports ignored so far because they named another experiment (or none). */
  public long ignoredReports() {
    return ignored.sum();
  }

  /** Experiments waiting for a request slot. */
  public synchronized int queued() {
    return waiting.size();
  }

  /** Stops polling; outstanding requests complete unheard. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      waiting.clear();
    }
    executor.shutdownNow();
  }

  /** The pause after {@code failures} failed polls in a row: interval × 2^(failures−1), capped. */
  static Duration backoff(Duration interval, Duration maxBackoff, int failures) {
    if (failures <= 0) {
      return Duration.ZERO;
    }
    Duration d = interval;
    for (int i = 1; i < failures && d.compareTo(maxBackoff) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return min(d, maxBackoff);
  }

  private void dispatch() {
    List<Start> starts = new ArrayList<>();
    synchronized (this) {
      while (!closed && inFlight < maxInFlight && !waiting.isEmpty()) {
        ResourceID id = waiting.poll();
        Entry e = entries.get(id);
        if (e == null || !e.queued) {
          continue;
        }
        e.queued = false;
        e.inFlight = true;
        // Reconciliations triggered by this poll's own news must not poll again at once.
        e.notBefore = clock.get().plus(interval.dividedBy(2));
        inFlight++;
        peakInFlight.accumulateAndGet(inFlight, Math::max);
        starts.add(new Start(id, e, e.pod));
      }
    }
    for (Start s : starts) {
      polls.increment();
      CompletableFuture<Optional<TrainerReport>> answer;
      try {
        answer = source.fetchAsync(s.pod(), executor);
      } catch (RuntimeException ex) {
        answer = CompletableFuture.failedFuture(ex);
      }
      answer
          .orTimeout(SLOT_LIMIT.toMillis(), TimeUnit.MILLISECONDS)
          .whenCompleteAsync((r, ex) -> complete(s, ex == null ? r : null, ex), executor);
    }
  }

  private void complete(Start s, Optional<TrainerReport> answer, Throwable error) {
    boolean news = false;
    synchronized (this) {
      inFlight--;
      Entry e = s.entry();
      if (entries.get(s.experiment()) == e) {
        e.inFlight = false;
        TrainerReport r = answer == null ? null : answer.orElse(null);
        if (r != null && Objects.equals(r.getExperiment(), e.expected)) {
          e.failures = 0;
          if (!r.equals(e.report)) {
            e.report = r;
            news = true;
          }
        } else {
          if (r != null) {
            ignored.increment();
            if (!e.warned) {
              e.warned = true;
              LOG.warn(
                  "{}: ignoring a report from pod {} ({}): it is for experiment '{}', expected"
                      + " '{}' (another experiment's trainer at a reused address?)",
                  s.experiment(),
                  s.pod().getMetadata().getName(),
                  s.pod().getStatus() == null ? null : s.pod().getStatus().getPodIP(),
                  r.getExperiment(),
                  e.expected);
            }
          } else if (error != null) {
            LOG.debug("{}: poll failed: {}", s.experiment(), error.toString());
          }
          e.failures++;
          e.notBefore = clock.get().plus(backoff(interval, maxBackoff, e.failures));
        }
      }
    }
    dispatch();
    if (news) {
      onNews.accept(s.experiment());
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** One experiment's polling state; guarded by the poller. */
  private static final class Entry {
    final String podKey;
    Pod pod;
    String expected;
    TrainerReport report;
    int failures;
    Instant notBefore = Instant.MIN;
    boolean queued;
    boolean inFlight;
    boolean warned;

    Entry(String podKey) {
      this.podKey = podKey;
    }
  }

  private record Start(ResourceID experiment, Entry entry, Pod pod) {}
}
