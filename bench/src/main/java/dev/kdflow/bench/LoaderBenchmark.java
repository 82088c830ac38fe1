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
import java.util.List;
import java.util.Map;

/**
 * The input pipeline alone: one epoch of training batches (RandomResizedCrop, horizontal flip,
 * normalisation, shuffled) from an image folder, as the trainer reads them, and the images per
 * second. The clock starts before the epoch is opened and stops after its last batch became an
 * engine array, as torchvision's side ({@code bench/loader_torchvision.py}) times its {@code
 * DataLoader} from {@code iter()} to the last batch. Prints one JSON line.
 *
 * <pre>
 * usage: LoaderBenchmark --data DIR [--image-size 128] [--batch 128] [--workers 2] [--prefetch 2]
 *        [--limit N]
 * </pre>
 */
public final class LoaderBenchmark {
  /** ImageNet's mean and std, as the torchvision side uses. */
  static final List<Double> MEAN = List.of(0.485, 0.456, 0.406);

  static final List<Double> STD = List.of(0.229, 0.224, 0.225);

  private LoaderBenchmark() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> o =
        BenchOptions.parse(
            args, 0, List.of("data", "image-size", "batch", "workers", "prefetch", "limit"));
    System.out.println(new ObjectMapper().writeValueAsString(run(augmentedFolder(o, 128))));
  }

  /**
   * The augmented (RandomResizedCrop + flip) ImageFolder the options describe: {@code --data}
   * (required), {@code --image-size}, {@code --batch} (128), {@code --workers} (2), {@code
   * --prefetch} (2), {@code --limit}.
   */
  static DatasetSpec augmentedFolder(Map<String, String> o, int defaultImageSize) {
    if (!o.containsKey("data")) {
      throw new IllegalArgumentException("--data DIR (an image folder with train/) is required");
    }
    DatasetSpec spec = new DatasetSpec();
    spec.setType(DatasetSpec.Type.IMAGE_FOLDER);
    spec.setPath(o.get("data"));
    spec.setImageSize(
        Integer.parseInt(o.getOrDefault("image-size", String.valueOf(defaultImageSize))));
    spec.setBatchSize(Integer.parseInt(o.getOrDefault("batch", "128")));
    spec.setNumWorkers(Integer.parseInt(o.getOrDefault("workers", "2")));
    spec.setPrefetch(Integer.parseInt(o.getOrDefault("prefetch", "2")));
    spec.setRandomResizedCrop(true);
    spec.setHorizontalFlip(true);
    if (o.containsKey("limit")) {
      spec.setTrainLimit(Integer.valueOf(o.get("limit")));
    }
    return spec;
  }

  /** One timed epoch over the training split of {@code spec}. */
  public static ObjectNode run(DatasetSpec spec) throws IOException {
    long listStart = System.nanoTime();
    ImageSplit split = DatasetLoader.split(spec, true);
    double listSeconds = (System.nanoTime() - listStart) / 1e9;
    BatchSource source =
        split.batches(
            Normalization.of(MEAN, STD),
            spec.getBatchSize(),
            true,
            SampleAugmentation.training(spec),
            42L);
    long images = 0;
    double checksum = 0;
    long start = System.nanoTime();
    try (NDManager manager = NDManager.newBaseManager()) {
      BatchSource.Epoch epoch = source.epoch(0);
      while (epoch.hasNext()) {
        try (NDManager batchManager = manager.newSubManager()) {
          BatchSource.Batch batch = epoch.next(batchManager);
          images += batch.size();
          // read one value back so that no stage can be skipped unnoticed
          checksum += batch.images().getFloat(0, 0, 0, 0);
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("impl", "kdflow");
    out.put("images", images);
    out.put("seconds", seconds);
    out.put("images_per_second", images / seconds);
    out.put("list_seconds", listSeconds);
    out.put("workers", spec.getNumWorkers());
    out.put("prefetch", spec.getPrefetch());
    out.put("batch", spec.getBatchSize());
    out.put("image_size", spec.getImageSize());
    out.put("checksum", checksum);
    return out;
  }
}
