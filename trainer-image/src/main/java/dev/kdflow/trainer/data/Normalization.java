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
    double[] sum = new double[c];
    double[] sq = new double[c];
    float[] p = data.pixels();
    for (int i = 0; i < data.size(); i++) {
      for (int ch = 0; ch < c; ch++) {
        int base = (i * c + ch) * hw;
        double s = 0;
        double q = 0;
        for (int k = 0; k < hw; k++) {
          double v = p[base + k];
          s += v;
          q += v * v;
        }
        sum[ch] += s;
        sq[ch] += q;
      }
    }
    float[] mean = new float[c];
    float[] std = new float[c];
    double n = (double) data.size() * hw;
    for (int ch = 0; ch < c; ch++) {
      double m = sum[ch] / n;
      mean[ch] = (float) m;
      std[ch] = (float) Math.sqrt(Math.max(sq[ch] / n - m * m, 1e-12));
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
