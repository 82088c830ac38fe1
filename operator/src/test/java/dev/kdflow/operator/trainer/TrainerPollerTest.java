package dev.kdflow.operator.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kdflow.api.trainer.TrainerReport;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TrainerPollerTest {
  static final Duration POLL = Duration.ofSeconds(15);

  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  final List<ResourceID> news = new CopyOnWriteArrayList<>();
  final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  TrainerPoller poller(TrainerStatusSource source, int maxInFlight) {
    TrainerPoller p = new TrainerPoller(source, POLL, maxInFlight, Duration.ofMinutes(2), now::get);
    p.onNews(news::add);
    closing.add(p);
    return p;
  }

  static Pod pod(String name, String uid) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withUid(uid)
        .endMetadata()
        .withNewStatus()
        .withPodIP("10.0.0.1")
        .endStatus()
        .build();
  }

  static ResourceID id(String name) {
    return new ResourceID(name, "ns");
  }

  static TrainerReport report(String experiment, int epoch) {
    TrainerReport r = new TrainerReport();
    r.setPhase(TrainerReport.Phase.RUNNING);
    r.setExperiment(experiment);
    r.setEpoch(epoch);
    return r;
  }

  void advance(Duration d) {
    now.updateAndGet(t -> t.plus(d));
  }

  @Test
  void thousandTrainersThatNeverAnswerNeitherBlockTheCallerNorExceedTheRequestBound()
      throws IOException {
    // A listening socket that never accepts, with a backlog of one: the kernel completes a
    // handshake or two, then drops SYNs, so requests hang until their timeouts, as to a
    // blackholed pod.
    ServerSocket blackhole = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    closing.add(blackhole);
    URI uri = URI.create("http://127.0.0.1:" + blackhole.getLocalPort() + "/status");
    TrainerPoller poller =
        poller(new HttpTrainerStatusSource(p -> Optional.of(uri), Duration.ofMillis(200)), 64);
    int n = 1000;

    long slowestCallNanos = 0;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      assertThat(poller.latest(id("x" + i), pod("x" + i + "-a", "u" + i), "x" + i)).isEmpty();
      slowestCallNanos = Math.max(slowestCallNanos, System.nanoTime() - t);
    }
    long allCallsNanos = System.nanoTime() - start;
    // 1000 synchronous polls would take 1000 × 200 ms; these only queue.
    assertThat(allCallsNanos).as("1000 calls, ns").isLessThan(Duration.ofSeconds(2).toNanos());
    assertThat(slowestCallNanos)
        .as("slowest call, ns")
        .isLessThan(Duration.ofMillis(500).toNanos());
    assertThat(poller.inFlight()).isLessThanOrEqualTo(64);
    assertThat(poller.queued()).isGreaterThan(0).isLessThanOrEqualTo(n);

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> poller.polls() == n && poller.inFlight() == 0);
    assertThat(poller.peakInFlight()).isEqualTo(64);
    assertThat(news).isEmpty();

    // Every pod failed once: it is not asked again within the pause (one poll interval) ...
    advance(POLL.minusSeconds(1));
    for (int i = 0; i < n; i++) {
      poller.latest(id("x" + i), pod("x" + i + "-a", "u" + i), "x" + i);
    }
    assertThat(poller.polls()).isEqualTo(n);
    assertThat(poller.queued()).isZero();
    // ... but after it.
    advance(Duration.ofSeconds(2));
    poller.latest(id("x0"), pod("x0-a", "u0"), "x0");
    assertThat(poller.polls()).isEqualTo(n + 1);
  }

  @Test
  void aSourceThatHangsHoldsOnlyItsSlotsAndEachExperimentIsQueuedOnce() {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger asked = new AtomicInteger();
    TrainerPoller poller =
        poller(
            pod -> {
              asked.incrementAndGet();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return Optional.empty();
            },
            4);
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 10; i++) {
        poller.latest(id("h" + i), pod("h" + i, "u" + i), "h" + i);
      }
      advance(POLL);
    }
    assertThat(poller.inFlight()).isEqualTo(4);
    assertThat(poller.queued()).as("10 experiments, 4 in flight").isEqualTo(6);
    release.countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> poller.polls() == 10 && poller.inFlight() == 0);
    assertThat(asked.get()).isEqualTo(10);
  }

  @Test
  void aNewReportIsCachedAndAnnouncedOnceAndAnUnchangedOneIsNot() {
    Map<String, TrainerReport> serving = new ConcurrentHashMap<>();
    serving.put("a-1", report("a", 1));
    TrainerPoller poller =
        poller(p -> Optional.ofNullable(serving.get(p.getMetadata().getName())), 8);

    assertThat(poller.latest(id("a"), pod("a-1", "u1"), "a")).isEmpty();
    await().atMost(Duration.ofSeconds(5)).until(() -> news.size() == 1);
    assertThat(news).containsExactly(id("a"));
    assertThat(poller.latest(id("a"), pod("a-1", "u1"), "a")).contains(report("a", 1));

    // Asked again a poll later: the same report brings no news.
    advance(POLL);
    poller.latest(id("a"), pod("a-1", "u1"), "a");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> poller.polls() == 2 && poller.inFlight() == 0);
    assertThat(news).hasSize(1);

    // A trainer that stops answering keeps its last report (the termination message ends it).
    serving.clear();
    advance(POLL);
    poller.latest(id("a"), pod("a-1", "u1"), "a");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> poller.polls() == 3 && poller.inFlight() == 0);
    assertThat(poller.latest(id("a"), pod("a-1", "u1"), "a")).contains(report("a", 1));

    // A new pod (a retry) starts without the old pod's report.
    serving.put("a-2", report("a", 4));
    assertThat(poller.latest(id("a"), pod("a-2", "u2"), "a")).isEmpty();
    await().atMost(Duration.ofSeconds(5)).until(() -> news.size() == 2);
    assertThat(poller.latest(id("a"), pod("a-2", "u2"), "a")).contains(report("a", 4));

    poller.forget(id("a"));
    assertThat(poller.cached(id("a"))).isEmpty();
  }

  @Test
  void aReportForAnotherExperimentIsIgnoredAndTheAddressBacksOff() {
    // Another experiment's trainer answers at this pod's (reused) address.
    TrainerPoller poller = poller(p -> Optional.of(report("someone-else", 7)), 8);
    poller.latest(id("mine"), pod("mine-a", "u1"), "mine");
    await().atMost(Duration.ofSeconds(5)).until(() -> poller.ignoredReports() == 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> poller.inFlight() == 0);
    assertThat(poller.latest(id("mine"), pod("mine-a", "u1"), "mine")).isEmpty();
    assertThat(news).isEmpty();

    // A report without an experiment name cannot be matched either.
    TrainerPoller unnamed = poller(p -> Optional.of(report(null, 7)), 8);
    unnamed.latest(id("mine"), pod("mine-a", "u1"), "mine");
    await().atMost(Duration.ofSeconds(5)).until(() -> unnamed.ignoredReports() == 1);
    assertThat(unnamed.cached(id("mine"))).isEmpty();

    // Failed once: not asked again within one poll interval; failed twice: within two.
    advance(POLL.minusSeconds(1));
    poller.latest(id("mine"), pod("mine-a", "u1"), "mine");
    assertThat(poller.polls()).isEqualTo(1);
    advance(Duration.ofSeconds(2));
    poller.latest(id("mine"), pod("mine-a", "u1"), "mine");
    await().atMost(Duration.ofSeconds(5)).until(() -> poller.ignoredReports() == 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> poller.inFlight() == 0);
    advance(POLL.multipliedBy(2).minusSeconds(1));
    poller.latest(id("mine"), pod("mine-a", "u1"), "mine");
    assertThat(poller.polls()).isEqualTo(2);
  }

  @Test
  void theBackoffDoublesFromOnePollIntervalUpToItsCap() {
    Duration cap = Duration.ofMinutes(2);
    assertThat(TrainerPoller.backoff(POLL, cap, 0)).isZero();
    assertThat(TrainerPoller.backoff(POLL, cap, 1)).isEqualTo(POLL);
    assertThat(TrainerPoller.backoff(POLL, cap, 2)).isEqualTo(Duration.ofSeconds(30));
    assertThat(TrainerPoller.backoff(POLL, cap, 4)).isEqualTo(Duration.ofMinutes(2));
    assertThat(TrainerPoller.backoff(POLL, cap, 5)).isEqualTo(cap);
    assertThat(TrainerPoller.backoff(POLL, cap, 1000)).isEqualTo(cap);
  }
}
