package dev.kdflow.operator.trainer;

import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.operator.status.TrainerReportMapper;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches {@code GET /status} from a trainer with the JDK HTTP client's asynchronous API and short
 * timeouts: a slow, stalled or absent trainer holds a request slot of the {@link TrainerPoller} at
 * most twice {@link #DEFAULT_TIMEOUT} and no thread; answers over {@value #MAX_BODY_BYTES} bytes
 * are not read.
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

  /** Waits for {@link #fetchAsync}; the wait is bounded by twice the timeout. */
  @Override
  public Optional<TrainerReport> fetch(Pod pod) {
    return fetchAsync(pod, Runnable::run).join();
  }

  /**
   * Sends the request without blocking a thread while it waits: the JDK client's selector does the
   * waiting. Completes (never exceptionally) within twice the timeout, body included.
   */
  @Override
  public CompletableFuture<Optional<TrainerReport>> fetchAsync(Pod pod, Executor executor) {
    Optional<URI> uri = endpoint.statusUri(pod);
    if (uri.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    CompletableFuture<HttpResponse<byte[]>> response;
    try {
      response =
          http.sendAsync(
              HttpRequest.newBuilder(uri.get())
                  .timeout(timeout)
                  .header("Accept", "application/json")
                  .GET()
                  .build(),
              info -> new LimitedBody(MAX_BODY_BYTES));
    } catch (RuntimeException e) {
      LOG.debug("no status from {}: {}", uri.get(), e.toString());
      return CompletableFuture.completedFuture(Optional.empty());
    }
    // the request timeout ends at the response headers; this bounds the body too
    return response
        .orTimeout(2 * timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (r, error) -> {
              if (error != null) {
                response.cancel(true);
                LOG.debug("no status from {}: {}", uri.get(), error.toString());
                return Optional.<TrainerReport>empty();
              }
              if (r.statusCode() != 200 || r.body() == null) {
                LOG.debug(
                    "{} answered {} ({} bytes at most are read)",
                    uri.get(),
                    r.statusCode(),
                    MAX_BODY_BYTES);
                return Optional.<TrainerReport>empty();
              }
              return TrainerReportMapper.parse(new String(r.body(), StandardCharsets.UTF_8));
            });
  }

  /** Collects a body of at most {@code max} bytes; a longer one is cut off and gives null. */
  static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int max;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    LimitedBody(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer b : items) {
        if (result.isDone()) {
          return;
        }
        if (out.size() + b.remaining() > max) {
          subscription.cancel();
          result.complete(null);
          return;
        }
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        out.writeBytes(bytes);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }
}
