package dev.kdflow.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.checkpoint.NamedArrays;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.models.Models;
import dev.kdflow.trainer.training.EndRecord;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.SupervisedTrainer;
import dev.kdflow.trainer.training.TrainingOutcome;
import dev.kdflow.trainer.training.TrainingParams;
import dev.kdflow.trainer.training.TrainingProgressListener;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A streamed, randomly augmented image folder resumes exactly: a run stopped after epoch 1 and
 * resumed (with other worker and prefetch counts) ends with the weights of an uninterrupted run.
 */
class StreamingResumeTest {
  private static final Map<String, Object> MLP = Map.of("hiddenSizes", List.of(16));

  @TempDir Path tmp;

  @Test
  void aResumedRunOnAnAugmentedFolderEndsBitIdentical() throws IOException {
    Path data = tmp.resolve("data");
    Random random = new Random(3);
    for (String split : List.of("train", "val")) {
      for (String cls : List.of("a", "b", "c")) {
        Path folder = Files.createDirectories(data.resolve(split).resolve(cls));
        for (int i = 0; i < 16; i++) {
          BufferedImage image =
              new BufferedImage(10 + random.nextInt(8), 10, BufferedImage.TYPE_INT_RGB);
          for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
              image.setRGB(x, y, random.nextInt(0x1000000));
            }
          }
          ImageIO.write(image, "png", folder.resolve(i + ".png").toFile());
        }
      }
    }
    TrainingSpec params = new TrainingSpec();
    params.setMaxEpochs(2);
    params.setInitialLr(0.05);
    params.setSeed(11L);

    TrainingOutcome full = train("full", data, params, 1, 1, null);
    assertThat(full.epochsCompleted()).isEqualTo(2);

    TrainingOutcome stopped = train("resumed", data, params, 3, 4, 1);
    assertThat(stopped.status()).isEqualTo(EndRecord.STOPPED);
    params.setResume(true);
    TrainingOutcome resumed = train("resumed", data, params, 2, 2, null);
    assertThat(resumed.status()).isEqualTo(EndRecord.SUCCEEDED);
    assertThat(resumed.lastValid()).isEqualTo(full.lastValid());
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> a =
          NamedArrays.load(full.latestCheckpoint().resolve(Weights.MODULE_FILE), m);
      Map<String, NDArray> b =
          NamedArrays.load(resumed.latestCheckpoint().resolve(Weights.MODULE_FILE), m);
      assertThat(b.keySet()).isEqualTo(a.keySet());
      for (String k : a.keySet()) {
        assertThat(b.get(k).toFloatArray()).as(k).containsExactly(a.get(k).toFloatArray());
      }
    }
  }

  /** Trains on the folder; stops after epoch {@code stopAfter} when it is not null. */
  private TrainingOutcome train(
      String name, Path data, TrainingSpec params, int workers, int prefetch, Integer stopAfter)
      throws IOException {
    DatasetSpec spec = new DatasetSpec();
    spec.setType(DatasetSpec.Type.IMAGE_FOLDER);
    spec.setPath(data.toString());
    spec.setImageSize(8);
    spec.setNumWorkers(workers);
    spec.setPrefetch(prefetch);
    spec.setRandomResizedCrop(true);
    spec.setHorizontalFlip(true);
    spec.setRandomCropPadding(1);
    ImageSplit trainSplit = DatasetLoader.split(spec, true);
    Normalization norm = trainSplit.statistics();
    BatchSource train =
        trainSplit.batches(norm, 8, true, SampleAugmentation.training(spec), params.getSeed());
    BatchSource valid =
        DatasetLoader.split(spec, false).batches(norm, 16, false, SampleAugmentation.NONE, 0);
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getEngine("PyTorch").setRandomSeed(name.equals("full") || stopAfter != null ? 1 : 99);
      Block student =
          Models.build(
              "mlp",
              Map.of("hiddenSizes", List.of(16), "numClasses", 3),
              manager,
              new Shape(1, 3, 8, 8));
      SupervisedTrainer trainer =
          new SupervisedTrainer(name, tmp).setStudentDescription("mlp", MLP);
      if (stopAfter != null) {
        trainer.addListener(
            new TrainingProgressListener() {
              @Override
              public void onEpochEnd(EpochRecord epoch) {
                if (epoch.epoch() == stopAfter) {
                  trainer.requestStop();
                }
              }
            });
      }
      return trainer.train(student, TrainingParams.from(params), train, valid);
    }
  }
}
