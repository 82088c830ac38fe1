package dev.kdflow.trainer.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A split served as labelled batches, epoch by epoch: what the training loop, validation and the
 * teacher-output cache read. Implementations keep the order and every image's view (augmentation) a
 * pure function of {@code (seed, epoch, index)}, so a resumed run sees exactly the batches an
 * uninterrupted one would, and any single view can be recomputed alone with {@link #view}. Every
 * batch's arrays are created in (and owned by) the manager passed to {@link Epoch#next}.
 */
public interface BatchSource {

  /** Number of images. */
  int size();

  /** Images per batch (the last batch of an epoch may be smaller). */
  int batchSize();

  /** Batches per epoch. */
  default int numBatches() {
    return (size() + batchSize() - 1) / batchSize();
  }

  /** The per-channel normalisation applied to every image. */
  Normalization normalization();

  /** Whether views are randomly augmented (then the same image differs from epoch to epoch). */
  boolean isAugmented();

  /** Shape of one batch of {@code n} images (NCHW). */
  Shape batchShape(int n);

  /** The batches of one epoch (0-based epoch index). */
  Epoch epoch(int epochIndex);

  /**
   * The same split in dataset order without augmentation (epoch views are then the same in every
   * epoch), with this source's normalisation and batch size.
   */
  BatchSource inOrder();

  /**
   * The normalised view of image {@code index} in epoch {@code epochIndex}, CHW, exactly as it
   * appears in that epoch's batch.
   */
  float[] view(int epochIndex, int index);

  /** The class label of image {@code index}. */
  int label(int index);

  /** Iterates the batches of one epoch; one consumer thread. */
  interface Epoch {
    /** Whether another batch follows. */
    boolean hasNext();

    /** The next batch, its arrays created in {@code manager}. */
    Batch next(NDManager manager);
  }

  /**
   * A labelled batch.
   *
   * @param images NCHW, normalised (and augmented)
   * @param labels int64 class indices
   * @param size images in the batch
   * @param indices each image's index in the dataset
   */
  record Batch(NDArray images, NDArray labels, int size, int[] indices) {}
}
