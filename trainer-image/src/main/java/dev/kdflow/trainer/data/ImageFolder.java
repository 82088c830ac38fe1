package dev.kdflow.trainer.data;

import dev.kdflow.api.DatasetSpec;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads a folder-per-class image dataset (the torchvision {@code ImageFolder} layout):
 *
 * <pre>
 * dataset.path/
 *   train/&lt;class&gt;/*.jpg|jpeg|png
 *   val/&lt;class&gt;/*.jpg|jpeg|png      (or test/)
 * </pre>
 *
 * Classes are the sorted sub-folder names of {@code train/}; validation folders must use a subset
 * of them. {@link #index} lists a split; {@link #read} decodes one image with ImageIO. Training
 * streams the images ({@link ImageFolderSplit}); {@link #load} holds a small split in memory, each
 * image resized so its shorter side is {@code dataset.imageSize} and centre-cropped to a square
 * (see {@link ImageResizer}), the validation view.
 *
 * <p>Images are ordered round-robin over the classes (first image of every class, then the second,
 * ...; files sorted by name within a class), so {@code trainLimit}/{@code validLimit} - which keep
 * the first N - give a class-balanced subset.
 */
public final class ImageFolder {

  /** The training split's folder. */
  public static final String TRAIN_FOLDER = "train";

  /** Validation split folders, in order of preference. */
  public static final List<String> VALID_FOLDERS = List.of("val", "test");

  /** File extensions read (case-insensitive). */
  public static final List<String> EXTENSIONS = List.of("jpg", "jpeg", "png");

  private static final int DEFAULT_IMAGE_SIZE = 224;

  private ImageFolder() {}

  /**
   * Loads one split into memory (validation views).
   *
   * @param dir {@code dataset.path}, the folder holding {@code train/} and {@code val/}
   * @param train {@code train/} when true, {@code val/} (or {@code test/}) when false
   * @param spec the dataset spec: {@code imageSize} (default 224) and the split's limit
   * @return RGB images of {@code imageSize x imageSize} in [0, 1], labels indexing the sorted class
   *     folders of {@code train/}
   * @throws IllegalArgumentException for a missing or empty folder, a validation class unknown to
   *     {@code train/}, or an image that cannot be decoded; the message names the path
   */
  public static ImageData load(Path dir, boolean train, DatasetSpec spec) {
    Index index = index(dir, train, spec);
    int size = imageSize(spec);
    int count = index.size();
    int perImage = 3 * size * size;
    if ((long) count * perImage > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "dataset.path: "
              + index.splitDir()
              + " holds "
              + count
              + " images, too many to hold in memory at imageSize "
              + size
              + "; set dataset."
              + (train ? "trainLimit" : "validLimit")
              + " or a smaller dataset.imageSize.");
    }
    float[] pixels = new float[count * perImage];
    int[] labelArray = index.labels().clone();
    // Decoding dominates; images are independent. A failure is rethrown as it was raised (a
    // parallel stream would re-wrap an exception raised on another thread).
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    IntStream.range(0, count)
        .parallel()
        .forEach(
            i -> {
              if (failure.get() != null) {
                return;
              }
              try {
                float[] image = decode(index.file(i), size);
                System.arraycopy(image, 0, pixels, i * perImage, perImage);
              } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
              }
            });
    if (failure.get() != null) {
      throw failure.get();
    }
    return new ImageData(pixels, labelArray, 3, size, size, index.classNames());
  }

  /**
   * The images of one split, listed but not decoded: what a streaming source needs. Validates the
   * layout as {@link #load} does.
   *
   * @throws IllegalArgumentException for a missing or empty folder or a validation class unknown to
   *     {@code train/}; the message names the path
   */
  public static Index index(Path dir, boolean train, DatasetSpec spec) {
    if (dir == null) {
      throw new IllegalArgumentException(
          "dataset.path is required for imageFolder: set it to a folder holding"
              + " train/<class>/*.jpg and val/<class>/*.jpg.");
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "dataset.path: "
              + dir
              + " is not a directory; imageFolder expects "
              + dir.resolve("train/<class>/*.jpg")
              + " and "
              + dir.resolve("val/<class>/*.jpg")
              + ".");
    }
    Path trainDir = dir.resolve(TRAIN_FOLDER);
    if (!Files.isDirectory(trainDir)) {
      throw new IllegalArgumentException(
          "dataset.path: "
              + dir
              + " has no train/ folder; imageFolder expects train/<class>/*.jpg|jpeg|png and"
              + " val/<class>/... (one sub-folder per class, the same class names in both).");
    }
    List<String> classes = subFolders(trainDir);
    if (classes.isEmpty()) {
      throw new IllegalArgumentException(
          "dataset.path: "
              + trainDir
              + " has no class sub-folders; put each class's images in train/<class>/.");
    }
    Path splitDir = train ? trainDir : validDir(dir);
    List<String> splitClasses = subFolders(splitDir);
    if (splitClasses.isEmpty()) {
      throw new IllegalArgumentException(
          "dataset.path: "
              + splitDir
              + " has no class sub-folders; put each class's images in "
              + splitDir.getFileName()
              + "/<class>/.");
    }
    List<List<String>> filesPerClass = new ArrayList<>();
    for (int i = 0; i < classes.size(); i++) {
      filesPerClass.add(List.of());
    }
    for (String name : splitClasses) {
      int label = classes.indexOf(name);
      if (label < 0) {
        throw new IllegalArgumentException(
            "dataset.path: "
                + splitDir.resolve(name)
                + " is not a class of "
                + trainDir
                + " (classes: "
                + String.join(", ", classes)
                + "); validation classes must also exist under train/.");
      }
      List<String> files = imageFiles(splitDir.resolve(name));
      if (files.isEmpty()) {
        throw new IllegalArgumentException(
            "dataset.path: "
                + splitDir.resolve(name)
                + " has no ."
                + String.join("/.", EXTENSIONS)
                + " images; add images or remove the folder.");
      }
      filesPerClass.set(label, files);
    }

    int total = filesPerClass.stream().mapToInt(List::size).sum();
    Integer limit = spec == null ? null : (train ? spec.getTrainLimit() : spec.getValidLimit());
    if (limit != null && limit < 0) {
      throw new IllegalArgumentException(
          "dataset." + (train ? "trainLimit" : "validLimit") + " must be >= 0, got " + limit);
    }
    int count = limit == null ? total : Math.min(limit, total);
    String[] names = new String[count];
    int[] labels = new int[count];
    int n = 0;
    int longest = filesPerClass.stream().mapToInt(List::size).max().orElse(0);
    for (int i = 0; i < longest && n < count; i++) {
      for (int label = 0; label < classes.size() && n < count; label++) {
        List<String> classFiles = filesPerClass.get(label);
        if (i < classFiles.size()) {
          names[n] = classFiles.get(i);
          labels[n] = label;
          n++;
        }
      }
    }
    return new Index(splitDir, classes.toArray(String[]::new), labels, names);
  }

  /**
   * The files of one split in dataset order: round-robin over the classes, files sorted by name
   * within a class. Held as names, not paths, to keep large splits small in memory.
   *
   * @param splitDir the split's folder ({@code train/}, {@code val/} or {@code test/})
   * @param classNames the classes of {@code train/}, index = label
   * @param labels one label per image
   * @param fileNames one file name per image, inside {@code splitDir/<class>/}
   */
  public record Index(Path splitDir, String[] classNames, int[] labels, String[] fileNames) {

    /** Number of images. */
    public int size() {
      return labels.length;
    }

    /** Image {@code i}'s file. */
    public Path file(int i) {
      return splitDir.resolve(classNames[labels[i]]).resolve(fileNames[i]);
    }
  }

  /** Decodes one file into {@code 3 x size x size} planes. */
  static float[] decode(Path file, int size) {
    return ImageResizer.resizeShorterSideAndCenterCrop(read(file), size);
  }

  /**
   * Decodes one file as ImageIO stores it (views are made from it row by row: {@link
   * ImageResizer}).
   *
   * @throws IllegalArgumentException naming the file when it cannot be decoded
   */
  static BufferedImage read(Path file) {
    BufferedImage image;
    try {
      image = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "dataset.path: cannot decode image "
              + file
              + " ("
              + e.getMessage()
              + "); re-encode it as RGB JPEG or PNG, or remove it.",
          e);
    }
    if (image == null) {
      throw new IllegalArgumentException(
          "dataset.path: cannot decode image "
              + file
              + " (not a JPEG or PNG ImageIO can read); re-encode it or remove it.");
    }
    return image;
  }

  /** {@code dataset.imageSize}, default 224. */
  static int imageSize(DatasetSpec spec) {
    Integer size = spec == null ? null : spec.getImageSize();
    if (size == null) {
      return DEFAULT_IMAGE_SIZE;
    }
    if (size <= 0) {
      throw new IllegalArgumentException("dataset.imageSize must be positive, got " + size);
    }
    return size;
  }

  private static Path validDir(Path dir) {
    for (String name : VALID_FOLDERS) {
      Path candidate = dir.resolve(name);
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException(
        "dataset.path: "
            + dir
            + " has no val/ (or test/) folder for validation; imageFolder expects"
            + " val/<class>/*.jpg|jpeg|png with the class names of train/.");
  }

  /** Sorted names of the non-hidden sub-folders. */
  private static List<String> subFolders(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(Files::isDirectory)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .map(ImageFolder::readableName)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("dataset.path: cannot list " + dir + ": " + e, e);
    }
  }

  /**
   * An entry's name, refused when this JVM cannot represent it: the name was decoded with
   * replacement characters and would not open the file again (a non-ASCII name in a POSIX locale,
   * or a name that is not valid UTF-8).
   */
  private static String readableName(Path entry) {
    String name = entry.getFileName().toString();
    if (name.indexOf('\uFFFD') >= 0) {
      throw new IllegalArgumentException(
          "dataset.path: the name of "
              + entry.getParent()
              + "/"
              + name
              + " cannot be read with this JVM's file-name charset ("
              + System.getProperty("sun.jnu.encoding")
              + "); run kdflow in a UTF-8 locale (LC_ALL=C.UTF-8, as the kdflow launcher and the"
              + " trainer image do), or, if the locale is UTF-8 already, rename it so that its"
              + " name is valid UTF-8 (e.g. convmv -f latin1 -t utf8)");
    }
    return name;
  }

  /**
   * Names of the non-hidden files with an image extension, sorted as their paths sort (by bytes:
   * code-point order, as Python's {@code sorted()} orders them for torchvision).
   */
  private static List<String> imageFiles(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(Files::isRegularFile)
          .filter(
              p -> {
                String name = p.getFileName().toString();
                int dot = name.lastIndexOf('.');
                return !name.startsWith(".")
                    && dot > 0
                    && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
              })
          .sorted()
          .map(ImageFolder::readableName)
          .toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("dataset.path: cannot list " + dir + ": " + e, e);
    }
  }
}
