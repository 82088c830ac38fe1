package dev.kdflow.trainer.data;

import dev.kdflow.api.DatasetSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the CIFAR-10 binary version ({@code cifar-10-binary.tar.gz}): {@code data_batch_1.bin} ..
 * {@code data_batch_5.bin} for training, {@code test_batch.bin} for validation. Each record is one
 * label byte followed by 3072 pixel bytes: the red, green and blue 32x32 planes, row-major, which
 * is already the NCHW layout of {@link ImageData}.
 */
public final class Cifar10 {

  /** Bytes per record: one label byte plus 3 planes of 32x32 pixels. */
  public static final int RECORD_BYTES = 1 + 3 * 32 * 32;

  /** The class names of the original dataset, used when {@code batches.meta.txt} is absent. */
  public static final List<String> DEFAULT_CLASS_NAMES =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  /** Training files, in the order their records are concatenated. */
  public static final List<String> TRAIN_FILES =
      List.of(
          "data_batch_1.bin",
          "data_batch_2.bin",
          "data_batch_3.bin",
          "data_batch_4.bin",
          "data_batch_5.bin");

  /** The validation file. */
  public static final String TEST_FILE = "test_batch.bin";

  /** The extracted archive's sub-folder, accepted under {@code dataset.path}. */
  public static final String ARCHIVE_FOLDER = "cifar-10-batches-bin";

  private static final String META_FILE = "batches.meta.txt";
  private static final int CHANNELS = 3;
  private static final int SIDE = 32;
  private static final int PIXELS = CHANNELS * SIDE * SIDE;

  private Cifar10() {}

  /**
   * Loads one split.
   *
   * @param dir {@code dataset.path}: the folder holding the {@code .bin} files, or the folder that
   *     holds {@code cifar-10-batches-bin/}
   * @param train the five training batches when true, {@code test_batch.bin} when false
   * @param spec the dataset spec; {@code trainLimit} / {@code validLimit} stop reading after that
   *     many records (the same first records {@link ImageData#limit} would keep)
   * @return 32x32 RGB images scaled to [0, 1] with labels 0..9
   * @throws IllegalArgumentException when the folder or a file is missing, truncated or holds a
   *     label outside 0..9; the message names the path and the fix
   */
  public static ImageData load(Path dir, boolean train, DatasetSpec spec) {
    Path root = resolveRoot(dir);
    List<String> names = train ? TRAIN_FILES : List.of(TEST_FILE);
    List<String> missing = new ArrayList<>();
    for (String name : names) {
      if (!Files.isRegularFile(root.resolve(name))) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "dataset.path: "
              + root
              + " has no "
              + String.join(", ", missing)
              + " (the cifar10 "
              + (train ? "training" : "validation")
              + " split needs "
              + String.join(", ", names)
              + "). Download the CIFAR-10 binary version (cifar-10-binary.tar.gz from"
              + " https://www.cs.toronto.edu/~kriz/cifar.html), extract it and point dataset.path"
              + " at the extracted cifar-10-batches-bin folder or at its parent.");
    }
    Integer limit = spec == null ? null : (train ? spec.getTrainLimit() : spec.getValidLimit());
    if (limit != null && limit < 0) {
      throw new IllegalArgumentException(
          "dataset." + (train ? "trainLimit" : "validLimit") + " must be >= 0, got " + limit);
    }
    long available = 0;
    for (String name : names) {
      available += recordCount(root.resolve(name));
    }
    int count = (int) Math.min(available, limit == null ? Integer.MAX_VALUE : limit);
    if ((long) count * PIXELS > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "dataset.path: " + root + " holds too many records to load into memory: " + available);
    }
    String[] classNames = classNames(root);
    float[] pixels = new float[count * PIXELS];
    int[] labels = new int[count];
    byte[] record = new byte[RECORD_BYTES];
    int loaded = 0;
    for (String name : names) {
      Path file = root.resolve(name);
      try (InputStream in = Files.newInputStream(file)) {
        int index = 0;
        while (loaded < count && in.readNBytes(record, 0, RECORD_BYTES) == RECORD_BYTES) {
          int label = record[0] & 0xFF;
          if (label >= classNames.length) {
            throw new IllegalArgumentException(
                file
                    + ": record "
                    + index
                    + " has label "
                    + label
                    + " but CIFAR-10 labels are 0.."
                    + (classNames.length - 1)
                    + "; is this the CIFAR-10 binary version (not CIFAR-100)?");
          }
          labels[loaded] = label;
          int offset = loaded * PIXELS;
          for (int i = 0; i < PIXELS; i++) {
            pixels[offset + i] = (record[1 + i] & 0xFF) / 255f;
          }
          loaded++;
          index++;
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("dataset.path: cannot read " + file + ": " + e, e);
      }
      if (loaded == count) {
        break;
      }
    }
    return new ImageData(pixels, labels, CHANNELS, SIDE, SIDE, classNames);
  }

  /** The folder that holds the batch files: {@code dir} itself or its archive sub-folder. */
  static Path resolveRoot(Path dir) {
    if (dir == null) {
      throw new IllegalArgumentException(
          "dataset.path is required for cifar10: set it to the folder holding data_batch_1.bin"
              + " .. data_batch_5.bin and test_batch.bin (the extracted cifar-10-batches-bin).");
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "dataset.path: "
              + dir
              + " is not a directory. Download the CIFAR-10 binary version"
              + " (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html), extract"
              + " it and point dataset.path at the extracted cifar-10-batches-bin folder.");
    }
    Path nested = dir.resolve(ARCHIVE_FOLDER);
    boolean hasOwnFiles =
        Files.isRegularFile(dir.resolve(TEST_FILE))
            || Files.isRegularFile(dir.resolve(TRAIN_FILES.get(0)));
    return !hasOwnFiles && Files.isDirectory(nested) ? nested : dir;
  }

  private static long recordCount(Path file) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("dataset.path: cannot read " + file + ": " + e, e);
    }
    if (size == 0 || size % RECORD_BYTES != 0) {
      throw new IllegalArgumentException(
          "dataset.path: "
              + file
              + " is "
              + size
              + " bytes, not a whole number of "
              + RECORD_BYTES
              + "-byte CIFAR-10 records (truncated or not the binary version?). Download and"
              + " extract cifar-10-binary.tar.gz again.");
    }
    return size / RECORD_BYTES;
  }

  /** Names from {@code batches.meta.txt} (one per line) when present, else the standard ones. */
  private static String[] classNames(Path root) {
    Path meta = root.resolve(META_FILE);
    if (!Files.isRegularFile(meta)) {
      return DEFAULT_CLASS_NAMES.toArray(String[]::new);
    }
    List<String> names = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(meta, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          names.add(line.strip());
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("dataset.path: cannot read " + meta + ": " + e, e);
    }
    if (names.size() != DEFAULT_CLASS_NAMES.size()) {
      throw new IllegalArgumentException(
          "dataset.path: "
              + meta
              + " lists "
              + names.size()
              + " class names but CIFAR-10 has "
              + DEFAULT_CLASS_NAMES.size()
              + " (one per line); fix or delete the file to use the standard names.");
    }
    return names.toArray(String[]::new);
  }
}
