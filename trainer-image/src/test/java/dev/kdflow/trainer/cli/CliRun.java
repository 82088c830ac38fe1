package dev.kdflow.trainer.cli;

import dev.kdflow.trainer.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/** One in-process kdflow invocation and what it printed. */
record CliRun(int exitCode, String out, String err) {

  static CliRun of(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        KDFlowCli.execute(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Clock.systemUTC());
    return new CliRun(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * A small, fast KD manifest: the TorchScript teacher of the fixtures distilled into a tiny MLP on
   * 256 Fashion-MNIST images, checkpoints under {@code root}.
   */
  static String manifest(String name, Path root, int maxEpochs) {
    return """
        apiVersion: kdflow.dev/v1alpha1
        kind: KDExperiment
        metadata:
          name: %s
        spec:
          student:
            architecture: mlp
            archParams:
              inputSize: 784
              hiddenSizes: [32]
              numClasses: 10
          teacher:
            torchscript: %s
          kd:
            loss:
              type: KDLogitsLoss
              distillationLossCoeff: 0.5
              temperature: 2.0
          training:
            maxEpochs: %d
            optimizer: SGD
            initialLr: 0.05
            seed: 7
          dataset:
            type: fashionMnist
            trainLimit: 256
            validLimit: 128
            batchSize: 64
          checkpoints:
            rootDir: %s
        """
        .formatted(
            name,
            TestData.fixtures().resolve("tiny_teacher.pt").toAbsolutePath(),
            maxEpochs,
            root.toAbsolutePath());
  }

  static Path write(Path file, String text) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, text);
    return file;
  }
}
