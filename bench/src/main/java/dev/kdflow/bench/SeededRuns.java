package dev.kdflow.bench;

import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.TrainingProgressListener;
import java.util.List;
import java.util.Locale;

/** What the accuracy benchmarks share: a line per epoch, and mean ± sample sd over seeds. */
final class SeededRuns {
  private SeededRuns() {}

  /** Prints one line per finished epoch of the run {@code name}. */
  static TrainingProgressListener progress(String name) {
    return new TrainingProgressListener() {
      @Override
      public void onEpochEnd(EpochRecord e) {
        System.out.printf(
            Locale.ROOT,
            "%s epoch %d/%d: train loss %.4f, test top-1 %s, %.1f s%n",
            name,
            e.epoch(),
            e.maxEpochs(),
            e.train().loss(),
            e.valid() == null ? "-" : String.format(Locale.ROOT, "%.4f", e.valid().top1()),
            e.epochSeconds());
      }
    };
  }

  static double mean(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** Sample standard deviation (n − 1); 0 for fewer than two values. */
  static double std(List<Double> v) {
    if (v.size() < 2) {
      return 0;
    }
    double m = mean(v);
    double ss = v.stream().mapToDouble(x -> (x - m) * (x - m)).sum();
    return Math.sqrt(ss / (v.size() - 1));
  }
}
