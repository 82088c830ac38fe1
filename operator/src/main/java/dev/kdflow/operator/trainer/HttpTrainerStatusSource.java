package dev.kdflow.operator.trainer;

import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.operator.status.TrainerReportMapper;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches {@code GET /status} from a trainer with the JDK HTTP client and short timeouts: a slow or
 * absent trainer costs a reconciliation at most {@link #DEFAULT_TIMEOUT} twice and never fails it.
 */
public final class HttpTrainerStatusSource implements TrainerStatusSource {
  private static final Logger LOG = LoggerFactory.getLogger(HttpTrainerStatusSource.class);

  /** Connect and request timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  /** Larger answers are not a trainer report (the trainer's is a few KiB). */
  static final int MAX_BODY_BYTES = 256 * 1024;

  private final TrainerEndpoint endpoint;
  private final Duration timeout;
  private final HttpClient http;

  /** A source asking the given endpoint, with {@link #DEFAULT_TIMEOUT}. */
  public HttpTrainerStatusSource(TrainerEndpoint endpoint) {
    this(endpoint, DEFAULT_TIMEOUT);
  }

  /** A source asking the given endpoint with the given connect and request timeout. */
  public HttpTrainerStatusSource(TrainerEndpoint endpoint, Duration timeout) {
    this.endpoint = endpoint;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  /** Production: the pod's IP and the contract's status port. */
  public static HttpTrainerStatusSource podNetwork() {
    return new HttpTrainerStatusSource(TrainerEndpoint.podIp());
  }

  @Override
  public Optional<TrainerReport> fetch(Pod pod) {
    Optional<URI> uri = endpoint.statusUri(pod);
    if (uri.isEmpty()) {
      return Optional.empty();
    }
    try {
      HttpResponse<InputStream> response =
          http.send(
              HttpRequest.newBuilder(uri.get())
                  .timeout(timeout)
                  .header("Accept", "application/json")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          LOG.debug("{} answered {}", uri.get(), response.statusCode());
          return Optional.empty();
        }
        byte[] bytes = body.readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) {
          LOG.debug("{} answered more than {} bytes", uri.get(), MAX_BODY_BYTES);
          return Optional.empty();
        }
        return TrainerReportMapper.parse(new String(bytes, StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("no status from {}: {}", uri.get(), e.toString());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
