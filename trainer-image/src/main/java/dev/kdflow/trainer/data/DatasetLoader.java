package dev.kdflow.trainer.data;

import dev.kdflow.api.DatasetSpec;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens one split of a dataset format: small formats load into memory, image folders are streamed
 * from disk.
 */
@FunctionalInterface
public interface DatasetLoader {
  /**
   * @param dir the dataset directory
   * @param train true for the training split, false for the validation/test split
   * @param spec the whole dataset spec
   */
  ImageSplit load(Path dir, boolean train, DatasetSpec spec) throws IOException;

  /** The loader of a dataset type. */
  static DatasetLoader of(DatasetSpec.Type type) {
    return switch (type) {
      case FASHION_MNIST, MNIST -> FashionMnist::load;
      case CIFAR10 -> Cifar10::load;
      case IMAGE_FOLDER -> ImageFolderSplit::open;
    };
  }

  /**
   * One split of a spec whose defaults are resolved: its type's loader on its directory, cut to
   * {@code trainLimit} or {@code validLimit}.
   */
  static ImageSplit split(DatasetSpec spec, boolean train) throws IOException {
    ImageSplit split = of(spec.getType()).load(directoryOf(spec), train, spec);
    if (split instanceof ImageData inMemory) {
      // folder splits apply the limit while listing, before anything is read
      return inMemory.limit(train ? spec.getTrainLimit() : spec.getValidLimit());
    }
    return split;
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
