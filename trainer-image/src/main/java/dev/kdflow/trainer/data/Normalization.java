package dev.kdflow.trainer.data;

import java.util.List;

/**
 * Per-channel normalisation {@code (x − mean) / std}.
 *
 * @param mean one value per channel
 * @param std one value per channel, each > 0
 */
public record Normalization(float[] mean, float[] std) {

  /** Checks the arrays. */
  public Normalization {
    if (mean.length == 0 || mean.length != std.length) {
      throw new IllegalArgumentException("mean and std need one value per channel");
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("std values must be > 0");
      }
    }
  }

  /** From the spec's lists. */
  public static Normalization of(List<Double> mean, List<Double> std) {
    float[] m = new float[mean.size()];
    float[] s = new float[std.size()];
    for (int i = 0; i < m.length; i++) {
      m[i] = mean.get(i).floatValue();
    }
    for (int i = 0; i < s.length; i++) {
      s[i] = std.get(i).floatValue();
    }
    return new Normalization(m, s);
  }

  /** The data's own per-channel mean and (population) standard deviation. */
  public static Normalization statisticsOf(ImageData data) {
    int c = data.channels();
    int hw = data.height() * data.width();
    double[] totals = new double[2 * c];
    for (int i = 0; i < data.size(); i++) {
      addSums(data.pixels(), i * data.imageSize(), c, hw, totals);
    }
    return fromSums(totals, c, (double) data.size() * hw);
  }

  /**
   * Adds one CHW image's per-channel sums of values (first {@code channels} entries) and of squares
   * (next {@code channels}) to {@code totals}.
   */
  static void addSums(float[] pixels, int offset, int channels, int hw, double[] totals) {
    for (int ch = 0; ch < channels; ch++) {
      int base = offset + ch * hw;
      double s = 0;
      double q = 0;
      for (int k = 0; k < hw; k++) {
        double v = pixels[base + k];
        s += v;
        q += v * v;
      }
      totals[ch] += s;
      totals[channels + ch] += q;
    }
  }

  /** Mean and population std from {@link #addSums} totals over {@code values} per channel. */
  static Normalization fromSums(double[] totals, int channels, double values) {
    float[] mean = new float[channels];
    float[] std = new float[channels];
    for (int ch = 0; ch < channels; ch++) {
      double m = totals[ch] / values;
      mean[ch] = (float) m;
      std[ch] = (float) Math.sqrt(Math.max(totals[channels + ch] / values - m * m, 1e-12));
    }
    return new Normalization(mean, std);
  }

  /** Identity normalisation for {@code channels} channels. */
  public static Normalization identity(int channels) {
    float[] m = new float[channels];
    float[] s = new float[channels];
    java.util.Arrays.fill(s, 1f);
    return new Normalization(m, s);
  }
}
