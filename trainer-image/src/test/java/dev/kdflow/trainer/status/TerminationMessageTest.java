package dev.kdflow.trainer.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.trainer.TrainerReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TerminationMessageTest {
  @TempDir Path tmp;

  @Test
  void aSmallReportIsWrittenWhole() throws Exception {
    TrainerReport r = StatusServerTest.report(3, 0.9);
    Path file = tmp.resolve("termination-log");
    TerminationMessage.write(file, r);
    assertThat(TerminationMessage.read(Files.readString(file))).isEqualTo(r);
  }

  @Test
  void anOversizedReportIsTrimmedBelowTheKubernetesLimitKeepingTheFigures() throws Exception {
    TrainerReport r = StatusServerTest.report(3, 0.9);
    r.setPhase(TrainerReport.Phase.FAILED);
    r.setReason("x".repeat(10_000));
    r.setCheckpoints(new TrainerReport.Checkpoints());
    for (int i = 0; i < 200; i++) {
      TrainerReport.Checkpoint c = new TrainerReport.Checkpoint();
      c.setPath("/checkpoints/exp/ckpt_epoch_" + i);
      c.setEpoch(i);
      r.getCheckpoints().getHistory().add(c);
    }
    byte[] bytes = TerminationMessage.encode(r);
    assertThat(bytes.length).isLessThanOrEqualTo(TerminationMessage.MAX_BYTES);
    TrainerReport back = TerminationMessage.read(new String(bytes, StandardCharsets.UTF_8));
    assertThat(back.getLatest()).isEqualTo(r.getLatest());
    assertThat(back.getEpoch()).isEqualTo(3);
    assertThat(back.getReason()).startsWith("xxxx").endsWith("…");
    // The caller's report is not modified by trimming.
    assertThat(r.getCheckpoints().getHistory()).hasSize(200);
  }
}
