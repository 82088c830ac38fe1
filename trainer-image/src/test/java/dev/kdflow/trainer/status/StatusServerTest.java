package dev.kdflow.trainer.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.trainer.TrainerReport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StatusServerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void servesTheCurrentReportAsJsonAndPrometheusText() throws Exception {
    AtomicReference<TrainerReport> current = new AtomicReference<>(report(1, 0.5));
    try (StatusServer server = StatusServer.start(0, current::get)) {
      TrainerReport first =
          new ObjectMapper().readValue(get(server, "/status").body(), TrainerReport.class);
      assertThat(first.getEpoch()).isEqualTo(1);
      assertThat(first.getLatest().getTop1()).isEqualTo(0.5);

      current.set(report(2, 0.75));
      HttpResponse<String> metrics = get(server, "/metrics");
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
      assertThat(metrics.body())
          .contains("kdflow_trainer_epoch{experiment=\"exp\"} 2\n")
          .contains(
              "kdflow_trainer_validation_accuracy{experiment=\"exp\",model=\"student\",k=\"1\"}"
                  + " 0.75\n")
          .contains("# TYPE kdflow_trainer_loss gauge");
      assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
    }
  }

  private HttpResponse<String> get(StatusServer server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static TrainerReport report(int epoch, double top1) {
    TrainerReport r = new TrainerReport();
    r.setPhase(TrainerReport.Phase.RUNNING);
    r.setExperiment("exp");
    r.setEpoch(epoch);
    r.setTotalEpochs(3);
    r.setStep(100L * epoch);
    TrainerReport.Metrics m = new TrainerReport.Metrics();
    m.setLoss(1.25);
    m.setTaskLoss(1.0);
    m.setDistillLoss(1.5);
    m.setTop1(top1);
    r.setLatest(m);
    return r;
  }
}
