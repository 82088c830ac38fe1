package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArgumentsTest {
  @TempDir Path tmp;

  @Test
  void keyValuePairsAreOverridesUnlessAFileHasThatName() throws IOException {
    Path odd = Files.writeString(tmp.resolve("a=b.yaml"), "x: 1");

    Arguments args =
        Arguments.split(
            List.of("teacher.yaml", "kd.yaml", "training.maxEpochs=1", odd.toString(), "=x"));

    assertThat(args.files())
        .containsExactly(Path.of("teacher.yaml"), Path.of("kd.yaml"), odd, Path.of("=x"));
    assertThat(args.overrides()).containsExactly("training.maxEpochs=1");
  }
}
