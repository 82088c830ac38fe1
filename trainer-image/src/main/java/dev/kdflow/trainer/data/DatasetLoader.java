package dev.kdflow.trainer.data;

import dev.kdflow.api.DatasetSpec;
import java.io.IOException;
import java.nio.file.Path;

/** Loads one split of a dataset format into memory. */
@FunctionalInterface
public interface DatasetLoader {
  /**
   * @param dir the dataset directory
   * @param train true for the training split, false for the validation/test split
   * @param spec the whole dataset spec
   */
  ImageData load(Path dir, boolean train, DatasetSpec spec) throws IOException;

  /** The loader of a dataset type. */
  static DatasetLoader of(DatasetSpec.Type type) {
    return switch (type) {
      case FASHION_MNIST, MNIST -> FashionMnist::load;
      case CIFAR10 -> Cifar10::load;
      case IMAGE_FOLDER -> ImageFolder::load;
    };
  }

  /**
   * The directory of a spec whose defaults are resolved: its path, or the default for
   * Fashion-MNIST; null when unknown.
   */
  static Path directoryOf(DatasetSpec spec) {
    if (spec.getPath() != null && !spec.getPath().isBlank()) {
      return Path.of(spec.getPath());
    }
    return spec.getType() == DatasetSpec.Type.FASHION_MNIST
        ? Path.of(DatasetSpec.DEFAULT_FASHION_MNIST_PATH)
        : null;
  }
}
