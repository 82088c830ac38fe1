package dev.kdflow.trainer.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.data.ImageBatches;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The epoch loop of one run: resume from ckpt_latest, then per epoch the {@link TrainingStep}s, the
 * {@link ValidationPass}, ckpt_best / ckpt_epoch_N / ckpt_latest through the {@link
 * CheckpointWriter}, and the progress events.
 *
 * <p>Why not DJL's {@code EasyTrain.fit} with a {@code ai.djl.training.Trainer}: the loop must be
 * resumable bit for bit, which needs the data order, augmentation and dropout seeded per epoch from
 * {@code (seed, epoch)} and the optimizer's and EMA's state saved and restored; DJL's optimizers
 * keep their state private and cannot be checkpointed, {@code EasyTrain} draws batches from a
 * {@code Dataset} iterator that cannot be positioned at an epoch, and KD needs two networks of
 * which only one is trained and one loss that sees both outputs. The loop is small; what it calls
 * (step, validation, checkpoints) each lives in its own class.
 */
final class EpochLoop {
  private final String experimentName;
  private final ExperimentDirectory dir;
  private final CheckpointWriter writer;
  private final CheckpointReader reader;
  private final Consumer<Consumer<TrainingProgressListener>> emit;
  private final BooleanSupplier stopRequested;

  /**
   * @param dir the experiment directory; null runs without checkpoints (and resume)
   * @param emit delivers an event to every listener
   * @param stopRequested polled at each step boundary
   */
  EpochLoop(
      String experimentName,
      ExperimentDirectory dir,
      CheckpointWriter writer,
      CheckpointReader reader,
      Consumer<Consumer<TrainingProgressListener>> emit,
      BooleanSupplier stopRequested) {
    this.experimentName = experimentName;
    this.dir = dir;
    this.writer = writer;
    this.reader = reader;
    this.emit = emit;
    this.stopRequested = stopRequested;
  }

  /** Trains the task until {@code maxEpochs}, a stop request or a failure. */
  TrainingOutcome run(
      TrainingTask task,
      TrainingParams trainingParams,
      BatchSource trainLoader,
      BatchSource validLoader) {
    TrainingSpec params = trainingParams.spec();
    Block student = task.student();
    Map<String, Parameter> all = dev.kdflow.trainer.checkpoint.Weights.parameters(student);
    Map<String, Parameter> trainable = new LinkedHashMap<>();
    all.forEach(
        (n, p) -> {
          if (p.requiresGradient()) {
            trainable.put(n, p);
          }
        });
    if (trainable.isEmpty()) {
      throw new IllegalArgumentException("the student has no trainable parameter");
    }
    if (task.auxiliary() != null) {
      dev.kdflow.trainer.checkpoint.Weights.parameters(task.auxiliary())
          .forEach((n, p) -> trainable.put(TrainingTask.AUXILIARY_PREFIX + n, p));
    }
    int maxEpochs = params.getMaxEpochs();
    int stepsPerEpoch = trainLoader.numBatches();
    long seed = params.getSeed();
    int validFreq = params.getRunValidationFreq();
    String metric = params.getMetricToWatch() == TrainingSpec.Metric.TOP5 ? "top5" : "top1";
    double clip = params.getClipGradNorm() == null ? 0 : params.getClipGradNorm();
    LrSchedule schedule = new LrSchedule(params);
    Engine engine = Engine.getEngine("PyTorch");

    try (NDManager root =
        NDManager.newBaseManager(all.values().iterator().next().getArray().getDevice())) {
      ParameterOptimizer optimizer = ParameterOptimizer.create(params, trainable, root);
      Ema ema =
          params.getEma()
              ? new Ema(all, params.getEmaParams(), (long) maxEpochs * stepsPerEpoch, root)
              : null;
      ParameterStore ps = new ParameterStore(root, false);
      TrainingStep trainingStep = new TrainingStep(engine, task, trainable, optimizer, ema, clip);

      int startEpoch = 0;
      long globalStep = 0;
      EpochRecord.Best best = null;
      Integer resumedFrom = null;
      EpochRecord.ValidMetrics lastValid = null;
      if (dir != null && Boolean.TRUE.equals(params.getResume())) {
        LatestState state = reader.restore(task, optimizer, ema, root);
        if (state != null) {
          startEpoch = state.epoch();
          globalStep = state.globalStep();
          best = state.best();
          resumedFrom = state.epoch();
          lastValid = state.lastValid();
        }
      }
      Integer resumed = resumedFrom;
      emit.accept(
          l ->
              l.onStart(
                  new StartRecord(
                      experimentName,
                      resumed,
                      maxEpochs,
                      stepsPerEpoch,
                      trainLoader.size(),
                      validLoader == null ? 0 : validLoader.size(),
                      task.teacher() != null,
                      Instant.now())));
      int epoch = startEpoch;
      try {
        if (startEpoch < maxEpochs) {
          task.prepare(ps, trainLoader, validLoader);
        }
        for (; epoch < maxEpochs; epoch++) {
          if (stopRequested.getAsBoolean()) {
            break;
          }
          long epochStart = System.nanoTime();
          engine.setRandomSeed((int) (mixSeed(seed, epoch) & 0x7fffffff));
          BatchSource.Epoch batches = trainLoader.epoch(epoch);
          double lossSum = 0;
          double taskSum = 0;
          double distillSum = 0;
          boolean hasDistill = false;
          long correct = 0;
          long seen = 0;
          double lr = 0;
          int step = 0;
          JniUtils.setGradMode(false);
          while (batches.hasNext()) {
            if (stopRequested.getAsBoolean()) {
              break;
            }
            lr = schedule.lr(epoch, step, stepsPerEpoch);
            try (NDScope scope = new NDScope();
                NDManager sm = root.newSubManager()) {
              scope.suppressNotUsedWarning();
              BatchSource.Batch batch = batches.next(sm);
              TrainingStep.Result r =
                  trainingStep.run(
                      ps, batch, lr, sm, "epoch " + (epoch + 1) + ", step " + (step + 1));
              correct += r.correct();
              seen += r.size();
              lossSum += r.total() * r.size();
              taskSum += r.task() * r.size();
              if (r.distill() != null) {
                hasDistill = true;
                distillSum += r.distill() * r.size();
              }
              globalStep++;
              step++;
              StepRecord rec =
                  new StepRecord(
                      epoch + 1,
                      globalStep,
                      step,
                      stepsPerEpoch,
                      r.total(),
                      r.task(),
                      r.distill(),
                      lr,
                      Instant.now());
              emit.accept(l -> l.onStep(rec));
            }
          }
          if (stopRequested.getAsBoolean() && batches.hasNext()) {
            break; // a partial epoch is not checkpointed; resume repeats it
          }
          EpochRecord.TrainMetrics trainMetrics =
              new EpochRecord.TrainMetrics(
                  lossSum / seen,
                  taskSum / seen,
                  hasDistill ? distillSum / seen : null,
                  correct / (double) seen);
          boolean validate =
              validLoader != null && ((epoch + 1) % validFreq == 0 || epoch + 1 == maxEpochs);
          List<String> written = new ArrayList<>();
          EpochRecord.ValidMetrics valid = null;
          try (NDManager scratch = root.newSubManager()) {
            if (ema != null) {
              ema.swapIn(scratch);
            }
            try {
              if (validate) {
                valid = ValidationPass.run(task, ps, validLoader);
                lastValid = valid;
                if (best == null || valid.get(metric) > best.value()) {
                  best = new EpochRecord.Best(metric, valid.get(metric), epoch + 1);
                  if (dir != null) {
                    writer.writeStudent(
                        dir.best(), student, "best", metric, valid, epoch + 1, ema != null);
                    written.add(dir.best().toString());
                  }
                }
              }
              if (dir != null
                  && params.getSaveCkptEpochList() != null
                  && params.getSaveCkptEpochList().contains(epoch + 1)) {
                Path target = dir.epoch(epoch + 1);
                writer.writeStudent(
                    target, student, "epoch", metric, valid, epoch + 1, ema != null);
                written.add(target.toString());
              }
            } finally {
              if (ema != null) {
                ema.swapOut();
              }
            }
          }
          if (dir != null) {
            writer.writeLatest(
                task, optimizer, ema, epoch + 1, globalStep, best, seed, maxEpochs, lastValid);
            written.add(dir.latest().toString());
          }
          EpochRecord record =
              new EpochRecord(
                  epoch + 1,
                  maxEpochs,
                  lr,
                  trainMetrics,
                  valid,
                  best,
                  (System.nanoTime() - epochStart) / 1e9,
                  written,
                  Instant.now());
          emit.accept(l -> l.onEpochEnd(record));
        }
      } catch (TrainingFailedException e) {
        throw failed(e, epoch);
      } catch (IOException e) {
        throw failed(
            new TrainingFailedException(
                "writing a checkpoint failed: "
                    + e.getMessage()
                    + "; the previous checkpoints are intact: fix the checkpoint volume (e.g. free"
                    + " space) and resume",
                e),
            epoch);
      } catch (RuntimeException e) {
        throw failed(
            new TrainingFailedException("training failed at epoch " + (epoch + 1) + ": " + e, e),
            epoch);
      }
      String status = epoch < maxEpochs ? EndRecord.STOPPED : EndRecord.SUCCEEDED;
      int done = epoch;
      emit.accept(
          l ->
              l.onEnd(
                  new EndRecord(
                      status,
                      status.equals(EndRecord.STOPPED) ? "stop requested" : null,
                      done,
                      Instant.now())));
      Path bestDir = dir == null ? null : dir.best();
      return new TrainingOutcome(
          status,
          epoch,
          resumedFrom,
          lastValid,
          best,
          dir == null ? null : dir.path(),
          dir == null ? null : dir.latest(),
          bestDir != null && Files.isDirectory(bestDir) ? bestDir : null);
    }
  }

  /**
   * Reports a failed run to the listeners and returns its exception. A listener that fails too
   * (e.g. the metrics file on a full disk) does not hide the run's failure.
   */
  private TrainingFailedException failed(TrainingFailedException e, int epochsDone) {
    EndRecord end = new EndRecord(EndRecord.FAILED, e.getMessage(), epochsDone, Instant.now());
    try {
      emit.accept(l -> l.onEnd(end));
    } catch (RuntimeException listenerFailure) {
      e.addSuppressed(listenerFailure);
    }
    return e;
  }

  /** Seed of epoch e's engine generator (dropout), independent of history and of data order. */
  static long mixSeed(long seed, int epoch) {
    return ImageBatches.mix(~seed, epoch);
  }
}
