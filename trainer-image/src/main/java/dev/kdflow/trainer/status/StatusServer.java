package dev.kdflow.trainer.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kdflow.api.trainer.TrainerReport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Serves a running trainer's progress: {@code GET /status} (a {@link TrainerReport} as JSON),
 * {@code GET /metrics} (Prometheus text format) and {@code GET /healthz}. The operator polls {@code
 * /status}; Prometheus may scrape {@code /metrics}. Uses the JDK's HTTP server: nothing to add to a
 * training pod.
 */
public final class StatusServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;

  private StatusServer(HttpServer server) {
    this.server = server;
  }

  /**
   * Starts serving on all interfaces.
   *
   * @param port the TCP port; 0 picks a free one (see {@link #port()})
   * @param reports the current report, asked for on every request
   */
  public static StatusServer start(int port, Supplier<TrainerReport> reports) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
    server.createContext(
        "/status",
        exchange -> respond(exchange, "application/json", JSON.writeValueAsBytes(reports.get())));
    server.createContext(
        "/metrics",
        exchange ->
            respond(
                exchange,
                "text/plain; version=0.0.4; charset=utf-8",
                PrometheusFormat.render(reports.get()).getBytes(StandardCharsets.UTF_8)));
    server.createContext(
        "/healthz",
        exchange -> respond(exchange, "text/plain", "ok\n".getBytes(StandardCharsets.UTF_8)));
    server.setExecutor(
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "kdflow-status");
              t.setDaemon(true);
              return t;
            }));
    server.start();
    return new StatusServer(server);
  }

  /** The port actually bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, String type, byte[] body) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
