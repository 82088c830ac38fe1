package dev.kdflow.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.trainer.TestData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX reading (gzip and raw) and seeded, reproducible batching. */
class FashionMnistTest {
  @TempDir Path tmp;

  @Test
  void loadsBothSplitsOfDebiansFiles() {
    ImageData train = TestData.train(Integer.MAX_VALUE);
    ImageData test = TestData.test(Integer.MAX_VALUE);
    assertThat(train.size()).isEqualTo(60000);
    assertThat(test.size()).isEqualTo(10000);
    assertThat(train.channels()).isEqualTo(1);
    assertThat(train.height()).isEqualTo(28);
    assertThat(train.classNames()).containsExactly(FashionMnist.FASHION_CLASSES);
    int[] counts = new int[10];
    for (int y : test.labels()) {
      counts[y]++;
    }
    assertThat(counts).containsOnly(1000);
    Normalization n = Normalization.statisticsOf(train);
    assertThat(n.mean()[0]).isBetween(0.285f, 0.287f);
    assertThat(n.std()[0]).isBetween(0.352f, 0.354f);
  }

  @Test
  void readsUncompressedFilesAsWell() throws IOException {
    Path src = Path.of(DatasetSpec.DEFAULT_FASHION_MNIST_PATH);
    for (String f : new String[] {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
      try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(src.resolve(f + ".gz")));
          OutputStream out = Files.newOutputStream(tmp.resolve(f))) {
        in.transferTo(out);
      }
    }
    DatasetSpec mnist = new DatasetSpec();
    mnist.setType(DatasetSpec.Type.MNIST);
    ImageData raw = FashionMnist.load(tmp, false, mnist);
    assertThat(raw.pixels()).isEqualTo(TestData.test(Integer.MAX_VALUE).pixels());
    assertThat(raw.classNames()).containsExactly(FashionMnist.DIGITS);
  }

  @Test
  void aMissingDirectoryOrFileIsNamed() {
    assertThatThrownBy(() -> FashionMnist.load(tmp.resolve("none"), true, new DatasetSpec()))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("none");
    assertThatThrownBy(() -> FashionMnist.load(tmp, true, new DatasetSpec()))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("train-images-idx3-ubyte");
  }

  private static float[] firstBatch(ImageBatches b, int epoch, NDManager m) {
    return b.epoch(epoch).next(m).images().toFloatArray();
  }

  @Test
  void batchesAreSeededPerEpochAndNormalised() {
    ImageData data = TestData.train(300);
    Normalization norm = Normalization.statisticsOf(data);
    ImageBatches a = new ImageBatches(data, norm, 32, true, 4, true, 9L);
    ImageBatches b = new ImageBatches(data, norm, 32, true, 4, true, 9L);
    try (NDManager m = NDManager.newBaseManager()) {
      assertThat(firstBatch(a, 3, m)).containsExactly(firstBatch(b, 3, m));
      assertThat(firstBatch(a, 3, m)).isNotEqualTo(firstBatch(a, 4, m));
      ImageBatches.Epoch e = a.epoch(0);
      int images = 0;
      int batches = 0;
      while (e.hasNext()) {
        images += e.next(m).size();
        batches++;
      }
      assertThat(images).isEqualTo(300);
      assertThat(batches).isEqualTo(a.numBatches()).isEqualTo(10);
      // in-order, unaugmented batches hold exactly the normalised pixels
      float[] plain = firstBatch(ImageBatches.sequential(data, norm, 2), 0, m);
      float expected = (data.pixels()[100] - norm.mean()[0]) / norm.std()[0];
      assertThat(plain[100]).isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-6f));
    }
  }
}
