package dev.kdflow.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.trainer.data.FashionMnist;
import dev.kdflow.trainer.data.ImageData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Shared test inputs: golden fixtures and small Fashion-MNIST subsets. */
public final class TestData {
  private static ImageData train;
  private static ImageData test;

  private TestData() {}

  /** The shared fixtures directory ({@code kdflow.shared.dir}/fixtures). */
  public static Path fixtures() {
    return Path.of(System.getProperty("kdflow.shared.dir", "../../shared"), "fixtures");
  }

  public static JsonNode json(String fixture) {
    try {
      return new ObjectMapper().readTree(fixtures().resolve(fixture).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first n Fashion-MNIST training images. */
  public static synchronized ImageData train(int n) {
    try {
      if (train == null) {
        train =
            FashionMnist.load(
                Path.of(DatasetSpec.DEFAULT_FASHION_MNIST_PATH), true, new DatasetSpec());
      }
      return train.limit(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first n Fashion-MNIST test images. */
  public static synchronized ImageData test(int n) {
    try {
      if (test == null) {
        test =
            FashionMnist.load(
                Path.of(DatasetSpec.DEFAULT_FASHION_MNIST_PATH), false, new DatasetSpec());
      }
      return test.limit(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
