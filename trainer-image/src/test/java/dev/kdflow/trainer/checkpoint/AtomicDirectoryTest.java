package dev.kdflow.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint directory is replaced whole or not at all. */
class AtomicDirectoryTest {
  @TempDir Path tmp;

  @Test
  void replacesTheWholeDirectory() throws IOException {
    Path target = tmp.resolve("ckpt_latest");
    AtomicDirectory.write(target, d -> Files.writeString(d.resolve("a"), "1"));
    AtomicDirectory.write(target, d -> Files.writeString(d.resolve("b"), "2"));
    assertThat(target.resolve("a")).doesNotExist();
    assertThat(target.resolve("b")).hasContent("2");
    try (var s = Files.list(tmp)) {
      assertThat(s).containsExactly(target);
    }
  }

  @Test
  void aFailedWriteLeavesThePreviousCheckpointAndNoLeftovers() throws IOException {
    Path target = tmp.resolve("ckpt_latest");
    AtomicDirectory.write(target, d -> Files.writeString(d.resolve("model"), "good"));
    assertThatThrownBy(
            () ->
                AtomicDirectory.write(
                    target,
                    d -> {
                      Files.writeString(d.resolve("model"), "half");
                      throw new IOException("disk full");
                    }))
        .hasMessageContaining("disk full");
    assertThat(target.resolve("model")).hasContent("good");
    try (var s = Files.list(tmp)) {
      assertThat(s).containsExactly(target);
    }
  }

  @Test
  void resolveFindsThePreviousVersionAfterACrashBetweenTheRenames() throws IOException {
    Path target = tmp.resolve("ckpt_latest");
    Path old = tmp.resolve("ckpt_latest.old-1234");
    Files.createDirectories(old);
    assertThat(AtomicDirectory.resolve(target)).isEqualTo(old);
    Files.createDirectories(target);
    assertThat(AtomicDirectory.resolve(target)).isEqualTo(target);
  }
}
