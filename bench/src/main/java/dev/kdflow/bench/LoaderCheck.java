package dev.kdflow.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.data.DatasetLoader;
import dev.kdflow.trainer.data.ImageSplit;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.data.SampleAugmentation;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checks the training batches of an image folder as the trainer reads them (normalisation from the
 * split's statistics unless given, RandomResizedCrop + flip, shuffled, seed as in the spec): every
 * value finite, every label a class, and every {@code replay}-th image of a batch equal to its view
 * replayed alone from {@code (seed, epoch, index)}. Prints one JSON line per batch whose values are
 * out of the ordinary (non-finite, a label out of range, a replay mismatch, or a value beyond
 * {@code --max-abs}) and a summary line; exits with 1 when any batch is bad.
 *
 * <pre>
 * usage: LoaderCheck --data DIR [--image-size 32] [--batch 128] [--workers 2] [--prefetch 2]
 *        [--seed 1] [--epoch 0] [--replay 1] [--max-abs 100] [--limit N]
 * </pre>
 */
public final class LoaderCheck {
  private LoaderCheck() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> o =
        BenchOptions.parse(
            args,
            0,
            List.of(
                "data",
                "image-size",
                "batch",
                "workers",
                "prefetch",
                "seed",
                "epoch",
                "replay",
                "max-abs",
                "limit"));
    DatasetSpec spec = LoaderBenchmark.augmentedFolder(o, 32);
    long seed = Long.parseLong(o.getOrDefault("seed", "1"));
    int epochIndex = Integer.parseInt(o.getOrDefault("epoch", "0"));
    int replay = Integer.parseInt(o.getOrDefault("replay", "1"));
    double maxAbs = Double.parseDouble(o.getOrDefault("max-abs", "100"));
    ObjectMapper json = new ObjectMapper();

    ImageSplit split = DatasetLoader.split(spec, true);
    Normalization norm = split.statistics();
    ObjectNode head = json.createObjectNode();
    head.put("images", split.size());
    head.put("classes", split.numClasses());
    head.put("mean", Arrays.toString(norm.mean()));
    head.put("std", Arrays.toString(norm.std()));
    System.out.println(head);
    BatchSource source =
        split.batches(norm, spec.getBatchSize(), true, SampleAugmentation.training(spec), seed);
    int values = 3 * spec.getImageSize() * spec.getImageSize();
    int bad = 0;
    int step = 0;
    double globalMin = Double.POSITIVE_INFINITY;
    double globalMax = Double.NEGATIVE_INFINITY;
    try (NDManager manager = NDManager.newBaseManager()) {
      BatchSource.Epoch epoch = source.epoch(epochIndex);
      while (epoch.hasNext()) {
        step++;
        try (NDManager batchManager = manager.newSubManager()) {
          BatchSource.Batch batch = epoch.next(batchManager);
          float[] x = batch.images().toFloatArray();
          long[] y = batch.labels().toLongArray();
          int nonFinite = 0;
          float min = Float.POSITIVE_INFINITY;
          float max = Float.NEGATIVE_INFINITY;
          for (float v : x) {
            if (!Float.isFinite(v)) {
              nonFinite++;
            } else {
              min = Math.min(min, v);
              max = Math.max(max, v);
            }
          }
          int badLabels = 0;
          for (long label : y) {
            if (label < 0 || label >= split.numClasses()) {
              badLabels++;
            }
          }
          int mismatches = 0;
          int firstMismatch = -1;
          for (int b = 0; b < batch.size(); b += Math.max(replay, 1)) {
            float[] alone = source.view(epochIndex, batch.indices()[b]);
            if (!Arrays.equals(alone, 0, values, x, b * values, (b + 1) * values)) {
              mismatches++;
              if (firstMismatch < 0) {
                firstMismatch = batch.indices()[b];
              }
            }
            if (source.label(batch.indices()[b]) != y[b]) {
              badLabels++;
            }
          }
          globalMin = Math.min(globalMin, min);
          globalMax = Math.max(globalMax, max);
          boolean unusual =
              nonFinite > 0
                  || badLabels > 0
                  || mismatches > 0
                  || Math.max(Math.abs(min), Math.abs(max)) > maxAbs;
          if (unusual) {
            bad++;
            ObjectNode line = json.createObjectNode();
            line.put("step", step);
            line.put("non_finite", nonFinite);
            line.put("bad_labels", badLabels);
            line.put("replay_mismatches", mismatches);
            line.put("first_mismatch_index", firstMismatch);
            line.put("min", min);
            line.put("max", max);
            System.out.println(line);
          }
        }
      }
    }
    ObjectNode summary = json.createObjectNode();
    summary.put("batches", step);
    summary.put("bad_batches", bad);
    summary.put("min", globalMin);
    summary.put("max", globalMax);
    System.out.println(summary);
    System.exit(bad == 0 ? 0 : 1);
  }
}
