package dev.kdflow.trainer.data;

/**
 * One split of an image-classification dataset, ready to be served as batches: held in memory
 * ({@link ImageData}) or streamed from disk ({@link ImageFolderSplit}).
 */
public interface ImageSplit {

  /** Number of images. */
  int size();

  /** Channels per image. */
  int channels();

  /** Image height. */
  int height();

  /** Image width. */
  int width();

  /** Number of classes. */
  int numClasses();

  /** Per-channel mean and std of the images (the default normalisation). */
  Normalization statistics();

  /**
   * The split as batches.
   *
   * @param normalization per-channel mean/std
   * @param batchSize images per batch
   * @param shuffle shuffle the order every epoch
   * @param augmentation random views, or {@link SampleAugmentation#NONE}
   * @param seed seeds order and augmentation
   * @throws IllegalArgumentException when the split cannot apply the augmentation
   */
  BatchSource batches(
      Normalization normalization,
      int batchSize,
      boolean shuffle,
      SampleAugmentation augmentation,
      long seed);
}
