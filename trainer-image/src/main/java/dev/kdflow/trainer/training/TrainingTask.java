package dev.kdflow.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.loss.KDOutput;
import dev.kdflow.trainer.loss.LossParts;
import dev.kdflow.trainer.loss.SupervisedLoss;

/**
 * What the loop trains: the student, the frozen teacher (if any), how a batch runs, and its loss.
 * {@link SupervisedTrainer} trains a network alone; {@code kd.KDTrainer} a student beside a
 * teacher.
 */
public interface TrainingTask {
  /** The trained network (optimised, averaged, saved as ckpt_best). */
  Block student();

  /** The frozen teacher, or null. */
  default Block teacher() {
    return null;
  }

  /**
   * Trainable blocks beside the student (FitNets hint regressors), or null: optimised with the
   * student and saved in ckpt_latest under {@value #AUXILIARY_PREFIX}, never in ckpt_best and not
   * averaged by EMA.
   */
  default Block auxiliary() {
    return null;
  }

  /** The name prefix of {@link #auxiliary()}'s parameters in ckpt_latest and optimizer state. */
  String AUXILIARY_PREFIX = "auxiliary.";

  /** Runs one batch. */
  KDOutput forward(ParameterStore ps, NDList inputs, boolean training);

  /**
   * Runs one batch of a loader; {@code validation} tells which loader. The default ignores the
   * batch's indices; a task may use them (e.g. cached teacher outputs).
   */
  default KDOutput forward(
      ParameterStore ps, BatchSource.Batch batch, boolean training, boolean validation) {
    return forward(ps, new NDList(batch.images()), training);
  }

  /** Called once before the first epoch (after a resume restored the state). */
  default void prepare(ParameterStore ps, BatchSource train, BatchSource valid) {}

  /** The loss of one batch. */
  LossParts loss(KDOutput output, NDArray labels);

  /**
   * A network trained or evaluated alone, no teacher.
   *
   * @param model the network
   * @param loss its training loss; null for a task that is only evaluated
   */
  static TrainingTask alone(Block model, SupervisedLoss loss) {
    return new TrainingTask() {
      @Override
      public Block student() {
        return model;
      }

      @Override
      public KDOutput forward(ParameterStore ps, NDList inputs, boolean training) {
        return new KDOutput(model.forward(ps, inputs, training), null);
      }

      @Override
      public LossParts loss(KDOutput output, NDArray labels) {
        if (loss == null) {
          throw new UnsupportedOperationException("validation computes no training loss");
        }
        return loss.compute(output.studentOutput(), labels);
      }
    };
  }
}
