package dev.kdflow.trainer.kd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDSpec;
import dev.kdflow.api.LossSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.ExperimentRunner;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.loss.KDLogitsLoss;
import dev.kdflow.trainer.loss.KDLoss;
import dev.kdflow.trainer.loss.LossParts;
import dev.kdflow.trainer.recipe.ExperimentLoader;
import dev.kdflow.trainer.training.Trainer;
import dev.kdflow.trainer.training.TrainingResult;
import java.nio.file.Path;
import java.util.List;

/**
 * Knowledge distillation (SuperGradients' {@code KDTrainer}): trains the student of a {@link
 * KDModule} against a KD loss that sees both outputs, the teacher frozen. Validation metrics and
 * ckpt_best are the student's; ckpt_latest holds the whole KD module.
 */
public class KDTrainer extends Trainer {
  private KDLoss kdLoss = KDLogitsLoss.from(new LossSpec());
  private KDSpec kdSpec = new KDSpec();
  private boolean cacheTeacherOutputs = true;
  private Boolean foldTeacherBatchNorm;
  private final long teacherCacheMaxBytes = 2L << 30;

  /**
   * SuperGradients' {@code KDTrainer.train_from_config}: reads a KD recipe (its snake_case keys,
   * with {@code key.path=value} overrides) and runs it as {@code kdflow train --recipe} does,
   * without the CLI's progress display.
   *
   * @throws dev.kdflow.trainer.recipe.InvalidInputException when the recipe cannot be read
   * @throws dev.kdflow.trainer.InvalidExperimentException before training, on bad input
   * @throws dev.kdflow.trainer.TrainingFailedException when training fails
   */
  public static TrainingResult trainFromConfig(Path recipe, List<String> overrides) {
    KDExperiment experiment = ExperimentLoader.loadRecipe(recipe, overrides);
    return new ExperimentRunner(experiment.getSpec(), experiment.getMetadata().getName()).run();
  }

  /**
   * @param experimentName checkpoint sub-directory name
   * @param ckptRootDir checkpoint root; null disables checkpoints
   */
  public KDTrainer(String experimentName, Path ckptRootDir) {
    super(experimentName, ckptRootDir);
  }

  /** The KD loss (default: {@link KDLogitsLoss} with α = 0.5, T = 1). */
  public KDTrainer setKDLoss(KDLoss loss) {
    this.kdLoss = loss;
    return this;
  }

  /**
   * Whether to cache the teacher's outputs when the training data is not augmented and the module
   * is a plain {@link KDModule} (default true): one teacher pass over each split before the first
   * epoch, none afterwards. Results equal the uncached run's up to float rounding of batch
   * composition.
   */
  public KDTrainer setCacheTeacherOutputs(boolean cache) {
    this.cacheTeacherOutputs = cache;
    return this;
  }

  /** Whether teacher outputs are cached (see {@link #setCacheTeacherOutputs}). */
  public boolean isCacheTeacherOutputs() {
    return cacheTeacherOutputs;
  }

  /**
   * Whether the KD module built by {@link #train(Block, Block, TrainingSpec, BatchSource,
   * BatchSource)} folds the teacher's BatchNorms into its convolutions (see {@link
   * KDModule#setFoldTeacherBatchNorm}); null keeps the module's default.
   */
  public KDTrainer setFoldTeacherBatchNorm(Boolean fold) {
    this.foldTeacherBatchNorm = fold;
    return this;
  }

  /**
   * KD module settings used by {@link #train(Block, Block, TrainingSpec, BatchSource,
   * BatchSource)}.
   */
  public KDTrainer setKDSpec(KDSpec spec) {
    this.kdSpec = spec == null ? new KDSpec() : spec;
    return this;
  }

  /**
   * Builds a {@link KDModule} from the KD spec (teacher input adapter, runTeacherOnEval) and
   * distils the teacher into the student.
   *
   * @param student initialised student
   * @param teacher initialised teacher with its weights; frozen here
   */
  public TrainingResult train(
      Block student,
      Block teacher,
      TrainingSpec trainingParams,
      BatchSource trainLoader,
      BatchSource validLoader) {
    Block adapter =
        kdSpec.getTeacherInputAdapter() == null
            ? null
            : NormalizationAdapter.from(kdSpec.getTeacherInputAdapter());
    KDModule module =
        new KDModule(
            student, teacher, adapter, !Boolean.FALSE.equals(kdSpec.getRunTeacherOnEval()));
    if (foldTeacherBatchNorm != null) {
      module.setFoldTeacherBatchNorm(foldTeacherBatchNorm);
    }
    return train(module, trainingParams, trainLoader, validLoader);
  }

  /**
   * Trains a caller-supplied KD module (e.g. a subclass returning intermediate outputs) with the
   * configured {@link KDLoss}.
   */
  public TrainingResult train(
      KDModule kdModule,
      TrainingSpec trainingParams,
      BatchSource trainLoader,
      BatchSource validLoader) {
    KDLoss loss = kdLoss;
    // only the plain module: a subclass may use more of the teacher than its logits
    boolean cacheable = cacheTeacherOutputs && kdModule.getClass() == KDModule.class;
    long maxBytes = teacherCacheMaxBytes;
    return run(
        new Task() {
          private TeacherOutputCache trainCache;
          private TeacherOutputCache validCache;

          @Override
          public Block student() {
            return kdModule.getStudent();
          }

          @Override
          public Block teacher() {
            return kdModule.getTeacher();
          }

          @Override
          public void prepare(ParameterStore ps, BatchSource train, BatchSource valid) {
            // a resume may have loaded the teacher's weights after an earlier run folded them
            kdModule.releaseFolded();
            if (!cacheable) {
              return;
            }
            if (!train.isAugmented()) {
              trainCache = TeacherOutputCache.compute(kdModule, ps, train, maxBytes);
            }
            if (valid != null && kdModule.isRunTeacherOnEval() && !valid.isAugmented()) {
              validCache = TeacherOutputCache.compute(kdModule, ps, valid, maxBytes);
            }
          }

          @Override
          public KDOutput forward(ParameterStore ps, NDList inputs, boolean training) {
            return kdModule.forwardKD(ps, inputs, training);
          }

          @Override
          public KDOutput forward(
              ParameterStore ps, BatchSource.Batch batch, boolean training, boolean validation) {
            TeacherOutputCache cache = validation ? validCache : trainCache;
            if (cache == null) {
              return kdModule.forwardKD(ps, new NDList(batch.images()), training);
            }
            NDList student =
                kdModule.getStudent().forward(ps, new NDList(batch.images()), training);
            NDArray teacher = cache.lookup(batch.indices(), batch.images().getManager());
            return new KDOutput(student, new NDList(teacher));
          }

          @Override
          public LossParts loss(KDOutput output, NDArray labels) {
            return loss.compute(output, labels);
          }
        },
        trainingParams,
        trainLoader,
        validLoader);
  }
}
