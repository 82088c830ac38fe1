package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher ({@code bin/kdflow}, the trainer image's entrypoint) in a POSIX locale, as the CUDA
 * base image leaves it: an ImageFolder whose class and file names are not ASCII trains. Without the
 * launcher's UTF-8 fallback the JVM decodes those names in ASCII and cannot open the files.
 */
class LauncherLocaleIT {
  private static final Path LAUNCHER = Path.of("bin/kdflow");
  private static final Path DISTRIBUTION = Path.of("target/kdflow");

  @TempDir Path tmp;

  @Test
  void nonAsciiDatasetNamesTrainInAPosixLocale() throws Exception {
    assertThat(DISTRIBUTION.resolve("lib"))
        .as("the distribution the package phase builds (run through mvn verify)")
        .isDirectoryContaining(p -> p.getFileName().toString().endsWith(".jar"));
    Path data = tmp.resolve("data");
    for (String split : List.of("train", "val")) {
      writeImages(data.resolve(split), "red", Color.RED);
      writeImages(data.resolve(split), "blue", Color.BLUE);
    }
    // Non-ASCII names made by the shell from their UTF-8 bytes, whatever this JVM's locale is:
    // the class "grün" and files "bild_N_café_图.png".
    run(
        List.of(
            "bash",
            "-c",
            "cd \"$1\" && for split in train val; do"
                + " mv \"$split/red\" \"$split/$(printf 'gr\\303\\274n')\";"
                + " for f in \"$split\"/*/*.png; do"
                + " mv \"$f\" \"${f%.png}_$(printf 'caf\\303\\251_\\345\\233\\276').png\"; done; done",
            "_",
            data.toString()),
        Map.of());
    Path manifest =
        CliRun.write(
            tmp.resolve("names.yaml"),
            """
            apiVersion: kdflow.dev/v1alpha1
            kind: KDExperiment
            metadata: {name: names}
            spec:
              student:
                architecture: mlp
                archParams: {hiddenSizes: [4], numClasses: 2}
              training: {maxEpochs: 1, initialLr: 0.05, seed: 1}
              dataset: {type: imageFolder, path: %s, imageSize: 8, batchSize: 4}
              checkpoints: {rootDir: %s}
            """
                .formatted(data, tmp.resolve("checkpoints")));

    Map<String, String> posix = Map.of("LANG", "C", "KDFLOW_HOME", DISTRIBUTION.toString());
    Result result =
        run(
            List.of("bash", LAUNCHER.toString(), "run", manifest.toString(), "--progress=quiet"),
            posix);

    assertThat(result.exit()).as(result.output()).isZero();
    String start = Files.readAllLines(tmp.resolve("checkpoints/names/metrics.jsonl")).get(0);
    assertThat(new ObjectMapper().readTree(start).get("trainSize").asInt()).isEqualTo(12);
  }

  private record Result(int exit, String output) {}

  /** Runs a command with LANG, LC_ALL and LC_CTYPE removed and {@code env} added. */
  private static Result run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeAll(List.of("LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE"));
    pb.environment().putAll(env);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
    return new Result(p.exitValue(), output);
  }

  private static void writeImages(Path split, String label, Color color) throws IOException {
    Path dir = Files.createDirectories(split.resolve(label));
    BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        image.setRGB(x, y, color.getRGB());
      }
    }
    for (int i = 0; i < 6; i++) {
      assertThat(ImageIO.write(image, "png", dir.resolve("bild_" + i + ".png").toFile())).isTrue();
    }
  }
}
