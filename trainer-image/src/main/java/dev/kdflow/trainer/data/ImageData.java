package dev.kdflow.trainer.data;

import java.util.Objects;

/**
 * A split of an image-classification dataset held in memory: pixels as float32 NCHW scaled to [0,
 * 1] (not yet normalised) and integer class labels. Every dataset format (IDX, CIFAR-10 binary,
 * image folders) loads into this one shape; batching, normalisation and augmentation happen later.
 *
 * @param pixels {@code size * channels * height * width} values in [0, 1], NCHW order
 * @param labels one class index per image
 * @param channels channels per image
 * @param height image height
 * @param width image width
 * @param classNames class names, index = label
 */
public record ImageData(
    float[] pixels, int[] labels, int channels, int height, int width, String[] classNames)
    implements ImageSplit {

  /** Checks that the arrays agree with the declared shape. */
  public ImageData {
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(classNames, "classNames");
    if ((long) labels.length * channels * height * width != pixels.length) {
      throw new IllegalArgumentException(
          "pixels hold "
              + pixels.length
              + " values but "
              + labels.length
              + " images of "
              + channels
              + "x"
              + height
              + "x"
              + width
              + " need "
              + ((long) labels.length * channels * height * width));
    }
  }

  /** Number of images. */
  @Override
  public int size() {
    return labels.length;
  }

  /** Number of classes. */
  @Override
  public int numClasses() {
    return classNames.length;
  }

  /** Values per image. */
  public int imageSize() {
    return channels * height * width;
  }

  /** The first {@code n} images (all when {@code n} is null or not smaller than the size). */
  public ImageData limit(Integer n) {
    if (n == null || n >= size()) {
      return this;
    }
    float[] p = new float[n * imageSize()];
    System.arraycopy(pixels, 0, p, 0, p.length);
    int[] l = new int[n];
    System.arraycopy(labels, 0, l, 0, n);
    return new ImageData(p, l, channels, height, width, classNames);
  }

  @Override
  public Normalization statistics() {
    return Normalization.statisticsOf(this);
  }

  @Override
  public BatchSource batches(
      Normalization normalization,
      int batchSize,
      boolean shuffle,
      SampleAugmentation augmentation,
      long seed) {
    if (augmentation.randomResizedCrop()) {
      throw new IllegalArgumentException(
          "dataset.randomResizedCrop applies to imageFolder only; use randomCropPadding and"
              + " horizontalFlip");
    }
    return new ImageBatches(
        this,
        normalization,
        batchSize,
        shuffle,
        augmentation.cropPadding(),
        augmentation.horizontalFlip(),
        seed);
  }
}
