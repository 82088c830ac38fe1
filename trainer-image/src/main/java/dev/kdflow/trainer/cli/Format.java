package dev.kdflow.trainer.cli;

import java.util.Locale;

/** Number formats the CLI's lines and tables share. */
final class Format {
  private Format() {}

  /** A fraction in [0, 1] as a percentage with two decimals; "-" when unknown. */
  static String percent(Double fraction) {
    if (fraction == null || fraction.isNaN()) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.2f%%", fraction * 100);
  }

  /** Seconds as h:mm:ss or m:ss. */
  static String duration(long seconds) {
    long h = seconds / 3600;
    long m = seconds % 3600 / 60;
    long s = seconds % 60;
    return h > 0
        ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s)
        : String.format(Locale.ROOT, "%d:%02d", m, s);
  }
}
