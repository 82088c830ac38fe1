package dev.kdflow.trainer.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streams a folder-per-class split from disk: worker threads decode and augment images into
 * contiguous batch buffers while the model trains, at most {@code prefetch} batches ahead. Memory
 * is the index (a file name and a label per image) plus {@code prefetch} batch buffers, whatever
 * the size of the split.
 *
 * <p>Each image is one task (decode, then {@link SampleAugmentation} or the validation view), so
 * the workers share a batch evenly. The training thread drives the work: {@link Epoch#next} waits
 * for the oldest batch and then tops the queue up again. An epoch abandoned half-way (a stop, an
 * error) therefore leaves at most {@code prefetch} batches of tasks to finish, and no thread blocks
 * on it.
 *
 * <p>Views: training with {@code randomResizedCrop} takes torchvision's {@code RandomResizedCrop}
 * region of the decoded image and resizes it to {@code imageSize}; otherwise the shorter side is
 * resized to {@code imageSize} and the centre square kept ({@code Resize} + {@code CenterCrop}).
 * Then shift, flip and normalisation as in {@link SampleAugmentation}.
 */
public final class StreamingImageFolder implements BatchSource {
  private final ImageFolder.Index index;
  private final int imageSize;
  private final Normalization normalization;
  private final int batchSize;
  private final boolean shuffle;
  private final SampleAugmentation augmentation;
  private final long seed;
  private final int prefetch;
  private final Executor workers;

  /**
   * @param index the split's files
   * @param imageSize output side length
   * @param normalization per-channel mean/std (three channels)
   * @param batchSize images per batch
   * @param shuffle shuffle the order every epoch (from {@code (seed, epoch)})
   * @param augmentation random views of training images, or {@link SampleAugmentation#NONE}
   * @param seed seeds order and augmentation
   * @param prefetch batches decoded ahead, >= 1
   * @param workers runs the decode tasks (see {@link ImageFolderSplit})
   */
  public StreamingImageFolder(
      ImageFolder.Index index,
      int imageSize,
      Normalization normalization,
      int batchSize,
      boolean shuffle,
      SampleAugmentation augmentation,
      long seed,
      int prefetch,
      Executor workers) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (prefetch < 1) {
      throw new IllegalArgumentException("dataset.prefetch must be >= 1, got " + prefetch);
    }
    if (normalization.mean().length != 3) {
      throw new IllegalArgumentException(
          "normalisation has "
              + normalization.mean().length
              + " channel(s) but imageFolder images have 3 (RGB)");
    }
    this.index = index;
    this.imageSize = imageSize;
    this.normalization = normalization;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.augmentation = augmentation;
    this.seed = seed;
    this.prefetch = prefetch;
    this.workers = workers;
  }

  @Override
  public int size() {
    return index.size();
  }

  @Override
  public int batchSize() {
    return batchSize;
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
  public Shape batchShape(int n) {
    return new Shape(n, 3, imageSize, imageSize);
  }

  @Override
  public Epoch epoch(int epochIndex) {
    return new StreamEpoch(epochIndex);
  }

  @Override
  public BatchSource inOrder() {
    return new StreamingImageFolder(
        index,
        imageSize,
        normalization,
        batchSize,
        false,
        SampleAugmentation.NONE,
        seed,
        prefetch,
        workers);
  }

  @Override
  public float[] view(int epochIndex, int i) {
    float[] out = new float[imageValues()];
    writeView(epochIndex, i, out, 0);
    return out;
  }

  @Override
  public int label(int i) {
    return index.labels()[i];
  }

  private int imageValues() {
    return 3 * imageSize * imageSize;
  }

  /** Decodes image {@code i} and writes its epoch view into {@code out} at {@code offset}. */
  private void writeView(int epochIndex, int i, float[] out, int offset) {
    BufferedImage image = ImageFolder.read(index.file(i));
    SplittableRandom random = SampleAugmentation.random(seed, epochIndex, i);
    float[] square;
    if (augmentation.randomResizedCrop()) {
      int[] box = augmentation.resizedCropBox(image.getHeight(), image.getWidth(), random);
      square = ImageResizer.resizedCrop(image, box, imageSize);
    } else {
      square = ImageResizer.resizeShorterSideAndCenterCrop(image, imageSize);
    }
    augmentation.shiftFlipNormalize(
        square, 0, 3, imageSize, imageSize, random, normalization, out, offset);
  }

  /** One batch being decoded: a contiguous buffer the workers fill, one slot per image. */
  private static final class PendingBatch {
    final float[] pixels;
    final int[] indices;
    final CountDownLatch remaining;
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    PendingBatch(float[] pixels, int[] indices) {
      this.pixels = pixels;
      this.indices = indices;
      this.remaining = new CountDownLatch(indices.length);
    }
  }

  /** Iterates the batches of one epoch, keeping up to {@code prefetch} batches in the workers. */
  private final class StreamEpoch implements Epoch {
    private final int epochIndex;
    private final int[] order;
    private final ArrayDeque<PendingBatch> inFlight = new ArrayDeque<>();
    private final ArrayDeque<float[]> freeBuffers = new ArrayDeque<>();
    private int submitted;

    private StreamEpoch(int epochIndex) {
      this.epochIndex = epochIndex;
      this.order = ImageBatches.order(index.size(), shuffle, seed, epochIndex);
      topUp();
    }

    @Override
    public boolean hasNext() {
      return !inFlight.isEmpty() || submitted < order.length;
    }

    @Override
    public Batch next(NDManager manager) {
      topUp();
      PendingBatch batch = inFlight.poll();
      if (batch == null) {
        throw new NoSuchElementException("the epoch has no more batches");
      }
      try {
        batch.remaining.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a batch of images", e);
      }
      Throwable failure = batch.failure.get();
      if (failure instanceof IllegalArgumentException) {
        // bad input (an undecodable file): the message names the file and the fix
        throw new IllegalArgumentException(failure.getMessage(), failure);
      } else if (failure != null) {
        throw new IllegalStateException("a data loading worker failed: " + failure, failure);
      }
      int n = batch.indices.length;
      NDArray x =
          manager.create(FloatBuffer.wrap(batch.pixels, 0, n * imageValues()), batchShape(n));
      long[] labels = new long[n];
      for (int b = 0; b < n; b++) {
        labels[b] = index.labels()[batch.indices[b]];
      }
      NDArray y = manager.create(labels);
      // create() copied the heap buffer into the engine's memory: it can be refilled now
      freeBuffers.push(batch.pixels);
      topUp();
      return new Batch(x, y, n, batch.indices);
    }

    private void topUp() {
      while (inFlight.size() < prefetch && submitted < order.length) {
        int n = Math.min(batchSize, order.length - submitted);
        int[] indices = new int[n];
        System.arraycopy(order, submitted, indices, 0, n);
        submitted += n;
        float[] buffer =
            freeBuffers.isEmpty() ? new float[batchSize * imageValues()] : freeBuffers.pop();
        PendingBatch batch = new PendingBatch(buffer, indices);
        inFlight.add(batch);
        for (int b = 0; b < n; b++) {
          int slot = b;
          workers.execute(
              () -> {
                try {
                  if (batch.failure.get() == null) {
                    writeView(epochIndex, indices[slot], batch.pixels, slot * imageValues());
                  }
                } catch (RuntimeException | Error e) {
                  batch.failure.compareAndSet(null, e);
                } finally {
                  batch.remaining.countDown();
                }
              });
        }
      }
    }
  }
}
