package dev.kdflow.trainer.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Turns an {@link ImageData} split into batches: normalisation, optional random crop with zero
 * padding and horizontal flip, optional shuffling. The order and augmentation of epoch {@code e}
 * depend only on {@code (seed, e)}, never on earlier epochs, so a resumed run sees exactly the
 * batches an uninterrupted run would. Every batch's arrays are created in (and owned by) the
 * manager passed to {@link Epoch#next}; the in-memory data is never handed to the engine.
 */
public final class ImageBatches {
  private final ImageData data;
  private final Normalization normalization;
  private final int batchSize;
  private final boolean shuffle;
  private final int cropPadding;
  private final boolean horizontalFlip;
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
    this.cropPadding = Math.max(0, cropPadding);
    this.horizontalFlip = horizontalFlip;
    this.seed = seed;
  }

  /** Validation batches: in order, no augmentation. */
  public static ImageBatches sequential(ImageData data, Normalization norm, int batchSize) {
    return new ImageBatches(data, norm, batchSize, false, 0, false, 0L);
  }

  public ImageData data() {
    return data;
  }

  public Normalization normalization() {
    return normalization;
  }

  /** Whether batches are augmented (then the same image differs from epoch to epoch). */
  public boolean isAugmented() {
    return cropPadding > 0 || horizontalFlip;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Number of images. */
  public int size() {
    return data.size();
  }

  /** Batches per epoch. */
  public int numBatches() {
    return (data.size() + batchSize - 1) / batchSize;
  }

  /** Shape of one batch of {@code n} images. */
  public Shape batchShape(int n) {
    return new Shape(n, data.channels(), data.height(), data.width());
  }

  /** The batches of one epoch (0-based epoch index). */
  public Epoch epoch(int epochIndex) {
    return new Epoch(epochIndex);
  }

  /**
   * A labelled batch.
   *
   * @param images NCHW, normalised (and augmented)
   * @param labels int64 class indices
   * @param size images in the batch
   * @param indices each image's index in the dataset
   */
  public record Batch(NDArray images, NDArray labels, int size, int[] indices) {}

  /** Iterates the batches of one epoch. */
  public final class Epoch {
    private final int[] order;
    private final SplittableRandom augmentRandom;
    private final float[] buffer;
    private final long[] labelBuffer;
    private int next;

    private Epoch(int epochIndex) {
      SplittableRandom random = new SplittableRandom(mix(seed, epochIndex));
      order = new int[data.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      if (shuffle) {
        for (int i = order.length - 1; i > 0; i--) {
          int j = random.nextInt(i + 1);
          int t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
      }
      augmentRandom = random.split();
      buffer = new float[batchSize * data.imageSize()];
      labelBuffer = new long[batchSize];
    }

    public boolean hasNext() {
      return next < order.length;
    }

    /** The next batch, created in {@code manager}. */
    public Batch next(NDManager manager) {
      int n = Math.min(batchSize, order.length - next);
      int size = data.imageSize();
      int[] indices = new int[n];
      for (int b = 0; b < n; b++) {
        int index = order[next + b];
        indices[b] = index;
        copyImage(index, b * size);
        labelBuffer[b] = data.labels()[index];
      }
      next += n;
      NDArray x = manager.create(FloatBuffer.wrap(buffer, 0, n * size), batchShape(n));
      long[] y = new long[n];
      System.arraycopy(labelBuffer, 0, y, 0, n);
      return new Batch(x, manager.create(y), n, indices);
    }

    private void copyImage(int index, int out) {
      int c = data.channels();
      int h = data.height();
      int w = data.width();
      float[] src = data.pixels();
      int in = index * data.imageSize();
      int dy = 0;
      int dx = 0;
      if (cropPadding > 0) {
        dy = augmentRandom.nextInt(2 * cropPadding + 1) - cropPadding;
        dx = augmentRandom.nextInt(2 * cropPadding + 1) - cropPadding;
      }
      boolean flip = horizontalFlip && augmentRandom.nextBoolean();
      float[] mean = normalization.mean();
      float[] std = normalization.std();
      for (int ch = 0; ch < c; ch++) {
        float m = mean[ch];
        float inv = 1f / std[ch];
        int plane = in + ch * h * w;
        int outPlane = out + ch * h * w;
        for (int y = 0; y < h; y++) {
          int sy = y + dy;
          for (int x = 0; x < w; x++) {
            int sx = (flip ? w - 1 - x : x) + dx;
            float v = sy >= 0 && sy < h && sx >= 0 && sx < w ? src[plane + sy * w + sx] : 0f;
            buffer[outPlane + y * w + x] = (v - m) * inv;
          }
        }
      }
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
