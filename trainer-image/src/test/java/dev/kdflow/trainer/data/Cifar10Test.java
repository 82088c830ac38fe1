package dev.kdflow.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kdflow.api.DatasetSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {

  @TempDir Path dir;

  /**
   * Pixel byte of record {@code r} of a file, channel c, row y, column x: distinct per position.
   */
  private static int pixel(int fileIndex, int r, int c, int y, int x) {
    return (fileIndex * 31 + r * 17 + c * 85 + y * 7 + x * 3) % 256;
  }

  private static int label(int fileIndex, int r) {
    return (fileIndex * 3 + r) % 10;
  }

  /** Writes {@code records} CIFAR-10 binary records with known labels and pixels. */
  private static void writeBatch(Path file, int fileIndex, int records) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int r = 0; r < records; r++) {
      out.write(label(fileIndex, r));
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 32; y++) {
          for (int x = 0; x < 32; x++) {
            out.write(pixel(fileIndex, r, c, y, x));
          }
        }
      }
    }
    Files.write(file, out.toByteArray());
  }

  private void writeAll(Path root, int recordsPerFile) throws IOException {
    Files.createDirectories(root);
    for (int i = 0; i < 5; i++) {
      writeBatch(root.resolve(Cifar10.TRAIN_FILES.get(i)), i, recordsPerFile);
    }
    writeBatch(root.resolve(Cifar10.TEST_FILE), 5, recordsPerFile);
  }

  private static void assertRecord(ImageData data, int index, int fileIndex, int r) {
    assertThat(data.labels()[index]).isEqualTo(label(fileIndex, r));
    int offset = index * data.imageSize();
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
          float expected = pixel(fileIndex, r, c, y, x) / 255f;
          assertThat(data.pixels()[offset + (c * 32 + y) * 32 + x])
              .as("image %d c%d y%d x%d", index, c, y, x)
              .isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void loadsTrainingBatchesInOrderAsNchw() throws IOException {
    writeAll(dir, 3);

    ImageData data = Cifar10.load(dir, true, new DatasetSpec());

    assertThat(data.size()).isEqualTo(15);
    assertThat(data.channels()).isEqualTo(3);
    assertThat(data.height()).isEqualTo(32);
    assertThat(data.width()).isEqualTo(32);
    assertThat(data.classNames()).containsExactlyElementsOf(Cifar10.DEFAULT_CLASS_NAMES);
    for (int file = 0; file < 5; file++) {
      for (int r = 0; r < 3; r++) {
        assertRecord(data, file * 3 + r, file, r);
      }
    }
  }

  @Test
  void loadsTestBatchForValidation() throws IOException {
    writeAll(dir, 4);

    ImageData data = Cifar10.load(dir, false, new DatasetSpec());

    assertThat(data.size()).isEqualTo(4);
    for (int r = 0; r < 4; r++) {
      assertRecord(data, r, 5, r);
    }
  }

  @Test
  void pixelExtremesMapToZeroAndOne() throws IOException {
    byte[] record = new byte[Cifar10.RECORD_BYTES];
    record[0] = 9;
    record[1] = 0;
    record[2] = (byte) 255;
    Files.write(dir.resolve(Cifar10.TEST_FILE), record);

    ImageData data = Cifar10.load(dir, false, null);

    assertThat(data.labels()).containsExactly(9);
    assertThat(data.pixels()[0]).isEqualTo(0f);
    assertThat(data.pixels()[1]).isEqualTo(1f);
  }

  @Test
  void acceptsTheExtractedArchiveFolderUnderThePath() throws IOException {
    writeAll(dir.resolve(Cifar10.ARCHIVE_FOLDER), 2);

    ImageData data = Cifar10.load(dir, false, new DatasetSpec());

    assertThat(data.size()).isEqualTo(2);
    assertRecord(data, 1, 5, 1);
  }

  @Test
  void readsClassNamesFromBatchesMeta() throws IOException {
    writeAll(dir, 1);
    String[] names = {"a0", "b1", "c2", "d3", "e4", "f5", "g6", "h7", "i8", "j9"};
    Files.writeString(dir.resolve("batches.meta.txt"), String.join("\n", names) + "\n\n\n");

    ImageData data = Cifar10.load(dir, true, new DatasetSpec());

    assertThat(data.classNames()).containsExactly(names);
  }

  @Test
  void rejectsBatchesMetaWithTheWrongNumberOfNames() throws IOException {
    writeAll(dir, 1);
    Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\n");

    assertThatThrownBy(() -> Cifar10.load(dir, true, new DatasetSpec()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batches.meta.txt")
        .hasMessageContaining("2 class names");
  }

  @Test
  void stopsAtTheLimit() throws IOException {
    writeAll(dir, 3);
    DatasetSpec spec = new DatasetSpec();
    spec.setTrainLimit(4);
    spec.setValidLimit(2);

    ImageData train = Cifar10.load(dir, true, spec);
    ImageData valid = Cifar10.load(dir, false, spec);

    assertThat(train.size()).isEqualTo(4);
    assertRecord(train, 3, 1, 0);
    assertThat(valid.size()).isEqualTo(2);
    ImageData full = Cifar10.load(dir, true, new DatasetSpec());
    assertThat(train.pixels()).isEqualTo(Arrays.copyOf(full.pixels(), train.pixels().length));
  }

  @Test
  void missingFolderNamesThePathAndTheFix() {
    Path missing = dir.resolve("nowhere");

    assertThatThrownBy(() -> Cifar10.load(missing, true, new DatasetSpec()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dataset.path")
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("CIFAR-10 binary version");
  }

  @Test
  void missingFilesAreListed() throws IOException {
    writeBatch(dir.resolve("data_batch_1.bin"), 0, 1);
    writeBatch(dir.resolve("data_batch_2.bin"), 1, 1);

    assertThatThrownBy(() -> Cifar10.load(dir, true, new DatasetSpec()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("data_batch_3.bin, data_batch_4.bin, data_batch_5.bin")
        .hasMessageContaining("cifar-10-binary.tar.gz");
    assertThatThrownBy(() -> Cifar10.load(dir, false, new DatasetSpec()))
        .hasMessageContaining("has no test_batch.bin");
  }

  @Test
  void truncatedFileIsRejected() throws IOException {
    writeBatch(dir.resolve(Cifar10.TEST_FILE), 0, 2);
    byte[] bytes = Files.readAllBytes(dir.resolve(Cifar10.TEST_FILE));
    Files.write(dir.resolve(Cifar10.TEST_FILE), Arrays.copyOf(bytes, bytes.length - 100));

    assertThatThrownBy(() -> Cifar10.load(dir, false, new DatasetSpec()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Cifar10.TEST_FILE)
        .hasMessageContaining(String.valueOf(bytes.length - 100))
        .hasMessageContaining("3073");
  }

  @Test
  void labelOutsideTheTenClassesIsRejected() throws IOException {
    byte[] record = new byte[Cifar10.RECORD_BYTES];
    record[0] = 42;
    Files.write(dir.resolve(Cifar10.TEST_FILE), record);

    assertThatThrownBy(() -> Cifar10.load(dir, false, new DatasetSpec()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("label 42")
        .hasMessageContaining(Cifar10.TEST_FILE);
  }
}
