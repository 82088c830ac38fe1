package dev.kdflow.trainer.softlabels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.kdflow.trainer.training.ExperimentDirectory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Top-k reduction and reconstruction, and shard files written, verified, refused. */
class ShardFileTest {
  private static final int CLASSES = 7;

  @TempDir Path tmp;

  private static float[] randomLogits(int rows, long seed) {
    Random r = new Random(seed);
    float[] out = new float[rows * CLASSES];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (3 * r.nextGaussian());
    }
    return out;
  }

  private static SoftLabelKey key(int k, String teacher) {
    return new SoftLabelKey(teacher, k, CLASSES, 10, false, "seed 1; flip");
  }

  /** Writes the records of samples [first, first + count) for epochs [a, b) from logits(e, s). */
  private static ShardIndex write(
      ExperimentDirectory dir, SoftLabelKey key, int a, int b, int shard, int shards)
      throws IOException {
    int[] range = ShardIndex.sampleRange(shard, shards, key.samples());
    Path data = dir.softLabelShard(a, b, false, shard, shards);
    try (ShardFile.Writer w =
        new ShardFile.Writer(data, ExperimentDirectory.shardIndexOf(data), key.topK())) {
      float[] values = new float[key.topK()];
      int[] idx = new int[key.topK()];
      for (int e = a; e < b; e++) {
        for (int s = range[0]; s < range[1]; s++) {
          float lse = TopKLogits.select(viewLogits(e, s), 0, CLASSES, key.topK(), values, idx);
          w.write(values, idx, lse);
        }
      }
      return w.commit(
          new ShardIndex(
              ShardIndex.FORMAT, key, a, b, shard, shards, range[0], range[1] - range[0], 0, null));
    }
  }

  private static float[] viewLogits(int epoch, int sample) {
    return randomLogits(1, 1000L * epoch + sample);
  }

  @Test
  void allClassesReconstructTheLogitsExactly() {
    float[] logits = randomLogits(1, 5);
    float[] values = new float[CLASSES];
    int[] idx = new int[CLASSES];
    float lse = TopKLogits.select(logits, 0, CLASSES, CLASSES, values, idx);
    for (int j = 1; j < CLASSES; j++) {
      assertThat(values[j]).isLessThanOrEqualTo(values[j - 1]);
    }
    float[] back = new float[CLASSES];
    TopKLogits.reconstruct(values, idx, lse, CLASSES, back, 0);
    assertThat(back).containsExactly(logits);
  }

  @Test
  void topKKeepsTheKeptProbabilitiesAndSpreadsTheRestUniformly() {
    float[] logits = randomLogits(1, 9);
    int k = 3;
    float[] values = new float[k];
    int[] idx = new int[k];
    float lse = TopKLogits.select(logits, 0, CLASSES, k, values, idx);
    float[] back = new float[CLASSES];
    TopKLogits.reconstruct(values, idx, lse, CLASSES, back, 0);
    double[] p = softmax(logits);
    double[] q = softmax(back);
    double rest = 1;
    for (int j = 0; j < k; j++) {
      assertThat(q[idx[j]]).as("kept class %d", idx[j]).isCloseTo(p[idx[j]], within(1e-6));
      rest -= p[idx[j]];
    }
    java.util.Set<Integer> kept = java.util.Set.of(idx[0], idx[1], idx[2]);
    for (int c = 0; c < CLASSES; c++) {
      if (!kept.contains(c)) {
        assertThat(q[c]).as("other class %d", c).isCloseTo(rest / (CLASSES - k), within(1e-6));
        assertThat(Float.isFinite(back[c])).isTrue();
      }
    }
  }

  private static double[] softmax(float[] x) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : x) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = Math.exp(x[i] - max);
      sum += out[i];
    }
    for (int i = 0; i < x.length; i++) {
      out[i] /= sum;
    }
    return out;
  }

  @Test
  void shardsRoundTripAndEveryViewIsFoundInItsShard() throws IOException {
    ExperimentDirectory dir = new ExperimentDirectory(tmp.resolve("exp"));
    SoftLabelKey key = key(CLASSES, "sha256:a");
    write(dir, key, 0, 2, 0, 3);
    write(dir, key, 0, 2, 1, 3);
    write(dir, key, 0, 2, 2, 3);
    try (Stream<Path> files = Files.list(dir.softLabels())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary file is left")
          .containsExactlyInAnyOrder(
              "epochs-0-2-shard-00000-of-00003.bin",
              "epochs-0-2-shard-00000-of-00003.json",
              "epochs-0-2-shard-00001-of-00003.bin",
              "epochs-0-2-shard-00001-of-00003.json",
              "epochs-0-2-shard-00002-of-00003.bin",
              "epochs-0-2-shard-00002-of-00003.json");
    }
    SoftLabels labels = SoftLabels.open(dir.softLabels(), key);
    assertThat(labels.shards()).hasSize(3);
    assertThat(labels.refused()).isEmpty();
    int[] samples = {9, 0, 4, 3, 7};
    for (int e = 0; e < 2; e++) {
      float[] got = labels.logits(e, samples);
      for (int i = 0; i < samples.length; i++) {
        float[] want = viewLogits(e, samples[i]);
        for (int c = 0; c < CLASSES; c++) {
          assertThat(got[i * CLASSES + c]).isEqualTo(want[c]);
        }
      }
    }
    assertThat(labels.logits(2, samples)).as("epoch 3 was not precomputed").isNull();
    assertThat(labels.missing(2, samples)).contains("sample 9 of epoch 3");
  }

  @Test
  void aMissingShardLeavesItsSamplesMissing() throws IOException {
    ExperimentDirectory dir = new ExperimentDirectory(tmp.resolve("exp"));
    SoftLabelKey key = key(CLASSES, "sha256:a");
    write(dir, key, 0, 1, 0, 2);
    SoftLabels labels = SoftLabels.open(dir.softLabels(), key);
    assertThat(labels.logits(0, new int[] {0, 4})).isNotNull();
    assertThat(labels.logits(0, new int[] {0, 5})).isNull();
    assertThat(labels.missing(0, new int[] {0, 5})).contains("sample 5");
  }

  @Test
  void staleShardsAreRefusedNamingWhatDiffers() throws IOException {
    ExperimentDirectory dir = new ExperimentDirectory(tmp.resolve("exp"));
    write(dir, key(CLASSES, "sha256:old-teacher"), 0, 1, 0, 1);
    SoftLabels labels = SoftLabels.open(dir.softLabels(), key(CLASSES, "sha256:new-teacher"));
    assertThat(labels.shards()).isEmpty();
    assertThat(labels.refused())
        .singleElement()
        .asString()
        .contains("stale", "teacher is sha256:old-teacher in the shard but sha256:new-teacher");
    assertThat(labels.missing(0, new int[] {1})).contains("refused", "stale");
  }

  @Test
  void aDamagedShardIsRefusedByItsChecksum() throws IOException {
    ExperimentDirectory dir = new ExperimentDirectory(tmp.resolve("exp"));
    SoftLabelKey key = key(3, "sha256:a");
    write(dir, key, 0, 1, 0, 1);
    Path data = dir.softLabelShard(0, 1, false, 0, 1);
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), 17);
    }
    SoftLabels labels = SoftLabels.open(dir.softLabels(), key);
    assertThat(labels.shards()).isEmpty();
    assertThat(labels.refused()).singleElement().asString().contains("damaged", "CRC32C");
  }

  @Test
  void aShardWithoutItsIndexIsUnfinishedAndATruncatedOneIsRefused() throws IOException {
    ExperimentDirectory dir = new ExperimentDirectory(tmp.resolve("exp"));
    SoftLabelKey key = key(CLASSES, "sha256:a");
    ShardIndex written = write(dir, key, 0, 1, 0, 1);
    Path data = dir.softLabelShard(0, 1, false, 0, 1);
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
      ch.truncate(written.bytes() - 4);
    }
    assertThat(SoftLabels.open(dir.softLabels(), key).refused())
        .singleElement()
        .asString()
        .contains("bytes");
    Files.delete(ExperimentDirectory.shardIndexOf(data));
    SoftLabels none = SoftLabels.open(dir.softLabels(), key);
    assertThat(none.shards()).isEmpty();
    assertThat(none.refused()).isEmpty();
  }

  @Test
  void anUncommittedWriterLeavesNothing() throws IOException {
    ExperimentDirectory dir = new ExperimentDirectory(tmp.resolve("exp"));
    Path data = dir.softLabelShard(0, 1, false, 0, 1);
    try (ShardFile.Writer w =
        new ShardFile.Writer(data, ExperimentDirectory.shardIndexOf(data), 2)) {
      w.write(new float[] {1, 0}, new int[] {0, 1}, 2f);
    }
    try (Stream<Path> files = Files.list(dir.softLabels())) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void shardsPartitionTheSamples() {
    int covered = 0;
    for (int s = 0; s < 7; s++) {
      int[] r = ShardIndex.sampleRange(s, 7, 100);
      assertThat(r[0]).isEqualTo(covered);
      covered = r[1];
    }
    assertThat(covered).isEqualTo(100);
    assertThatThrownBy(() -> ShardIndex.sampleRange(3, 3, 10)).hasMessageContaining("[0, 3)");
  }
}
