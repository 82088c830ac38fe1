package dev.kdflow.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.kdflow.api.DatasetSpec;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingImageFolderTest {
  private static final int SIZE = 12;
  private static final Normalization NORM =
      new Normalization(new float[] {0.4f, 0.5f, 0.6f}, new float[] {0.2f, 0.25f, 0.3f});

  @TempDir static Path dir;
  private static NDManager manager;

  /** 3 classes x 7 images of random pixels and assorted sizes, PNG and JPEG. */
  @BeforeAll
  static void writeImages() throws IOException {
    Random random = new Random(5);
    for (String split : List.of("train", "val")) {
      for (String cls : List.of("ant", "bee", "cat")) {
        for (int i = 0; i < 7; i++) {
          int w = 14 + random.nextInt(30);
          int h = 14 + random.nextInt(30);
          BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
          for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
              image.setRGB(x, y, random.nextInt(0x1000000));
            }
          }
          String format = i % 2 == 0 ? "png" : "jpg";
          Path file = dir.resolve(split).resolve(cls).resolve("img" + i + "." + format);
          Files.createDirectories(file.getParent());
          assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
        }
      }
    }
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void closeManager() {
    manager.close();
  }

  private static DatasetSpec spec(int workers, int prefetch) {
    DatasetSpec spec = new DatasetSpec();
    spec.setType(DatasetSpec.Type.IMAGE_FOLDER);
    spec.setPath(dir.toString());
    spec.setImageSize(SIZE);
    spec.setNumWorkers(workers);
    spec.setPrefetch(prefetch);
    return spec;
  }

  private static final SampleAugmentation ALL = new SampleAugmentation(2, true, true, 0.08);

  /** Every batch of an epoch, as {index -> view}, and the order the indices came in. */
  private record EpochContents(List<Integer> order, List<float[]> images, List<Long> labels) {}

  private static EpochContents read(BatchSource source, int epoch) {
    List<Integer> order = new ArrayList<>();
    List<float[]> images = new ArrayList<>();
    List<Long> labels = new ArrayList<>();
    BatchSource.Epoch batches = source.epoch(epoch);
    while (batches.hasNext()) {
      try (NDManager m = manager.newSubManager()) {
        BatchSource.Batch b = batches.next(m);
        assertThat(b.images().getShape()).isEqualTo(source.batchShape(b.size()));
        float[] pixels = b.images().toFloatArray();
        long[] y = b.labels().toLongArray();
        int per = pixels.length / b.size();
        for (int i = 0; i < b.size(); i++) {
          order.add(b.indices()[i]);
          images.add(Arrays.copyOfRange(pixels, i * per, (i + 1) * per));
          labels.add(y[i]);
        }
      }
    }
    return new EpochContents(order, images, labels);
  }

  @Test
  void validationBatchesAreTheNormalisedImagesOfTheInMemoryLoaderInOrder() throws IOException {
    DatasetSpec spec = spec(3, 2);
    ImageData inMemory = ImageFolder.load(dir, false, spec);
    BatchSource streamed =
        DatasetLoader.split(spec, false).batches(NORM, 4, false, SampleAugmentation.NONE, 1);
    BatchSource reference = inMemory.batches(NORM, 4, false, SampleAugmentation.NONE, 1);

    EpochContents got = read(streamed, 0);
    EpochContents want = read(reference, 0);
    assertThat(got.order()).containsExactlyElementsOf(want.order());
    assertThat(got.labels()).containsExactlyElementsOf(want.labels());
    for (int i = 0; i < got.images().size(); i++) {
      assertThat(got.images().get(i)).containsExactly(want.images().get(i));
    }
    assertThat(streamed.isAugmented()).isFalse();
    assertThat(streamed.numBatches()).isEqualTo(6);
  }

  @Test
  void everyTrainingViewCanBeReplayedAloneAndEachImageComesOncePerEpoch() {
    ImageSplit split = ImageFolderSplit.open(dir, true, spec(3, 2));
    BatchSource source = split.batches(NORM, 5, true, ALL, 42);
    assertThat(source.isAugmented()).isTrue();

    EpochContents epoch1 = read(source, 1);
    assertThat(new HashSet<>(epoch1.order())).hasSize(21);
    assertThat(epoch1.order()).as("shuffled").isNotEqualTo(sorted(epoch1.order()));
    for (int i = 0; i < epoch1.order().size(); i++) {
      int index = epoch1.order().get(i);
      assertThat(epoch1.images().get(i)).containsExactly(source.view(1, index));
      assertThat(epoch1.labels().get(i)).isEqualTo(source.label(index));
    }
  }

  @Test
  void viewsDoNotDependOnWorkersPrefetchOrBatchSizeButOnTheEpoch() {
    BatchSource one = ImageFolderSplit.open(dir, true, spec(1, 1)).batches(NORM, 3, true, ALL, 9);
    BatchSource many = ImageFolderSplit.open(dir, true, spec(4, 5)).batches(NORM, 3, true, ALL, 9);
    BatchSource otherBatch =
        ImageFolderSplit.open(dir, true, spec(2, 2)).batches(NORM, 8, true, ALL, 9);
    EpochContents a = read(one, 2);
    EpochContents b = read(many, 2);
    assertThat(b.order()).containsExactlyElementsOf(a.order());
    for (int i = 0; i < a.images().size(); i++) {
      assertThat(b.images().get(i)).containsExactly(a.images().get(i));
    }
    EpochContents c = read(otherBatch, 2);
    assertThat(c.order()).containsExactlyElementsOf(a.order());
    assertThat(c.images().get(20)).containsExactly(a.images().get(20));

    EpochContents nextEpoch = read(one, 3);
    assertThat(nextEpoch.order()).isNotEqualTo(a.order());
    int index = a.order().get(0);
    assertThat(one.view(3, index)).isNotEqualTo(one.view(2, index));
  }

  @Test
  void inOrderIsTheUnaugmentedSplitInDatasetOrder() {
    BatchSource source =
        ImageFolderSplit.open(dir, true, spec(2, 2)).batches(NORM, 4, true, ALL, 3);
    BatchSource ordered = source.inOrder();
    assertThat(ordered.isAugmented()).isFalse();
    EpochContents contents = read(ordered, 5);
    assertThat(contents.order()).isEqualTo(sorted(contents.order()));
    assertThat(contents.images().get(7)).containsExactly(ordered.view(0, 7));
  }

  @Test
  void statisticsAreThoseOfTheValidationViews() throws IOException {
    DatasetSpec spec = spec(2, 2);
    Normalization streamed = ImageFolderSplit.open(dir, true, spec).statistics();
    Normalization inMemory = Normalization.statisticsOf(ImageFolder.load(dir, true, spec));
    for (int c = 0; c < 3; c++) {
      assertThat(streamed.mean()[c]).isCloseTo(inMemory.mean()[c], within(1e-6f));
      assertThat(streamed.std()[c]).isCloseTo(inMemory.std()[c], within(1e-6f));
    }
  }

  @Test
  void anUndecodableImageFailsTheBatchThatNeedsItAndIsNamed() throws IOException {
    Path broken = Files.createDirectories(dir.resolve("broken"));
    for (String split : List.of("train", "val")) {
      Path cls = Files.createDirectories(broken.resolve(split).resolve("only"));
      Files.writeString(cls.resolve("bad.jpg"), "not a jpeg");
    }
    DatasetSpec spec = spec(2, 2);
    spec.setPath(broken.toString());
    BatchSource source = ImageFolderSplit.open(broken, true, spec).batches(NORM, 1, false, ALL, 0);
    BatchSource.Epoch epoch = source.epoch(0);
    try (NDManager m = manager.newSubManager()) {
      assertThatThrownBy(() -> epoch.next(m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("bad.jpg")
          .hasMessageContaining("dataset.path");
    }
  }

  @Test
  void workerAndPrefetchBoundsAreChecked() {
    assertThatThrownBy(() -> ImageFolderSplit.open(dir, true, spec(0, 2)))
        .hasMessageContaining("dataset.numWorkers");
    assertThatThrownBy(() -> ImageFolderSplit.open(dir, true, spec(2, 65)))
        .hasMessageContaining("dataset.prefetch");
  }

  private static List<Integer> sorted(List<Integer> list) {
    List<Integer> copy = new ArrayList<>(list);
    copy.sort(null);
    return copy;
  }
}
