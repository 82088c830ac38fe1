package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.trainer.TrainerReport;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTableTest {
  @Test
  void alignsColumnsAndShowsStudentAndTeacherAccuracy() {
    TrainerReport kd = new TrainerReport();
    kd.setExperiment("fashion-mnist-kd");
    kd.setEpoch(6);
    kd.setTotalEpochs(6);
    TrainerReport.Best best = new TrainerReport.Best();
    best.setMetric("top1");
    best.setValue(0.8912);
    best.setEpoch(5);
    kd.setBest(best);
    TrainerReport.Metrics latest = new TrainerReport.Metrics();
    latest.setTeacherTop1(0.9105);
    kd.setLatest(latest);
    TrainerReport teacher = new TrainerReport();
    teacher.setExperiment("teacher");
    teacher.setEpoch(1);
    teacher.setTotalEpochs(3);

    String table =
        new SummaryTable()
            .add(teacher, "failed", "checkpoints/teacher", null)
            .add(kd, "trained", "checkpoints/fashion-mnist-kd", "r/index.html")
            .render();

    List<String> lines = table.lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("experiment        status   epochs");
    assertThat(lines.get(1)).matches("-+");
    assertThat(lines.get(2)).startsWith("teacher           failed   1/3     -");
    assertThat(lines.get(3))
        .contains("89.12% top1 @5")
        .contains("91.05% top1")
        .endsWith("r/index.html");
    // Every column starts at the same offset in every row.
    int reportColumn = lines.get(0).indexOf("report");
    assertThat(lines.get(3).indexOf("r/index.html")).isEqualTo(reportColumn);
    assertThat(Path.of(lines.get(3).substring(reportColumn)).toString()).isEqualTo("r/index.html");
  }
}
