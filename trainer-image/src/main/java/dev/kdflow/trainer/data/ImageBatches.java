package dev.kdflow.trainer.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Serves an in-memory {@link ImageData} split as batches: normalisation, optional random crop with
 * zero padding and horizontal flip (see {@link SampleAugmentation}), optional shuffling. The order
 * of epoch {@code e} depends only on {@code (seed, e)} and each image's view only on {@code (seed,
 * e, index)}, never on earlier epochs. Batches are assembled on the calling thread: copying from
 * memory costs microseconds per image, so worker threads would not pay for themselves.
 */
public final class ImageBatches implements BatchSource {
  private final ImageData data;
  private final Normalization normalization;
  private final int batchSize;
  private final boolean shuffle;
  private final SampleAugmentation augmentation;
  private final long seed;

  /**
   * @param data the split
   * @param normalization per-channel mean/std applied to every image
   * @param batchSize images per batch (the last batch may be smaller)
   * @param shuffle shuffle the order every epoch
   * @param cropPadding zero padding before a random crop back to the image size; 0 disables
   * @param horizontalFlip flip half of the images left-right
   * @param seed seeds order and augmentation
   */
  public ImageBatches(
      ImageData data,
      Normalization normalization,
      int batchSize,
      boolean shuffle,
      int cropPadding,
      boolean horizontalFlip,
      long seed) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (normalization.mean().length != data.channels()) {
      throw new IllegalArgumentException(
          "normalisation has "
              + normalization.mean().length
              + " channel(s) but the data has "
              + data.channels());
    }
    this.data = data;
    this.normalization = normalization;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.augmentation =
        new SampleAugmentation(
            Math.max(0, cropPadding), horizontalFlip, false, SampleAugmentation.NONE.minScale());
    this.seed = seed;
  }

  /** Validation batches: in order, no augmentation. */
  public static ImageBatches sequential(ImageData data, Normalization norm, int batchSize) {
    return new ImageBatches(data, norm, batchSize, false, 0, false, 0L);
  }

  public ImageData data() {
    return data;
  }

  @Override
  public Normalization normalization() {
    return normalization;
  }

  @Override
  public boolean isAugmented() {
    return augmentation.isRandom();
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public int size() {
    return data.size();
  }

  @Override
  public Shape batchShape(int n) {
    return new Shape(n, data.channels(), data.height(), data.width());
  }

  @Override
  public Epoch epoch(int epochIndex) {
    return new InMemoryEpoch(epochIndex);
  }

  @Override
  public BatchSource inOrder() {
    return sequential(data, normalization, batchSize);
  }

  @Override
  public float[] view(int epochIndex, int index) {
    float[] out = new float[data.imageSize()];
    copyImage(epochIndex, index, out, 0);
    return out;
  }

  @Override
  public int label(int index) {
    return data.labels()[index];
  }

  private void copyImage(int epochIndex, int index, float[] out, int offset) {
    augmentation.shiftFlipNormalize(
        data.pixels(),
        index * data.imageSize(),
        data.channels(),
        data.height(),
        data.width(),
        SampleAugmentation.random(seed, epochIndex, index),
        normalization,
        out,
        offset);
  }

  /** The order of an epoch's images: a permutation drawn from {@code (seed, epoch)} alone. */
  static int[] order(int size, boolean shuffle, long seed, int epochIndex) {
    int[] order = new int[size];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    if (shuffle) {
      SplittableRandom random = new SplittableRandom(mix(seed, epochIndex));
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  /** Iterates the batches of one epoch. */
  private final class InMemoryEpoch implements Epoch {
    private final int epochIndex;
    private final int[] order;
    private final float[] buffer;
    private int next;

    private InMemoryEpoch(int epochIndex) {
      this.epochIndex = epochIndex;
      this.order = order(data.size(), shuffle, seed, epochIndex);
      this.buffer = new float[batchSize * data.imageSize()];
    }

    @Override
    public boolean hasNext() {
      return next < order.length;
    }

    @Override
    public Batch next(NDManager manager) {
      int n = Math.min(batchSize, order.length - next);
      int size = data.imageSize();
      int[] indices = new int[n];
      long[] labels = new long[n];
      for (int b = 0; b < n; b++) {
        int index = order[next + b];
        indices[b] = index;
        copyImage(epochIndex, index, buffer, b * size);
        labels[b] = data.labels()[index];
      }
      next += n;
      NDArray x = manager.create(FloatBuffer.wrap(buffer, 0, n * size), batchShape(n));
      return new Batch(x, manager.create(labels), n, indices);
    }
  }

  /** A well-mixed 64-bit seed from (seed, epoch) (SplitMix64 finaliser). */
  public static long mix(long seed, long epoch) {
    long z = seed * 0x9E3779B97F4A7C15L + epoch + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
