package dev.kdflow.operator.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.kdflow.api.trainer.TrainerImageContract;
import dev.kdflow.api.trainer.TrainerReport;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpTrainerStatusSourceTest {
  static final Pod POD = pod("10.1.2.3");

  HttpServer server;
  volatile int code = 200;
  volatile String body = "{}";
  final CountDownLatch release = new CountDownLatch(1);

  static Pod pod(String ip) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("t")
        .endMetadata()
        .withNewStatus()
        .withPodIP(ip)
        .endStatus()
        .build();
  }

  @BeforeEach
  void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/status",
        ex -> {
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(code, b.length);
          try (var out = ex.getResponseBody()) {
            out.write(b);
          }
        });
    server.createContext(
        "/slow",
        ex -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    server.createContext(
        "/stalled",
        ex -> {
          ex.sendResponseHeaders(200, 100);
          ex.getResponseBody().write("{\"phase\":".getBytes(StandardCharsets.UTF_8));
          ex.getResponseBody().flush();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.close();
        });
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  HttpTrainerStatusSource source(String path) {
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    return new HttpTrainerStatusSource(p -> Optional.of(uri), Duration.ofMillis(500));
  }

  @Test
  void readsTheTrainersReport() {
    body = "{\"phase\":\"RUNNING\",\"epoch\":2,\"totalEpochs\":5,\"step\":40,\"newField\":true}";
    Optional<TrainerReport> r = source("/status").fetch(POD);
    assertThat(r).isPresent();
    assertThat(r.get().getPhase()).isEqualTo(TrainerReport.Phase.RUNNING);
    assertThat(r.get().getEpoch()).isEqualTo(2);
    assertThat(r.get().getStep()).isEqualTo(40);
  }

  @Test
  void anythingButAReportIsNothing() throws IOException {
    code = 503;
    assertThat(source("/status").fetch(POD)).isEmpty();
    code = 200;
    body = "<html>proxy error</html>";
    assertThat(source("/status").fetch(POD)).isEmpty();
    body = "{\"phase\":\"RUNNING\",\"reason\":\"" + "x".repeat(300_000) + "\"}";
    assertThat(source("/status").fetch(POD)).as("oversized").isEmpty();
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    URI refused = URI.create("http://127.0.0.1:" + closed + "/status");
    assertThat(new HttpTrainerStatusSource(p -> Optional.of(refused)).fetch(POD)).isEmpty();
    assertThat(new HttpTrainerStatusSource(p -> Optional.empty()).fetch(POD)).isEmpty();
  }

  @Test
  void aHangingTrainerCostsAtMostTwoTimeouts() {
    for (String path : List.of("/slow", "/stalled")) {
      long start = System.nanoTime();
      assertThat(source(path).fetch(POD)).as(path).isEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as(path)
          .isLessThan(Duration.ofMillis(2500));
    }
  }

  @Test
  void productionAsksThePodIpOnTheContractsPort() {
    int port = TrainerImageContract.STATUS_PORT;
    assertThat(TrainerEndpoint.podIp().statusUri(POD))
        .contains(URI.create("http://10.1.2.3:" + port + "/status"));
    assertThat(TrainerEndpoint.podIp().statusUri(pod("fd00::12")))
        .contains(URI.create("http://[fd00::12]:" + port + "/status"));
    assertThat(TrainerEndpoint.podIp().statusUri(pod(null))).isEmpty();
    assertThat(TrainerEndpoint.podIp().statusUri(new Pod())).isEmpty();
  }
}
