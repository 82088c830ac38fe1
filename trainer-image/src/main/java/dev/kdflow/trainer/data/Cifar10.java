package dev.kdflow.trainer.data;

import dev.kdflow.api.DatasetSpec;
import java.nio.file.Path;

/** Placeholder of the Cifar10 loader; the real loader replaces this class. */
public final class Cifar10 {
  private Cifar10() {}

  /** Not supported in this build. */
  public static ImageData load(Path dir, boolean train, DatasetSpec spec) {
    throw new UnsupportedOperationException("dataset type Cifar10 is not yet supported");
  }
}
