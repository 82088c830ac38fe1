package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import lombok.Data;

/** The dataset: where it is, how it is batched, normalised and augmented. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatasetSpec {
  /** Debian's dataset-fashion-mnist installs the IDX files here. */
  public static final String DEFAULT_FASHION_MNIST_PATH = "/usr/share/datasets/fashion-mnist";

  /** Default of {@code numWorkers}. */
  public static final int DEFAULT_NUM_WORKERS = 2;

  /** Default of {@code prefetch}. */
  public static final int DEFAULT_PREFETCH = 2;

  /** Default of {@code randomResizedCropMinScale} (torchvision's). */
  public static final double DEFAULT_RANDOM_RESIZED_CROP_MIN_SCALE = 0.08;

  /** Upper bound of {@code numWorkers}. */
  public static final int MAX_NUM_WORKERS = 256;

  /** Upper bound of {@code prefetch}. */
  public static final int MAX_PREFETCH = 64;

  /** Dataset formats. */
  public enum Type {
    /** Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz] etc.). */
    @JsonProperty("fashionMnist")
    FASHION_MNIST,
    /** MNIST IDX files (same format). */
    @JsonProperty("mnist")
    MNIST,
    /** CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin). */
    @JsonProperty("cifar10")
    CIFAR10,
    /** train/ and val/ folders with one sub-folder of JPEG/PNG images per class. */
    @JsonProperty("imageFolder")
    IMAGE_FOLDER
  }

  @Size(max = 32)
  @JsonPropertyDescription("Dataset format: fashionMnist (default), mnist, cifar10, imageFolder.")
  private Type type = Type.FASHION_MNIST;

  @Size(max = 4096)
  @JsonPropertyDescription(
      "Directory holding the dataset. Default /usr/share/datasets/fashion-mnist for"
          + " fashionMnist; required for the other types.")
  private String path;

  @Min(1)
  @JsonPropertyDescription("Training batch size. Default 128.")
  private Integer batchSize = 128;

  @Min(1)
  @JsonPropertyDescription("Validation batch size. Default 512.")
  private Integer validBatchSize = 512;

  @Min(1)
  @JsonPropertyDescription("Use only the first N training examples (quick runs, tests).")
  private Integer trainLimit;

  @Min(1)
  @JsonPropertyDescription("Use only the first N validation examples.")
  private Integer validLimit;

  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "Per-channel normalisation mean. Default: the dataset's own statistics (imageFolder:"
          + " estimated from its first 4096 training images).")
  private List<Double> mean;

  @Size(min = 1, max = 16)
  @JsonPropertyDescription("Per-channel normalisation std. Default: the dataset's own statistics.")
  private List<Double> std;

  @Min(0)
  @JsonPropertyDescription(
      "Zero padding before a random crop back to the image size; 0 disables. Default 0.")
  private Integer randomCropPadding = 0;

  @JsonPropertyDescription("Random horizontal flip of training images. Default false.")
  private Boolean horizontalFlip = false;

  @Min(1)
  @JsonPropertyDescription(
      "imageFolder: images are resized (shorter side) and centre-cropped to this size. Default 224.")
  private Integer imageSize = 224;

  @JsonPropertyDescription(
      "imageFolder: train on torchvision's RandomResizedCrop (a random region of"
          + " randomResizedCropMinScale..100 % of the area, aspect ratio 3/4..4/3, resized to"
          + " imageSize) instead of the resized centre crop. Validation always uses the centre"
          + " crop. Default false.")
  private Boolean randomResizedCrop = false;

  @Min(value = 0, inclusive = false)
  @Max(1)
  @JsonPropertyDescription(
      "imageFolder with randomResizedCrop: the smallest fraction of the image area a crop may"
          + " cover, in (0, 1]. Default 0.08 (torchvision's).")
  private Double randomResizedCropMinScale = DEFAULT_RANDOM_RESIZED_CROP_MIN_SCALE;

  @Min(1)
  @Max(MAX_NUM_WORKERS)
  @JsonPropertyDescription(
      "imageFolder: threads that decode and augment images while the model trains. Default 2.")
  private Integer numWorkers = DEFAULT_NUM_WORKERS;

  @Min(1)
  @Max(MAX_PREFETCH)
  @JsonPropertyDescription(
      "imageFolder: batches decoded ahead of the training step (bounds the loader's memory to"
          + " about (prefetch + 1) x batchSize x 3 x imageSize^2 x 4 bytes). Default 2.")
  private Integer prefetch = DEFAULT_PREFETCH;
}
