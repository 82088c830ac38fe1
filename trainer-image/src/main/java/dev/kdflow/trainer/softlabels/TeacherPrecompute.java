package dev.kdflow.trainer.softlabels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.training.ExperimentDirectory;
import java.io.IOException;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * Runs the frozen teacher over the training views of epochs {@code [a, b)} (or the one unaugmented
 * view of every image) of one shard of the sample indices, and stores the top-k of each output in
 * that shard's file. Views come from {@link BatchSource#view}, the same pure function of (seed,
 * epoch, index) training uses, so the stored outputs are the teacher's outputs for exactly the
 * images the student will see. Memory is bounded by one batch.
 */
public final class TeacherPrecompute {
  private final BatchSource views;
  private final SoftLabelKey key;
  private final UnaryOperator<NDArray> teacher;
  private final int batchSize;

  /**
   * @param views the training split as training sees it (same seed, augmentation, normalisation)
   * @param key what the soft labels are computed for; its sample count must be the split's
   * @param teacher the teacher's forward pass (adapter included): NCHW images to [n, classes]
   * @param batchSize views per teacher call
   */
  public TeacherPrecompute(
      BatchSource views, SoftLabelKey key, UnaryOperator<NDArray> teacher, int batchSize) {
    if (key.samples() != views.size()) {
      throw new IllegalArgumentException(
          "the key is for " + key.samples() + " samples, the split has " + views.size());
    }
    this.views = views;
    this.key = key;
    this.teacher = teacher;
    this.batchSize = Math.max(1, batchSize);
  }

  /**
   * Computes and writes one shard.
   *
   * @param dir the experiment directory (the shard goes to its soft-label folder)
   * @param epochStart first epoch (0-based); ignored for an unaugmented key
   * @param epochEnd epoch after the last
   * @param shard this shard's number, 0-based
   * @param shards shards the samples are split into
   * @param manager where the batch arrays live (its device runs the teacher)
   * @param progress receives the views done so far after every batch
   * @return the index written
   */
  public ShardIndex run(
      ExperimentDirectory dir,
      int epochStart,
      int epochEnd,
      int shard,
      int shards,
      NDManager manager,
      IntConsumer progress)
      throws IOException {
    int a = key.unaugmented() ? 0 : epochStart;
    int b = key.unaugmented() ? 1 : epochEnd;
    if (a < 0 || b <= a) {
      throw new IllegalArgumentException(
          "--epochs must be a:b with 0 <= a < b, got " + epochStart + ":" + epochEnd);
    }
    int[] range = ShardIndex.sampleRange(shard, shards, views.size());
    int first = range[0];
    int count = range[1] - range[0];
    int k = key.topK();
    int classes = key.classes();
    var data = dir.softLabelShard(a, b, key.unaugmented(), shard, shards);
    int done = 0;
    try (ShardFile.Writer writer =
        new ShardFile.Writer(data, ExperimentDirectory.shardIndexOf(data), k)) {
      float[] values = new float[k];
      int[] indices = new int[k];
      for (int epoch = a; epoch < b; epoch++) {
        int e = epoch;
        for (int start = first; start < first + count; start += batchSize) {
          int n = Math.min(batchSize, first + count - start);
          Shape shape = views.batchShape(n);
          int per = (int) (shape.size() / n);
          float[] pixels = new float[(int) shape.size()];
          int s0 = start;
          // views are pure functions of (seed, epoch, index): any thread may make any of them
          IntStream.range(0, n)
              .parallel()
              .forEach(i -> System.arraycopy(views.view(e, s0 + i), 0, pixels, i * per, per));
          float[] logits;
          try (NDManager m = manager.newSubManager()) {
            NDArray out = teacher.apply(m.create(pixels, shape));
            if (out.getShape().dimension() != 2
                || out.getShape().get(0) != n
                || out.getShape().get(1) != classes) {
              throw new IllegalStateException(
                  "the teacher's output is "
                      + out.getShape()
                      + ", expected ("
                      + n
                      + ", "
                      + classes
                      + ")");
            }
            logits = out.toFloatArray();
          }
          for (int i = 0; i < n; i++) {
            float lse = TopKLogits.select(logits, i * classes, classes, k, values, indices);
            writer.write(values, indices, lse);
          }
          done += n;
          progress.accept(done);
        }
      }
      return writer.commit(
          new ShardIndex(ShardIndex.FORMAT, key, a, b, shard, shards, first, count, 0, null));
    }
  }
}
