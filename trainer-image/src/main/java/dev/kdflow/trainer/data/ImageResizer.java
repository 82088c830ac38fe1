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
    ColorModel cm = image.getColorModel();
    if (cm instanceof ComponentColorModel && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
      Raster raster = image.getRaster();
      float max = (float) ((1L << cm.getComponentSize(0)) - 1);
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          float v = row[x] / max;
          int i = y * w + x;
          out[i] = v;
          out[plane + i] = v;
          out[2 * plane + i] = v;
        }
      }
      return out;
    }
    if (cm.getColorSpace().getType() == ColorSpace.TYPE_CMYK
        && image.getRaster().getNumBands() == 4
        && cm.getComponentSize(0) == 8) {
      // CMYK JPEGs (a few in ImageNet): Java's colour management converts them through an ICC
      // profile, to other colours than PIL's convert("RGB") gives a torchvision-trained teacher
      // (200,20,20 came back as 229,79,79). PIL's arithmetic instead, on the samples as decoded:
      // 255 - (c + (255 - c) * k / 255), rounded as PIL rounds.
      Raster raster = image.getRaster();
      int[] px = new int[4 * w];
      for (int y = 0; y < h; y++) {
        raster.getPixels(0, y, w, 1, px);
        for (int x = 0; x < w; x++) {
          int k = px[4 * x + 3];
          int i = y * w + x;
          for (int c = 0; c < 3; c++) {
            int v = px[4 * x + c];
            out[c * plane + i] = Math.max(0, 255 - (v + mulDiv255(255 - v, k))) / 255f;
          }
        }
      }
      return out;
    }
    if (interleavedRgbBytes(image)) {
      // Decoded JPEGs and most PNGs: read the bytes; getRGB's per-pixel colour-model calls cost
      // as much as the decoding. Same values (sRGB, alpha dropped).
      ComponentSampleModel model = (ComponentSampleModel) image.getSampleModel();
      byte[] bytes = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
      int[] bands = model.getBandOffsets();
      int stride = model.getPixelStride();
      int scanline = model.getScanlineStride();
      for (int y = 0; y < h; y++) {
        int rowStart = y * scanline;
        for (int x = 0; x < w; x++) {
          int p = rowStart + x * stride;
          int i = y * w + x;
          out[i] = (bytes[p + bands[0]] & 0xFF) / 255f;
          out[plane + i] = (bytes[p + bands[1]] & 0xFF) / 255f;
          out[2 * plane + i] = (bytes[p + bands[2]] & 0xFF) / 255f;
        }
      }
      return out;
    }
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        int i = y * w + x;
        out[i] = ((argb >> 16) & 0xFF) / 255f;
        out[plane + i] = ((argb >> 8) & 0xFF) / 255f;
        out[2 * plane + i] = (argb & 0xFF) / 255f;
      }
    }
    return out;
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
    return resample(planes, channels, height, width, top, regionHeight, left, rows, cols, outSize);
  }

  /**
   * Resizes CHW planes so the shorter side is {@code size} (the longer one keeps the aspect ratio,
   * rounded down) and returns the centred {@code size x size} crop. Only the cropped region is
   * computed. A side that needs no scaling is copied exactly.
   *
   * @param planes {@code channels * height * width} values, CHW
   * @return {@code channels * size * size} values, CHW
   */
  public static float[] resizeShorterSideAndCenterCrop(
      float[] planes, int channels, int height, int width, int size) {
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
    return resample(planes, channels, height, width, 0, height, 0, rows, cols, size);
  }

  /**
   * Separable resampling of the source rows {@code [top, top + rowCount)} and columns from {@code
   * left}: a horizontal pass over those rows, then a vertical pass. Filter indices are relative to
   * {@code top} and {@code left}.
   */
  private static float[] resample(
      float[] planes,
      int channels,
      int height,
      int width,
      int top,
      int rowCount,
      int left,
      Filter rows,
      Filter cols,
      int size) {
    float[] horizontal = new float[channels * rowCount * size];
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < rowCount; y++) {
        int src = (c * height + top + y) * width + left;
        int dst = (c * rowCount + y) * size;
        for (int x = 0; x < size; x++) {
          float[] k = cols.weights[x];
          int from = src + cols.first[x];
          float sum = 0;
          for (int j = 0; j < k.length; j++) {
            sum += k[j] * planes[from + j];
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
          int src = (c * rowCount + rows.first[y] + j) * size;
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
