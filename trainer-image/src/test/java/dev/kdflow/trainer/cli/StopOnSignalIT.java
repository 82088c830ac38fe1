package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.trainer.status.TerminationMessage;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a pod deletion does to a training process: SIGTERM stops it at a step boundary with exit
 * 143, the termination message says where it stopped, and {@code --resume} finishes the run. Runs
 * kdflow as a real child process (signals cannot be sent to this JVM's own threads).
 */
class StopOnSignalIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path tmp;

  @Test
  void sigtermStopsCleanlyAndResumeFinishesTheRun() throws Exception {
    Path root = tmp.resolve("checkpoints");
    // Enough epochs that the run is still going when the signal comes.
    Path file = CliRun.write(tmp.resolve("kd.yaml"), CliRun.manifest("stopped-kd", root, 50));
    Path termination = tmp.resolve("termination-log");
    int port = freePort();

    Process p =
        kdflow(
            "run",
            file.toString(),
            "--status-port=" + port,
            "--termination-message-path=" + termination,
            "--progress=plain");
    TrainerReport running =
        awaitStatus(p, port, r -> r.getPhase() == TrainerReport.Phase.RUNNING && r.getEpoch() >= 1);
    assertThat(running.getTotalEpochs()).isEqualTo(50);
    assertThat(running.getStepsPerEpoch()).isEqualTo(4);
    assertThat(running.getCheckpoints().getLatest().getPath())
        .isEqualTo(root.resolve("stopped-kd/ckpt_latest").toString());

    p.destroy(); // SIGTERM
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(ExitCodes.TERMINATED);

    TrainerReport last = TerminationMessage.read(Files.readString(termination));
    assertThat(last.getPhase()).isEqualTo(TrainerReport.Phase.FAILED);
    assertThat(last.getReason()).contains("stopped").contains("resumes");
    assertThat(last.getExitCode()).isEqualTo(ExitCodes.TERMINATED);
    int stoppedAt = last.getEpoch();
    assertThat(stoppedAt).isBetween(1, 49);
    int saved =
        JSON.readTree(root.resolve("stopped-kd/ckpt_latest/state.json").toFile())
            .get("epoch")
            .asInt();
    assertThat(saved).isEqualTo(stoppedAt);

    CliRun resumed =
        CliRun.of(
            "run",
            file.toString(),
            "--resume",
            "training.maxEpochs=" + (stoppedAt + 1),
            "--progress=quiet");
    assertThat(resumed.exitCode()).as(resumed.err()).isEqualTo(ExitCodes.OK);
    assertThat(resumed.out()).contains("resuming after epoch " + stoppedAt);
  }

  private static Process kdflow(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dai.djl.offline=true");
    command.add("-Dai.djl.pytorch.num_threads=2");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(KDFlowCli.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  /** Polls /status until the report satisfies the condition (or the process dies). */
  private static TrainerReport awaitStatus(Process p, int port, Predicate<TrainerReport> condition)
      throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
            .timeout(Duration.ofSeconds(2))
            .build();
    while (Instant.now().isBefore(deadline)) {
      assertThat(p.isAlive()).as("kdflow exited early with " + exitOf(p)).isTrue();
      try {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        TrainerReport r = JSON.readValue(response.body(), TrainerReport.class);
        if (condition.test(r)) {
          return r;
        }
      } catch (IOException notYetServing) {
        // The JVM is still starting.
      }
      Thread.onSpinWait();
      TimeUnit.MILLISECONDS.sleep(100);
    }
    p.destroyForcibly();
    throw new AssertionError("the trainer's /status never satisfied the condition");
  }

  private static String exitOf(Process p) {
    return p.isAlive() ? "-" : String.valueOf(p.exitValue());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
