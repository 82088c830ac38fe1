package dev.kdflow.trainer.kd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kdflow.api.KDSpec;
import dev.kdflow.api.LossSpec;
import dev.kdflow.api.SpecDefaults;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.loss.EpochAwareLoss;
import dev.kdflow.trainer.loss.KDLogitsLoss;
import dev.kdflow.trainer.loss.KDLoss;
import dev.kdflow.trainer.loss.KDOutput;
import dev.kdflow.trainer.loss.LossParts;
import dev.kdflow.trainer.softlabels.SoftLabels;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.StartRecord;
import dev.kdflow.trainer.training.SupervisedTrainer;
import dev.kdflow.trainer.training.TrainingOutcome;
import dev.kdflow.trainer.training.TrainingParams;
import dev.kdflow.trainer.training.TrainingProgressListener;
import dev.kdflow.trainer.training.TrainingTask;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knowledge distillation (SuperGradients' {@code KDTrainer}): trains the student of a {@link
 * KDModule} against a KD loss that sees both outputs, the teacher frozen. Validation metrics and
 * ckpt_best are the student's; ckpt_latest holds the whole KD module.
 */
public class KDTrainer extends SupervisedTrainer {
  // the soft-label lines show at the launcher's default level (see trainer-image/bin/kdflow)
  private static final Logger LOG = LoggerFactory.getLogger(SoftLabels.class);
  private KDLoss kdLoss = KDLogitsLoss.from(new LossSpec());
  private KDSpec kdSpec = new KDSpec();
  private boolean cacheTeacherOutputs = true;
  private Boolean foldTeacherBatchNorm;
  private Hints hints;
  private final long teacherCacheMaxBytes = 2L << 30;
  private SoftLabels softLabels;
  private volatile int epochIndex;
  private final AtomicLong softLabelBatches = new AtomicLong();
  private final AtomicLong teacherBatches = new AtomicLong();

  /**
   * @param experimentName checkpoint sub-directory name
   * @param ckptRootDir checkpoint root; null disables checkpoints
   */
  public KDTrainer(String experimentName, Path ckptRootDir) {
    super(experimentName, ckptRootDir);
  }

  /**
   * The KD loss (default: {@link KDLogitsLoss} with α = 0.5, T = 1). An {@link EpochAwareLoss}
   * (DKD's warm-up follows the epoch) is told the finished epochs at the start, a resumed run
   * included, and after every epoch.
   */
  public KDTrainer setKDLoss(KDLoss loss) {
    this.kdLoss = loss;
    if (loss instanceof EpochAwareLoss epochAware) {
      addListener(
          new TrainingProgressListener() {
            @Override
            public void onStart(StartRecord start) {
              Integer resumed = start.resumedFromEpoch();
              epochAware.setEpochsDone(resumed == null ? 0 : resumed);
            }

            @Override
            public void onEpochEnd(EpochRecord epoch) {
              epochAware.setEpochsDone(epoch.epoch());
            }
          });
    }
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
   * Precomputed teacher outputs to train with instead of running the teacher (kd.precompute): a
   * training batch whose views they all hold reads them; any other runs the teacher, and the first
   * such batch logs one line saying why. Validation is unaffected.
   */
  public KDTrainer setSoftLabels(SoftLabels labels) {
    if (softLabels == null && labels != null) {
      addListener(
          new TrainingProgressListener() {
            @Override
            public void onStart(StartRecord start) {
              Integer resumed = start.resumedFromEpoch();
              epochIndex = resumed == null ? 0 : resumed;
            }

            @Override
            public void onEpochEnd(EpochRecord epoch) {
              epochIndex = epoch.epoch();
            }
          });
    }
    this.softLabels = labels;
    return this;
  }

  /** Training batches whose teacher outputs came from {@link #setSoftLabels soft labels}. */
  public long softLabelBatches() {
    return softLabelBatches.get();
  }

  /** Training batches for which the teacher ran although soft labels were set. */
  public long teacherFallbackBatches() {
    return teacherBatches.get();
  }

  /**
   * Whether the KD module built by {@link #train(Block, Block, TrainingParams, BatchSource,
   * BatchSource)} folds the teacher's BatchNorms into its convolutions (see {@link
   * KDModule#setFoldTeacherBatchNorm}); null keeps the module's default.
   */
  public KDTrainer setFoldTeacherBatchNorm(Boolean fold) {
    this.foldTeacherBatchNorm = fold;
    return this;
  }

  /**
   * FitNets hints for the KD module built by {@link #train(Block, Block, TrainingParams,
   * BatchSource, BatchSource)} (null: none); pair with a {@link
   * dev.kdflow.trainer.loss.FeatureHintLoss}. The regressors train with the student and are saved
   * in ckpt_latest; ckpt_best stays the student only.
   */
  public KDTrainer setHints(Hints hints) {
    this.hints = hints;
    return this;
  }

  /**
   * KD module settings used by {@link #train(Block, Block, TrainingParams, BatchSource,
   * BatchSource)}.
   */
  public KDTrainer setKDSpec(KDSpec spec) {
    // The rules and defaults a manifest's spec.kd gets.
    InvalidExperimentException.throwIfErrors(KDExperimentValidator.validateKD(spec));
    this.kdSpec = SpecDefaults.resolve(spec, KDSpec.class);
    return this;
  }

  /**
   * Builds a {@link KDModule} from the KD spec (teacher input adapter, runTeacherOnValidation,
   * teacherTrainMode) and distils the teacher into the student.
   *
   * @param student initialised student
   * @param teacher initialised teacher with its weights; frozen here
   */
  public TrainingOutcome train(
      Block student,
      Block teacher,
      TrainingParams trainingParams,
      BatchSource trainLoader,
      BatchSource validLoader) {
    Block adapter =
        kdSpec.getTeacherInputAdapter() == null
            ? null
            : NormalizationAdapter.from(kdSpec.getTeacherInputAdapter());
    KDModule module =
        new KDModule(student, teacher, adapter, kdSpec.getRunTeacherOnValidation())
            .setTeacherTrainMode(kdSpec.getTeacherTrainMode());
    if (foldTeacherBatchNorm != null) {
      module.setFoldTeacherBatchNorm(foldTeacherBatchNorm);
    }
    module.setHints(hints);
    return train(module, trainingParams, trainLoader, validLoader);
  }

  /**
   * Trains a caller-supplied KD module (e.g. a subclass returning intermediate outputs) with the
   * configured {@link KDLoss}.
   */
  public TrainingOutcome train(
      KDModule kdModule,
      TrainingParams trainingParams,
      BatchSource trainLoader,
      BatchSource validLoader) {
    KDLoss loss = kdLoss;
    // only the plain module: a subclass may use more of the teacher than its logits
    // A teacher in training mode changes its BatchNorm statistics every step: no reuse.
    boolean cacheable =
        cacheTeacherOutputs
            && kdModule.getClass() == KDModule.class
            && !kdModule.isTeacherTrainMode();
    long maxBytes = teacherCacheMaxBytes;
    SoftLabels precomputed = softLabels;
    return run(
        new TrainingTask() {
          private TeacherOutputCache trainCache;
          private TeacherOutputCache validCache;
          private boolean fallbackLogged;

          @Override
          public Block student() {
            return kdModule.getStudent();
          }

          @Override
          public Block teacher() {
            return kdModule.getTeacher();
          }

          @Override
          public Block auxiliary() {
            return kdModule.getHints() == null ? null : kdModule.getHints().regressors();
          }

          @Override
          public void prepare(ParameterStore ps, BatchSource train, BatchSource valid) {
            // a resume may have loaded the teacher's weights after an earlier run folded them
            kdModule.releaseFolded();
            if (!cacheable) {
              return;
            }
            if (precomputed != null) {
              LOG.info(
                  "soft labels: {} shard(s) in use{}; training steps read the teacher's outputs"
                      + " from them",
                  precomputed.shards().size(),
                  precomputed.refused().isEmpty()
                      ? ""
                      : ", " + precomputed.refused().size() + " refused");
            } else if (!train.isAugmented()) {
              trainCache = TeacherOutputCache.compute(kdModule, ps, train, maxBytes);
            }
            if (valid != null && kdModule.isRunTeacherOnValidation() && !valid.isAugmented()) {
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
            if (!validation && precomputed != null) {
              KDOutput stored = fromSoftLabels(ps, batch, training);
              if (stored != null) {
                return stored;
              }
            }
            TeacherOutputCache cache = validation ? validCache : trainCache;
            if (cache == null) {
              return kdModule.forwardKD(ps, new NDList(batch.images()), training);
            }
            NDList student = kdModule.forwardStudent(ps, new NDList(batch.images()), training);
            return new KDOutput(
                student, cache.lookup(batch.indices(), batch.images().getManager()));
          }

          private KDOutput fromSoftLabels(
              ParameterStore ps, BatchSource.Batch batch, boolean training) {
            int epoch = epochIndex;
            float[] teacher = precomputed.logits(epoch, batch.indices());
            if (teacher == null) {
              teacherBatches.incrementAndGet();
              if (!fallbackLogged) {
                fallbackLogged = true;
                LOG.warn(
                    "soft labels: the teacher runs in the loop from epoch {} on where views are"
                        + " missing: {}",
                    epoch + 1,
                    precomputed.missing(epoch, batch.indices()));
              }
              return null;
            }
            softLabelBatches.incrementAndGet();
            NDList student =
                kdModule.getStudent().forward(ps, new NDList(batch.images()), training);
            NDArray t =
                batch
                    .images()
                    .getManager()
                    .create(teacher, new Shape(batch.size(), precomputed.classes()));
            return new KDOutput(student, new NDList(t));
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
