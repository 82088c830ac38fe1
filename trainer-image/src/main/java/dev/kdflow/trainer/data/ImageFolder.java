package dev.kdflow.trainer.data;

import dev.kdflow.api.DatasetSpec;
import java.nio.file.Path;

/** Placeholder of the ImageFolder loader; the real loader replaces this class. */
public final class ImageFolder {
  private ImageFolder() {}

  /** Not supported in this build. */
  public static ImageData load(Path dir, boolean train, DatasetSpec spec) {
    throw new UnsupportedOperationException("dataset type ImageFolder is not yet supported");
  }
}
