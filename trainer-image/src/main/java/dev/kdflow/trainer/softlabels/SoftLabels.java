package dev.kdflow.trainer.softlabels;

import dev.kdflow.trainer.training.ExperimentDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The precomputed soft labels a training run may use: every shard under {@code softlabels/} whose
 * key matches the run's and whose checksum holds. Shards made for another teacher, augmentation or
 * dataset, and damaged ones, are refused with a reason each ({@link #refused()}); views no usable
 * shard holds are reported as missing, and the caller runs the teacher for them.
 */
public final class SoftLabels {
  private final List<ShardFile> shards;
  private final List<String> refused;
  private final SoftLabelKey key;
  private ShardFile last;

  private SoftLabels(List<ShardFile> shards, List<String> refused, SoftLabelKey key) {
    this.shards = shards;
    this.refused = refused;
    this.key = key;
  }

  /**
   * Opens every finished shard in {@code folder} (shards without an index are unfinished and
   * skipped).
   *
   * @param folder the experiment's soft-label folder; it may not exist
   * @param expected the key this run's views and teacher have
   */
  public static SoftLabels open(Path folder, SoftLabelKey expected) throws IOException {
    List<ShardFile> usable = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    if (Files.isDirectory(folder)) {
      List<Path> indexes;
      try (Stream<Path> files = Files.list(folder)) {
        indexes =
            files
                .filter(
                    p ->
                        p.getFileName().toString().endsWith(ExperimentDirectory.SHARD_INDEX_SUFFIX))
                .sorted()
                .toList();
      }
      for (Path indexFile : indexes) {
        try {
          ShardIndex index = ShardFile.readIndex(indexFile);
          List<String> differences = index.key().differences(expected);
          if (!differences.isEmpty()) {
            refused.add(indexFile.getFileName() + " is stale: " + String.join("; ", differences));
            continue;
          }
          usable.add(ShardFile.open(index, ExperimentDirectory.shardDataOf(indexFile)));
        } catch (IOException | RuntimeException e) {
          refused.add(indexFile.getFileName() + ": " + e.getMessage());
        }
      }
    }
    return new SoftLabels(usable, refused, expected);
  }

  /** The usable shards. */
  public List<ShardIndex> shards() {
    return shards.stream().map(ShardFile::index).toList();
  }

  /** The refused shards, each with its reason. */
  public List<String> refused() {
    return refused;
  }

  /** Classes per view. */
  public int classes() {
    return key.classes();
  }

  /**
   * The logits of a batch's views, [n, classes] row-major; null when a view is held by no usable
   * shard ({@link #missing} says which and why).
   */
  public float[] logits(int epoch, int[] samples) {
    int c = key.classes();
    float[] out = new float[samples.length * c];
    for (int i = 0; i < samples.length; i++) {
      ShardFile s = shardOf(epoch, samples[i]);
      if (s == null) {
        return null;
      }
      s.logits(epoch, samples[i], out, i * c);
    }
    return out;
  }

  /** Why the first view of {@code samples} that no usable shard holds is missing; null if none. */
  public String missing(int epoch, int[] samples) {
    for (int sample : samples) {
      if (shardOf(epoch, sample) == null) {
        String why =
            "no usable shard holds sample "
                + sample
                + " of epoch "
                + (epoch + 1)
                + " (0-based "
                + epoch
                + ")";
        if (shards.isEmpty()) {
          why += refused.isEmpty() ? "; there are no finished shards" : "; refused: " + refused;
        }
        return why;
      }
    }
    return null;
  }

  private ShardFile shardOf(int epoch, int sample) {
    ShardFile l = last;
    if (l != null && l.index().covers(epoch, sample)) {
      return l;
    }
    for (ShardFile s : shards) {
      if (s.index().covers(epoch, sample)) {
        last = s;
        return s;
      }
    }
    return null;
  }
}
