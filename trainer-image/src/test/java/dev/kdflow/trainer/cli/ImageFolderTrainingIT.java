package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image folder too large to hold in memory the old way (20,000 images at 224x224 are 3.0e9
 * floats, past Java's array limit) trains end to end from the CLI, streamed from disk. The files
 * are 8x8 JPEGs and the student a linear-sized MLP, so the run takes about a minute.
 */
class ImageFolderTrainingIT {
  private static final int TRAIN_IMAGES = 20_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void aFolderPastTheInMemoryLimitTrainsAnEpochWithAugmentation() throws IOException {
    Path data = tmp.resolve("data");
    writeImages(data.resolve("train"), TRAIN_IMAGES / 2);
    writeImages(data.resolve("val"), 32);
    assertThat(3L * 224 * 224 * TRAIN_IMAGES).isGreaterThan(Integer.MAX_VALUE);
    Path root = tmp.resolve("checkpoints");
    Path manifest =
        CliRun.write(
            tmp.resolve("folder.yaml"),
            """
            apiVersion: kdflow.dev/v1alpha1
            kind: KDExperiment
            metadata:
              name: big-folder
            spec:
              student:
                architecture: mlp
                archParams: {hiddenSizes: [4], numClasses: 2}
              training:
                maxEpochs: 1
                optimizer: SGD
                initialLr: 0.01
                seed: 3
              dataset:
                type: imageFolder
                path: %s
                imageSize: 224
                batchSize: 100
                validBatchSize: 32
                randomResizedCrop: true
                horizontalFlip: true
                numWorkers: 2
                prefetch: 2
              checkpoints:
                rootDir: %s
            """
                .formatted(data.toAbsolutePath(), root.toAbsolutePath()));

    CliRun run = CliRun.of("run", manifest.toString(), "--progress=plain");

    assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
    Path dir = root.resolve("big-folder");
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      records.add(JSON.readTree(line));
    }
    JsonNode start = records.get(0);
    assertThat(start.get("trainSize").asInt()).isEqualTo(TRAIN_IMAGES);
    assertThat(start.get("stepsPerEpoch").asInt()).isEqualTo(TRAIN_IMAGES / 100);
    List<JsonNode> epochs =
        records.stream().filter(r -> r.get("type").asText().equals("epoch")).toList();
    assertThat(epochs).hasSize(1);
    // red against blue noise: the labels reached the student with their own images
    assertThat(epochs.get(0).get("valid").get("top1").asDouble()).isGreaterThan(0.9);
    assertThat(dir.resolve("ckpt_best/checkpoint.json")).isRegularFile();
  }

  /** Two classes of 8x8 JPEGs: bright-red and bright-blue noise. */
  private static void writeImages(Path split, int perClass) throws IOException {
    Random random = new Random(1);
    for (String cls : List.of("blue", "red")) {
      Path folder = Files.createDirectories(split.resolve(cls));
      for (int i = 0; i < perClass; i++) {
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 8; y++) {
          for (int x = 0; x < 8; x++) {
            int strong = 160 + random.nextInt(96);
            int weak = random.nextInt(96);
            int g = random.nextInt(128);
            image.setRGB(
                x,
                y,
                cls.equals("red") ? strong << 16 | g << 8 | weak : weak << 16 | g << 8 | strong);
          }
        }
        ImageIO.write(image, "jpg", folder.resolve(String.format("%05d.jpg", i)).toFile());
      }
    }
  }
}
