package dev.kdflow.trainer.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;

/**
 * Turns a decoded image into the square RGB planes a classifier eats: RGB conversion, resize so the
 * shorter side matches, centre crop. This is torchvision's {@code Resize(size)} + {@code
 * CenterCrop(size)} on a PIL image converted with {@code convert("RGB")}: the same output sizes and
 * crop offsets, and the same antialiased bilinear (triangle) filter whose support widens with the
 * downscale factor, so a teacher trained on torchvision preprocessing sees familiar inputs. Plain
 * Java2D bilinear interpolation is avoided on purpose: it samples only 2x2 source pixels and
 * aliases badly when shrinking large photos.
 */
public final class ImageResizer {

  private ImageResizer() {}

  /**
   * RGB planes of an image, CHW, values in [0, 1]. Grey images are read from their raster as stored
   * (Java's colour conversion would treat grey as linear light and brighten it), CMYK with PIL's
   * arithmetic; alpha is dropped, as PIL's {@code convert("RGB")} does.
   *
   * @return {@code 3 * height * width} values
   */
  public static float[] toRgbPlanes(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int plane = w * h;
    float[] out = new float[3 * plane];
    RowReader rows = rowsOf(image);
    float[] row = new float[3 * w];
    for (int y = 0; y < h; y++) {
      rows.read(y, 0, w, row);
      for (int c = 0; c < 3; c++) {
        System.arraycopy(row, c * w, out, c * plane + y * w, w);
      }
    }
    return out;
  }

  /**
   * Reads one row segment of an image: {@code out[c * count + x]} for channel {@code c} and column
   * {@code left + x} (RGB values in [0, 1] for a decoded image). A reader is used by one thread.
   * Resizing reads the source a row at a time, so a large photo is never held as float planes (a
   * 12-megapixel JPEG would take 144 MB per worker).
   */
  @FunctionalInterface
  interface RowReader {
    void read(int y, int left, int count, float[] out);
  }

  /** Rows of CHW planes. */
  static RowReader rowsOf(float[] planes, int channels, int height, int width) {
    return (y, left, count, out) -> {
      for (int c = 0; c < channels; c++) {
        System.arraycopy(planes, (c * height + y) * width + left, out, c * count, count);
      }
    };
  }

  /**
   * Rows of a decoded image, converted as PIL's {@code convert("RGB")} converts: grey from the
   * stored values, CMYK with PIL's arithmetic, alpha dropped.
   */
  static RowReader rowsOf(BufferedImage image) {
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    if (cm instanceof ComponentColorModel && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
      // Java's colour conversion would treat grey as linear light and brighten it.
      float max = (float) ((1L << cm.getComponentSize(0)) - 1);
      int[] samples = new int[image.getWidth()];
      return (y, left, count, out) -> {
        raster.getSamples(left, y, count, 1, 0, samples);
        for (int x = 0; x < count; x++) {
          float v = samples[x] / max;
          out[x] = v;
          out[count + x] = v;
          out[2 * count + x] = v;
        }
      };
    }
    if (cm.getColorSpace().getType() == ColorSpace.TYPE_CMYK
        && raster.getNumBands() == 4
        && cm.getComponentSize(0) == 8) {
      // CMYK JPEGs (a few in ImageNet): Java's colour management converts them through an ICC
      // profile, to other colours than PIL's convert("RGB") gives a torchvision-trained teacher
      // (200,20,20 came back as 229,79,79). PIL's arithmetic instead, on the samples as decoded:
      // 255 - (c + (255 - c) * k / 255), rounded as PIL rounds.
      int[] px = new int[4 * image.getWidth()];
      return (y, left, count, out) -> {
        raster.getPixels(left, y, count, 1, px);
        for (int x = 0; x < count; x++) {
          int k = px[4 * x + 3];
          for (int c = 0; c < 3; c++) {
            int v = px[4 * x + c];
            out[c * count + x] = Math.max(0, 255 - (v + mulDiv255(255 - v, k))) / 255f;
          }
        }
      };
    }
    if (interleavedRgbBytes(image)) {
      // Decoded JPEGs and most PNGs: read the bytes; getRGB's per-pixel colour-model calls cost
      // as much as the decoding. Same values (sRGB, alpha dropped).
      ComponentSampleModel model = (ComponentSampleModel) image.getSampleModel();
      byte[] bytes = ((DataBufferByte) raster.getDataBuffer()).getData();
      int[] bands = model.getBandOffsets();
      int stride = model.getPixelStride();
      int scanline = model.getScanlineStride();
      return (y, left, count, out) -> {
        int rowStart = y * scanline + left * stride;
        for (int x = 0; x < count; x++) {
          int p = rowStart + x * stride;
          out[x] = (bytes[p + bands[0]] & 0xFF) / 255f;
          out[count + x] = (bytes[p + bands[1]] & 0xFF) / 255f;
          out[2 * count + x] = (bytes[p + bands[2]] & 0xFF) / 255f;
        }
      };
    }
    int[] argb = new int[image.getWidth()];
    return (y, left, count, out) -> {
      image.getRGB(left, y, count, 1, argb, 0, count);
      for (int x = 0; x < count; x++) {
        out[x] = ((argb[x] >> 16) & 0xFF) / 255f;
        out[count + x] = ((argb[x] >> 8) & 0xFF) / 255f;
        out[2 * count + x] = (argb[x] & 0xFF) / 255f;
      }
    };
  }

  /** {@code a * b / 255} rounded as PIL's {@code MULDIV255} rounds it. */
  private static int mulDiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  }

  /** An unshared 8-bit sRGB(A) raster of interleaved bytes, readable directly. */
  private static boolean interleavedRgbBytes(BufferedImage image) {
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    return cm instanceof ComponentColorModel
        && cm.getColorSpace().isCS_sRGB()
        && cm.getNumComponents() >= 3
        && cm.getComponentSize(0) == 8
        && cm.getComponentSize(1) == 8
        && cm.getComponentSize(2) == 8
        && !cm.isAlphaPremultiplied()
        && raster.getDataBuffer() instanceof DataBufferByte buffer
        && buffer.getNumBanks() == 1
        && buffer.getOffset() == 0
        && raster.getParent() == null
        && raster.getSampleModelTranslateX() == 0
        && raster.getSampleModelTranslateY() == 0
        && image.getSampleModel() instanceof ComponentSampleModel;
  }

  /**
   * Crops a region of CHW planes and resizes it to {@code outSize x outSize}: PIL's {@code
   * crop(box).resize((outSize, outSize), BILINEAR)}, which is what torchvision's {@code
   * resized_crop} (and so {@code RandomResizedCrop}) runs on a PIL image.
   *
   * @param box {@code {top, left, height, width}} inside the image
   * @return {@code channels * outSize * outSize} values, CHW
   */
  public static float[] resizedCrop(
      float[] planes, int channels, int height, int width, int[] box, int outSize) {
    return resizedCrop(
        rowsOf(planes, channels, height, width), channels, height, width, box, outSize);
  }

  /** {@link #resizedCrop(float[], int, int, int, int[], int)} straight from a decoded image. */
  public static float[] resizedCrop(BufferedImage image, int[] box, int outSize) {
    return resizedCrop(rowsOf(image), 3, image.getHeight(), image.getWidth(), box, outSize);
  }

  private static float[] resizedCrop(
      RowReader source, int channels, int height, int width, int[] box, int outSize) {
    int top = box[0];
    int left = box[1];
    int regionHeight = box[2];
    int regionWidth = box[3];
    if (top < 0
        || left < 0
        || regionHeight <= 0
        || regionWidth <= 0
        || top + regionHeight > height
        || left + regionWidth > width) {
      throw new IllegalArgumentException(
          "crop box "
              + java.util.Arrays.toString(box)
              + " outside a "
              + width
              + "x"
              + height
              + " image");
    }
    Filter cols = Filter.of(regionWidth, outSize, 0, outSize);
    Filter rows = Filter.of(regionHeight, outSize, 0, outSize);
    return resample(source, channels, top, left, rows, cols, outSize);
  }

  /**
   * Resizes CHW planes so the shorter side is {@code size} (the longer one keeps the aspect ratio,
   * rounded down) and returns the centred {@code size x size} crop. Only the cropped region is
   * computed, from the source rows and columns it needs. A side that needs no scaling is copied
   * exactly.
   *
   * @param planes {@code channels * height * width} values, CHW
   * @return {@code channels * size * size} values, CHW
   */
  public static float[] resizeShorterSideAndCenterCrop(
      float[] planes, int channels, int height, int width, int size) {
    return resizeShorterSideAndCenterCrop(
        rowsOf(planes, channels, height, width), channels, height, width, size);
  }

  /**
   * {@link #resizeShorterSideAndCenterCrop(float[], int, int, int, int)} straight from a decoded
   * image.
   */
  public static float[] resizeShorterSideAndCenterCrop(BufferedImage image, int size) {
    return resizeShorterSideAndCenterCrop(
        rowsOf(image), 3, image.getHeight(), image.getWidth(), size);
  }

  private static float[] resizeShorterSideAndCenterCrop(
      RowReader source, int channels, int height, int width, int size) {
    if (size <= 0) {
      throw new IllegalArgumentException("dataset.imageSize must be positive, got " + size);
    }
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("image has no pixels: " + width + "x" + height);
    }
    int newHeight;
    int newWidth;
    if (height <= width) {
      newHeight = size;
      newWidth = (int) Math.max(size, (long) size * width / height);
    } else {
      newWidth = size;
      newHeight = (int) Math.max(size, (long) size * height / width);
    }
    int top = (int) Math.rint((newHeight - size) / 2.0);
    int left = (int) Math.rint((newWidth - size) / 2.0);
    Filter cols = Filter.of(width, newWidth, left, size);
    Filter rows = Filter.of(height, newHeight, top, size);
    return resample(source, channels, 0, 0, rows, cols, size);
  }

  /**
   * Separable resampling: a horizontal pass over the source rows the vertical filter reads, each
   * read once as a row segment (only the columns the horizontal filter reads), then a vertical
   * pass. Filter indices are relative to {@code top} and {@code left}.
   */
  private static float[] resample(
      RowReader source, int channels, int top, int left, Filter rows, Filter cols, int size) {
    int firstRow = rows.start();
    int rowCount = rows.end() - firstRow;
    int firstCol = cols.start();
    int colCount = cols.end() - firstCol;
    float[] row = new float[channels * colCount];
    float[] horizontal = new float[channels * rowCount * size];
    for (int y = 0; y < rowCount; y++) {
      source.read(top + firstRow + y, left + firstCol, colCount, row);
      for (int c = 0; c < channels; c++) {
        int dst = (c * rowCount + y) * size;
        for (int x = 0; x < size; x++) {
          float[] k = cols.weights[x];
          int from = c * colCount + cols.first[x] - firstCol;
          float sum = 0;
          for (int j = 0; j < k.length; j++) {
            sum += k[j] * row[from + j];
          }
          horizontal[dst + x] = sum;
        }
      }
    }
    // Vertical pass row by row: the inner loop runs along a row, which the JIT vectorises.
    float[] out = new float[channels * size * size];
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < size; y++) {
        int dst = (c * size + y) * size;
        float[] k = rows.weights[y];
        for (int j = 0; j < k.length; j++) {
          float weight = k[j];
          int src = (c * rowCount + rows.first[y] - firstRow + j) * size;
          for (int x = 0; x < size; x++) {
            out[dst + x] += weight * horizontal[src + x];
          }
        }
      }
    }
    return out;
  }

  /**
   * Per output position: the first source index and normalised weights of the triangle filter
   * (PIL's {@code precompute_coeffs} for the bilinear filter), zero weights at either end dropped.
   */
  private record Filter(int[] first, float[][] weights) {

    /** The first source index any output position reads. */
    int start() {
      int start = Integer.MAX_VALUE;
      for (int f : first) {
        start = Math.min(start, f);
      }
      return start;
    }

    /** One past the last source index any output position reads. */
    int end() {
      int end = 0;
      for (int i = 0; i < first.length; i++) {
        end = Math.max(end, first[i] + weights[i].length);
      }
      return end;
    }

    static Filter of(int inSize, int outSize, int offset, int count) {
      double scale = (double) inSize / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = filterScale; // the bilinear filter's support is 1
      int[] first = new int[count];
      float[][] weights = new float[count][];
      for (int i = 0; i < count; i++) {
        double center = (offset + i + 0.5) * scale;
        int min = Math.max((int) (center - support + 0.5), 0);
        int max = Math.min((int) (center + support + 0.5), inSize);
        double[] k = new double[max - min];
        double sum = 0;
        for (int x = min; x < max; x++) {
          double t = Math.abs((x - center + 0.5) / filterScale);
          double weight = t < 1 ? 1 - t : 0;
          k[x - min] = weight;
          sum += weight;
        }
        int lo = 0;
        int hi = k.length;
        while (lo < hi - 1 && k[lo] == 0) {
          lo++;
        }
        while (hi > lo + 1 && k[hi - 1] == 0) {
          hi--;
        }
        float[] kept = new float[hi - lo];
        for (int j = lo; j < hi; j++) {
          kept[j - lo] = (float) (k[j] / sum);
        }
        first[i] = min + lo;
        weights[i] = kept;
      }
      return new Filter(first, weights);
    }
  }
}
