package dev.kdflow.trainer.data;

import dev.kdflow.api.DatasetSpec;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST and MNIST: the IDX files {@code train-images-idx3-ubyte}, {@code
 * train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each
 * raw or gzip-compressed ({@code .gz}), as Debian's {@code dataset-fashion-mnist} installs them in
 * {@value DatasetSpec#DEFAULT_FASHION_MNIST_PATH}.
 */
public final class FashionMnist {
  /** Fashion-MNIST's class names, index = label. */
  public static final String[] FASHION_CLASSES = {
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot"
  };

  /** MNIST's class names. */
  public static final String[] DIGITS = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

  private FashionMnist() {}

  /**
   * Loads one split.
   *
   * @param dir directory with the IDX files
   * @param train true for the training split, false for the test split
   * @param spec the dataset spec ({@code type} picks the class names: mnist or fashionMnist)
   * @throws NoSuchFileException when the directory or a file is missing (named in the message)
   * @throws IOException when a file is not a valid IDX file
   */
  public static ImageData load(Path dir, boolean train, DatasetSpec spec) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(
          dir.toString(), null, "dataset directory does not exist (dataset.path)");
    }
    String prefix = train ? "train" : "t10k";
    Path images = find(dir, prefix + "-images-idx3-ubyte");
    Path labels = find(dir, prefix + "-labels-idx1-ubyte");
    byte[][] img = readIdx(images, 3);
    byte[][] lab = readIdx(labels, 1);
    int n = toInt(img[0], 0);
    int h = toInt(img[0], 1);
    int w = toInt(img[0], 2);
    if (toInt(lab[0], 0) != n) {
      throw new IOException(
          images + " holds " + n + " images but " + labels + " " + toInt(lab[0], 0) + " labels");
    }
    float[] pixels = new float[n * h * w];
    byte[] raw = img[1];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (raw[i] & 0xFF) / 255f;
    }
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = lab[1][i] & 0xFF;
      if (y[i] > 9) {
        throw new IOException(labels + ": label " + y[i] + " at index " + i + " is not in 0..9");
      }
    }
    boolean mnist = spec != null && spec.getType() == DatasetSpec.Type.MNIST;
    return new ImageData(pixels, y, 1, h, w, mnist ? DIGITS : FASHION_CLASSES);
  }

  private static Path find(Path dir, String base) throws NoSuchFileException {
    for (String name : new String[] {base + ".gz", base}) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new NoSuchFileException(
        dir.resolve(base).toString(), null, "IDX file missing (looked for " + base + "[.gz])");
  }

  /** Returns {dims as big-endian ints, data}. */
  private static byte[][] readIdx(Path file, int expectedDims) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        DataInputStream data = new DataInputStream(in)) {
      int magic = data.readInt();
      if ((magic >>> 8) != 0x08 || (magic & 0xFF) != expectedDims) {
        throw new IOException(
            file + " is not an unsigned-byte IDX file with " + expectedDims + " dimension(s)");
      }
      byte[] dims = new byte[4 * expectedDims];
      data.readFully(dims);
      long size = 1;
      for (int d = 0; d < expectedDims; d++) {
        size *= toInt(dims, d);
      }
      if (size > Integer.MAX_VALUE) {
        throw new IOException(file + " is too large");
      }
      byte[] values = new byte[(int) size];
      data.readFully(values);
      return new byte[][] {dims, values};
    }
  }

  private static int toInt(byte[] b, int index) {
    int o = 4 * index;
    return ((b[o] & 0xFF) << 24)
        | ((b[o + 1] & 0xFF) << 16)
        | ((b[o + 2] & 0xFF) << 8)
        | (b[o + 3] & 0xFF);
  }
}
