package dev.kdflow.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.trainer.data.FashionMnist;
import dev.kdflow.trainer.data.ImageData;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The precomputed side of the KD epoch benchmark is the same training as the teacher in the loop:
 * soft labels precomputed as two shards for the epoch's augmented views serve every batch, and the
 * student ends the epoch where the run with the teacher in the loop ends it.
 */
class KDEpochBenchmarkIT {
  @TempDir Path dir;

  @Test
  void precomputedEpochTrainsLikeTheTeacherInTheLoop() throws IOException {
    ImageData data =
        FashionMnist.load(Path.of(DatasetSpec.DEFAULT_FASHION_MNIST_PATH), true, new DatasetSpec())
            .limit(512);
    KDEpochBenchmark.precompute(1, data, dir, 0, 2);
    ObjectNode half = KDEpochBenchmark.precompute(1, data, dir, 1, 2);
    assertThat(half.get("shard").asText()).isEqualTo("1/2");

    ObjectNode precomputed = KDEpochBenchmark.run("precomputed", 1, data, dir);
    ObjectNode inLoop = KDEpochBenchmark.run("teacher-in-loop", 1, data, null);

    assertThat(precomputed.get("soft_label_batches").asLong()).isEqualTo(2);
    assertThat(precomputed.get("train_loss").asDouble())
        .isCloseTo(inLoop.get("train_loss").asDouble(), within(1e-3));
    assertThat(precomputed.get("train_top1").asDouble())
        .isEqualTo(inLoop.get("train_top1").asDouble());
  }

  @Test
  void precomputedWithoutSoftLabelsFailsInsteadOfRunningTheTeacher() throws IOException {
    ImageData data =
        FashionMnist.load(Path.of(DatasetSpec.DEFAULT_FASHION_MNIST_PATH), true, new DatasetSpec())
            .limit(256);
    assertThatThrownBy(() -> KDEpochBenchmark.run("precomputed", 1, data, dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no usable soft labels");
  }

  @Test
  void shardMustBeIOfN() {
    assertThat(KDEpochBenchmark.parseShard("1/2")).containsExactly(1, 2);
    assertThatThrownBy(() -> KDEpochBenchmark.parseShard("2/2"))
        .hasMessageContaining("--shard must be I/N");
    assertThatThrownBy(() -> KDEpochBenchmark.parseShard("x"))
        .hasMessageContaining("--shard must be I/N");
  }
}
