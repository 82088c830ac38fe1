package dev.kdflow.trainer.data;

import dev.kdflow.api.DatasetSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A folder-per-class split streamed from disk (see {@link StreamingImageFolder}): only the file
 * index stays in memory. Its {@code numWorkers} decode threads are daemons that end after a minute
 * without work, so a split needs no closing.
 */
public final class ImageFolderSplit implements ImageSplit {
  /**
   * Images read to estimate the default normalisation: the first ones in dataset order, which is
   * round-robin over the classes. Decoding a whole ImageNet-sized split for two numbers per channel
   * would cost longer than an epoch; a few thousand images pin the mean and std to about 1e-3.
   */
  public static final int STATISTICS_SAMPLE = 4096;

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ImageFolder.Index index;
  private final int imageSize;
  private final int prefetch;
  private final ThreadPoolExecutor workers;

  private ImageFolderSplit(ImageFolder.Index index, int imageSize, int numWorkers, int prefetch) {
    this.index = index;
    this.imageSize = imageSize;
    this.prefetch = prefetch;
    this.workers = pool(numWorkers);
  }

  /**
   * Lists one split of {@code dataset.path} (see {@link ImageFolder#index}).
   *
   * @param spec {@code imageSize}, {@code numWorkers}, {@code prefetch} and the split's limit
   */
  public static ImageFolderSplit open(Path dir, boolean train, DatasetSpec spec) {
    int numWorkers =
        spec.getNumWorkers() == null ? DatasetSpec.DEFAULT_NUM_WORKERS : spec.getNumWorkers();
    int prefetch = spec.getPrefetch() == null ? DatasetSpec.DEFAULT_PREFETCH : spec.getPrefetch();
    if (numWorkers < 1 || numWorkers > DatasetSpec.MAX_NUM_WORKERS) {
      throw new IllegalArgumentException(
          "dataset.numWorkers must be between 1 and "
              + DatasetSpec.MAX_NUM_WORKERS
              + ", got "
              + numWorkers);
    }
    if (prefetch < 1 || prefetch > DatasetSpec.MAX_PREFETCH) {
      throw new IllegalArgumentException(
          "dataset.prefetch must be between 1 and "
              + DatasetSpec.MAX_PREFETCH
              + ", got "
              + prefetch);
    }
    return new ImageFolderSplit(
        ImageFolder.index(dir, train, spec), ImageFolder.imageSize(spec), numWorkers, prefetch);
  }

  /** The split's files. */
  public ImageFolder.Index index() {
    return index;
  }

  @Override
  public int size() {
    return index.size();
  }

  @Override
  public int channels() {
    return 3;
  }

  @Override
  public int height() {
    return imageSize;
  }

  @Override
  public int width() {
    return imageSize;
  }

  @Override
  public int numClasses() {
    return index.classNames().length;
  }

  /**
   * Mean and std of the validation views (resize + centre crop) of the first {@link
   * #STATISTICS_SAMPLE} images, decoded on the workers and summed in index order (the same result
   * on every run).
   */
  @Override
  public Normalization statistics() {
    int count = Math.min(index.size(), STATISTICS_SAMPLE);
    int hw = imageSize * imageSize;
    List<Future<double[]>> parts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Path file = index.file(i);
      parts.add(
          workers.submit(
              () -> {
                float[] view = ImageFolder.decode(file, imageSize);
                double[] sums = new double[6];
                Normalization.addSums(view, 0, 3, hw, sums);
                return sums;
              }));
    }
    double[] totals = new double[6];
    try {
      for (Future<double[]> part : parts) {
        double[] sums = part.get();
        for (int k = 0; k < totals.length; k++) {
          totals[k] += sums[k];
        }
      }
    } catch (InterruptedException e) {
      parts.forEach(p -> p.cancel(false));
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading images", e);
    } catch (ExecutionException e) {
      parts.forEach(p -> p.cancel(false));
      if (e.getCause() instanceof IllegalArgumentException bad) {
        throw new IllegalArgumentException(bad.getMessage(), bad);
      }
      throw new IllegalStateException("a data loading worker failed: " + e.getCause(), e);
    }
    return Normalization.fromSums(totals, 3, (double) count * hw);
  }

  @Override
  public BatchSource batches(
      Normalization normalization,
      int batchSize,
      boolean shuffle,
      SampleAugmentation augmentation,
      long seed) {
    return new StreamingImageFolder(
        index, imageSize, normalization, batchSize, shuffle, augmentation, seed, prefetch, workers);
  }

  private static ThreadPoolExecutor pool(int threads) {
    int pool = POOLS.incrementAndGet();
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "kdflow-data-" + pool + "-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }
}
