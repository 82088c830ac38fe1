package dev.kdflow.trainer.data;

import dev.kdflow.api.DatasetSpec;
import java.util.SplittableRandom;

/**
 * Random augmentation of one training image, a pure function of {@code (seed, epoch, index)}: every
 * random number a view needs comes from a generator seeded by those three values alone, so the view
 * does not depend on which worker thread made it, in which order, or on earlier epochs.
 *
 * <p>In order: torchvision's {@code RandomResizedCrop} (folder datasets, before the image is
 * reduced to {@code imageSize}; see {@link #resizedCropBox}), a shift by up to {@code cropPadding}
 * pixels with zero fill (a random crop of the zero-padded image, {@code RandomCrop(size,
 * padding)}), a horizontal flip with probability 1/2, then normalisation.
 *
 * @param cropPadding zero padding before a random crop back to the image size; 0 disables
 * @param horizontalFlip flip half of the views left-right
 * @param randomResizedCrop crop a random region before resizing (folder datasets)
 * @param minScale smallest fraction of the area a resized crop covers, in (0, 1]
 */
public record SampleAugmentation(
    int cropPadding, boolean horizontalFlip, boolean randomResizedCrop, double minScale) {

  /** No augmentation: every epoch sees the same view. */
  public static final SampleAugmentation NONE =
      new SampleAugmentation(0, false, false, DatasetSpec.DEFAULT_RANDOM_RESIZED_CROP_MIN_SCALE);

  private static final long VIEW_STREAM = 0x5DEECE66DL;
  private static final double LOG_MIN_RATIO = Math.log(3.0 / 4.0);
  private static final double LOG_MAX_RATIO = Math.log(4.0 / 3.0);

  /** The training augmentation a dataset spec asks for. */
  public static SampleAugmentation training(DatasetSpec spec) {
    return new SampleAugmentation(
        spec.getRandomCropPadding() == null ? 0 : spec.getRandomCropPadding(),
        Boolean.TRUE.equals(spec.getHorizontalFlip()),
        Boolean.TRUE.equals(spec.getRandomResizedCrop()),
        spec.getRandomResizedCropMinScale() == null
            ? DatasetSpec.DEFAULT_RANDOM_RESIZED_CROP_MIN_SCALE
            : spec.getRandomResizedCropMinScale());
  }

  /** Checks the bounds. */
  public SampleAugmentation {
    if (cropPadding < 0) {
      throw new IllegalArgumentException(
          "dataset.randomCropPadding must be >= 0, got " + cropPadding);
    }
    if (!(minScale > 0 && minScale <= 1)) {
      throw new IllegalArgumentException(
          "dataset.randomResizedCropMinScale must be in (0, 1], got " + minScale);
    }
  }

  /** Whether views differ between epochs. */
  public boolean isRandom() {
    return cropPadding > 0 || horizontalFlip || randomResizedCrop;
  }

  /** The generator of one view: seeded by (seed, epoch, index) only. */
  public static SplittableRandom random(long seed, int epoch, int index) {
    return new SplittableRandom(
        ImageBatches.mix(ImageBatches.mix(seed ^ VIEW_STREAM, epoch), index));
  }

  /**
   * The region torchvision's {@code RandomResizedCrop.get_params} picks (scale in [minScale, 1],
   * aspect ratio log-uniform in [3/4, 4/3], ten tries, then the whole image clamped to the ratio
   * range, centred), with Python's round-half-to-even.
   *
   * @return {@code {top, left, height, width}}
   */
  public int[] resizedCropBox(int height, int width, SplittableRandom random) {
    double area = (double) height * width;
    for (int attempt = 0; attempt < 10; attempt++) {
      double targetArea = area * (minScale + (1 - minScale) * random.nextDouble());
      double ratio =
          Math.exp(LOG_MIN_RATIO + (LOG_MAX_RATIO - LOG_MIN_RATIO) * random.nextDouble());
      int w = (int) Math.rint(Math.sqrt(targetArea * ratio));
      int h = (int) Math.rint(Math.sqrt(targetArea / ratio));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        int top = random.nextInt(height - h + 1);
        int left = random.nextInt(width - w + 1);
        return new int[] {top, left, h, w};
      }
    }
    double inRatio = (double) width / height;
    int w;
    int h;
    if (inRatio < 3.0 / 4.0) {
      w = width;
      h = (int) Math.rint(w / (3.0 / 4.0));
    } else if (inRatio > 4.0 / 3.0) {
      h = height;
      w = (int) Math.rint(h * (4.0 / 3.0));
    } else {
      w = width;
      h = height;
    }
    return new int[] {(height - h) / 2, (width - w) / 2, h, w};
  }

  /**
   * Writes the shifted (zero-filled), possibly flipped and normalised view of one CHW image into
   * {@code out} at {@code offset}, drawing the shift and the flip from {@code random} in that
   * order.
   */
  public void shiftFlipNormalize(
      float[] src,
      int srcOffset,
      int channels,
      int height,
      int width,
      SplittableRandom random,
      Normalization normalization,
      float[] out,
      int offset) {
    int dy = 0;
    int dx = 0;
    if (cropPadding > 0) {
      dy = random.nextInt(2 * cropPadding + 1) - cropPadding;
      dx = random.nextInt(2 * cropPadding + 1) - cropPadding;
    }
    boolean flip = horizontalFlip && random.nextBoolean();
    float[] mean = normalization.mean();
    float[] std = normalization.std();
    int plane = height * width;
    for (int ch = 0; ch < channels; ch++) {
      float m = mean[ch];
      float inv = 1f / std[ch];
      int in = srcOffset + ch * plane;
      int o = offset + ch * plane;
      for (int y = 0; y < height; y++) {
        int sy = y + dy;
        boolean rowInside = sy >= 0 && sy < height;
        for (int x = 0; x < width; x++) {
          int sx = (flip ? width - 1 - x : x) + dx;
          float v = rowInside && sx >= 0 && sx < width ? src[in + sy * width + sx] : 0f;
          out[o + y * width + x] = (v - m) * inv;
        }
      }
    }
  }
}
