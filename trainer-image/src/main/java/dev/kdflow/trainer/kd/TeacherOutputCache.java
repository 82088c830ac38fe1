package dev.kdflow.trainer.kd;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.kdflow.trainer.data.BatchSource;

/**
 * The frozen teacher's outputs (its logits; each teacher's, for several) for every image of an
 * unaugmented split, computed once in a fixed order. The teacher never changes and, without
 * augmentation, neither do its inputs, so every epoch after that skips the teacher's forward pass
 * (on CPU ~95 % of a KD step). Because the pass runs in the same order for a fresh and a resumed
 * run, resuming stays exact.
 */
public final class TeacherOutputCache {
  private final float[][] outputs;
  private final int[] widths;

  private TeacherOutputCache(float[][] outputs, int[] widths) {
    this.outputs = outputs;
    this.widths = widths;
  }

  /**
   * Runs the teacher over a split, in order. Every output of the teacher's pass is kept: one [N, C]
   * array for a teacher, or one per teacher of a {@link TeacherEnsemble} that sums losses.
   *
   * @return the cache, or null when an output of the teacher is not [N, C] or all would need more
   *     than {@code maxBytes}
   */
  public static TeacherOutputCache compute(
      KDModule module, ParameterStore ps, BatchSource batches, long maxBytes) {
    BatchSource ordered = batches.inOrder();
    BatchSource.Epoch epoch = ordered.epoch(0);
    float[][] all = null;
    int[] widths = null;
    int done = 0;
    try (NDManager manager = NDManager.newBaseManager(ps.getManager().getDevice())) {
      while (epoch.hasNext()) {
        try (NDScope scope = new NDScope();
            NDManager m = manager.newSubManager()) {
          scope.suppressNotUsedWarning();
          BatchSource.Batch b = epoch.next(m);
          NDList out = module.forwardTeacher(ps, new NDList(b.images()));
          if (out.isEmpty() || out.stream().anyMatch(a -> a.getShape().dimension() != 2)) {
            return null;
          }
          if (all == null) {
            widths = new int[out.size()];
            long bytes = 0;
            for (int k = 0; k < out.size(); k++) {
              widths[k] = (int) out.get(k).getShape().get(1);
              bytes += 4L * widths[k] * ordered.size();
            }
            if (bytes > maxBytes || bytes > Integer.MAX_VALUE) {
              return null;
            }
            all = new float[out.size()][];
            for (int k = 0; k < out.size(); k++) {
              all[k] = new float[widths[k] * ordered.size()];
            }
          }
          if (out.size() != all.length) {
            return null;
          }
          for (int k = 0; k < out.size(); k++) {
            float[] v = out.get(k).toFloatArray();
            System.arraycopy(v, 0, all[k], done * widths[k], v.length);
          }
          done += b.size();
        }
      }
    }
    return all == null ? null : new TeacherOutputCache(all, widths);
  }

  /** The cached outputs of a batch's images, each [n, C], created in {@code manager}. */
  public NDList lookup(int[] indices, NDManager manager) {
    NDList list = new NDList(outputs.length);
    for (int k = 0; k < outputs.length; k++) {
      int w = widths[k];
      float[] out = new float[indices.length * w];
      for (int i = 0; i < indices.length; i++) {
        System.arraycopy(outputs[k], indices[i] * w, out, i * w, w);
      }
      list.add(manager.create(out, new Shape(indices.length, w)));
    }
    return list;
  }
}
