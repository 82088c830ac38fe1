package dev.kdflow.trainer.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.kdflow.api.EmaParams;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.TestData;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.models.Models;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The training process that {@link TrainerFaultLoopIT} kills and resumes: always the same run
 * (seeded data order, augmentation, dropout, initial weights; AdamW, EMA, clipping, cosine
 * schedule), resuming from ckpt_latest when there is one. Prints {@code step N} after every
 * optimizer step and {@code done} at the end, so that the parent can time its kills.
 *
 * <p>Arguments: checkpoint root, experiment name, max epochs.
 */
public final class FaultLoopTrainee {
  /** Network of the run: big enough that writing ckpt_latest takes a while (about 6 MB). */
  static final Map<String, Object> MLP = Map.of("hiddenSizes", List.of(512, 256), "dropout", 0.1);

  /** Training images; with batches of 32, 16 steps per epoch. */
  static final int TRAIN_IMAGES = 512;

  static final int BATCH = 32;

  private FaultLoopTrainee() {}

  public static void main(String[] args) {
    Path root = Path.of(args[0]);
    String name = args[1];
    int maxEpochs = Integer.parseInt(args[2]);
    ImageData t = TestData.train(TRAIN_IMAGES);
    Normalization norm = Normalization.statisticsOf(t);
    ImageBatches train = new ImageBatches(t, norm, BATCH, true, 2, true, 5L);
    ImageBatches valid = ImageBatches.sequential(TestData.test(256), norm, 128);
    TrainingSpec p = new TrainingSpec();
    p.setMaxEpochs(maxEpochs);
    p.setOptimizer(TrainingSpec.Optimizer.AdamW);
    p.setInitialLr(0.002);
    p.setSeed(7L);
    p.setLrMode(TrainingSpec.LrMode.COSINE);
    p.setLrWarmupEpochs(1);
    p.setEma(true);
    EmaParams ema = new EmaParams();
    ema.setDecay(0.9);
    p.setEmaParams(ema);
    p.setClipGradNorm(5.0);
    p.setResume(true);
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getEngine("PyTorch").setRandomSeed(11);
      Block mlp = Models.build("mlp", MLP, manager, new Shape(1, 1, 28, 28));
      SupervisedTrainer trainer = new SupervisedTrainer(name, root);
      trainer
          .setStudentDescription("mlp", MLP)
          .addListener(new MetricsJsonlWriter(ExperimentDirectory.of(root, name).metricsFile(), 1))
          .addListener(
              new TrainingProgressListener() {
                @Override
                public void onStep(StepRecord step) {
                  System.out.println("step " + step.step());
                  System.out.flush();
                }
              });
      trainer.train(mlp, TrainingParams.from(p), train, valid);
    }
    System.out.println("done");
    System.out.flush();
  }
}
