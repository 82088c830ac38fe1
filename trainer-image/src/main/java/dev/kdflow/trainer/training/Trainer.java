package dev.kdflow.trainer.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SymbolBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kdflow.api.EmaParams;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.TrainingFailedException;
import dev.kdflow.trainer.checkpoint.AtomicDirectory;
import dev.kdflow.trainer.checkpoint.NamedArrays;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.kd.KDOutput;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.LossParts;
import dev.kdflow.trainer.loss.SupervisedLoss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Plain supervised training (e.g. of a teacher), SuperGradients' {@code Trainer}: a lean loop of
 * forward, backward, optional gradient clipping, optimizer step and EMA update, with per-epoch
 * validation (Top-1/Top-5 of the student) and atomic checkpoints in {@code
 * <ckptRootDir>/<experimentName>/}: {@code ckpt_latest} (everything needed to resume exactly),
 * {@code ckpt_best} (the student only, EMA weights when EMA is on, plus {@code checkpoint.json})
 * and {@code ckpt_epoch_N}. {@link dev.kdflow.trainer.kd.KDTrainer} adds a frozen teacher.
 *
 * <p>Reproducibility: the data order and augmentation of epoch e and the engine's random generator
 * (dropout) are seeded from {@code (seed, e)}, never from history, so a run stopped after epoch k
 * and resumed with {@code resume = true} ends with the weights of an uninterrupted run.
 */
public class Trainer {
  /** ckpt_latest's directory name. */
  public static final String LATEST = "ckpt_latest";

  /** ckpt_best's directory name. */
  public static final String BEST = "ckpt_best";

  /** JSON sidecar of student-only checkpoints. */
  public static final String INFO_FILE = "checkpoint.json";

  /** JSON state of ckpt_latest. */
  public static final String STATE_FILE = "state.json";

  static final String OPTIMIZER_FILE = "optimizer.safetensors";
  static final String EMA_FILE = "ema.safetensors";
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  protected final String experimentName;
  protected final Path ckptRootDir;
  private final List<TrainingListener> listeners = new CopyOnWriteArrayList<>();
  private SupervisedLoss loss = new CrossEntropyLoss();
  private String architecture;
  private Map<String, Object> archParams = Map.of();
  private Map<String, Object> dataDescription = Map.of();
  private volatile boolean stopRequested;

  /**
   * @param experimentName checkpoint sub-directory name
   * @param ckptRootDir checkpoint root; null disables checkpoints (and resume)
   */
  public Trainer(String experimentName, Path ckptRootDir) {
    this.experimentName = experimentName;
    this.ckptRootDir = ckptRootDir;
  }

  /** Receives progress events. */
  public Trainer addListener(TrainingListener listener) {
    listeners.add(listener);
    return this;
  }

  /** The supervised loss (default: cross-entropy). */
  public Trainer setLoss(SupervisedLoss loss) {
    this.loss = loss;
    return this;
  }

  /** Records the student's registry name and arch params in checkpoint sidecars. */
  public Trainer setStudentDescription(String architecture, Map<String, Object> archParams) {
    this.architecture = architecture;
    this.archParams = archParams == null ? Map.of() : new LinkedHashMap<>(archParams);
    return this;
  }

  /**
   * Records how the data was prepared (e.g. {@code dataset}, {@code normalization}) in checkpoint
   * sidecars, so that a checkpoint can be evaluated on the same data later.
   */
  public Trainer setDataDescription(Map<String, Object> description) {
    this.dataDescription = description == null ? Map.of() : new LinkedHashMap<>(description);
    return this;
  }

  /**
   * Asks the current run (or, when none is running, the next one) to stop at the next step
   * boundary, e.g. on SIGTERM. The partial epoch is not checkpointed; the result says {@code
   * stopped}.
   */
  public void requestStop() {
    stopRequested = true;
  }

  /** {@code <ckptRootDir>/<experimentName>}, or null without checkpoints. */
  public Path experimentDir() {
    return ckptRootDir == null ? null : ckptRootDir.resolve(experimentName);
  }

  /**
   * Trains a network with the supervised loss.
   *
   * @param model an initialised network (see {@code Models.build})
   * @param trainingParams hyper-parameters
   * @param trainLoader training batches
   * @param validLoader validation batches
   */
  public TrainingResult train(
      Block model, TrainingSpec trainingParams, BatchSource trainLoader, BatchSource validLoader) {
    SupervisedLoss supervised = loss;
    return run(
        new Task() {
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
            return supervised.compute(output.studentOutput(), labels);
          }
        },
        trainingParams,
        trainLoader,
        validLoader);
  }

  /** What the loop trains: the student, how a batch runs, and its loss. */
  protected interface Task {
    /** The trained network (optimised, averaged, saved as ckpt_best). */
    Block student();

    /** The frozen teacher, or null. */
    default Block teacher() {
      return null;
    }

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
  }

  /** Runs the training loop for a task. */
  protected TrainingResult run(
      Task task, TrainingSpec params, BatchSource trainLoader, BatchSource validLoader) {
    checkParams(params);
    Block student = task.student();
    Map<String, Parameter> all = Weights.parameters(student);
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
    int maxEpochs = params.getMaxEpochs();
    int stepsPerEpoch = trainLoader.numBatches();
    long seed = params.getSeed() == null ? 42L : params.getSeed();
    int validFreq = params.getRunValidationFreq() == null ? 1 : params.getRunValidationFreq();
    String metric = params.getMetricToWatch() == TrainingSpec.Metric.TOP5 ? "top5" : "top1";
    double clip = params.getClipGradNorm() == null ? 0 : params.getClipGradNorm();
    LrSchedule schedule = new LrSchedule(params);
    Engine engine = Engine.getEngine("PyTorch");
    Path expDir = experimentDir();

    try (NDManager root =
        NDManager.newBaseManager(all.values().iterator().next().getArray().getDevice())) {
      ParameterOptimizer optimizer = ParameterOptimizer.create(params, trainable, root);
      Ema ema =
          Boolean.TRUE.equals(params.getEma())
              ? new Ema(
                  all,
                  params.getEmaParams() == null ? new EmaParams() : params.getEmaParams(),
                  (long) maxEpochs * stepsPerEpoch,
                  root)
              : null;
      ParameterStore ps = new ParameterStore(root, false);

      int startEpoch = 0;
      long globalStep = 0;
      EpochRecord.Best best = null;
      Integer resumedFrom = null;
      EpochRecord.ValidMetrics lastValid = null;
      if (expDir != null && Boolean.TRUE.equals(params.getResume())) {
        LatestState state = restore(task, optimizer, ema, root);
        if (state != null) {
          startEpoch = state.epoch();
          globalStep = state.globalStep();
          best = state.best();
          resumedFrom = state.epoch();
          lastValid = state.lastValid();
        }
      }
      Integer resumed = resumedFrom;
      emit(
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
          if (stopRequested) {
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
            if (stopRequested) {
              break;
            }
            lr = schedule.lr(epoch, step, stepsPerEpoch);
            try (NDScope scope = new NDScope();
                NDManager sm = root.newSubManager()) {
              scope.suppressNotUsedWarning();
              BatchSource.Batch batch = batches.next(sm);
              LossParts parts;
              KDOutput out;
              try (GradientCollector gc = engine.newGradientCollector()) {
                out = task.forward(ps, batch, true, false);
                parts = task.loss(out, batch.labels());
                gc.backward(parts.total());
              }
              double total = parts.total().getFloat();
              if (!Double.isFinite(total)) {
                throw new TrainingFailedException(
                    "loss is "
                        + total
                        + " at epoch "
                        + (epoch + 1)
                        + ", step "
                        + (step + 1)
                        + " (learning rate too high, or bad input data?); checkpoints are left"
                        + " as they were before this epoch");
              }
              Map<String, NDArray> grads = new LinkedHashMap<>();
              for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
                NDArray g = e.getValue().getArray().getGradient();
                g.attach(sm);
                grads.put(e.getKey(), g);
              }
              if (clip > 0) {
                clipGradNorm(grads, clip);
              }
              optimizer.step(grads, lr);
              for (Parameter p : trainable.values()) {
                JniUtils.zeroGrad((PtNDArray) p.getArray());
              }
              if (ema != null) {
                ema.update();
              }
              double taskV = parts.task().getFloat();
              Double distillV =
                  parts.distill() == null ? null : (double) parts.distill().getFloat();
              correct += countTop1(out.studentOutput().head(), batch.labels());
              seen += batch.size();
              lossSum += total * batch.size();
              taskSum += taskV * batch.size();
              if (distillV != null) {
                hasDistill = true;
                distillSum += distillV * batch.size();
              }
              globalStep++;
              step++;
              StepRecord rec =
                  new StepRecord(
                      epoch + 1,
                      globalStep,
                      step,
                      stepsPerEpoch,
                      total,
                      taskV,
                      distillV,
                      lr,
                      Instant.now());
              emit(l -> l.onStep(rec));
            }
          }
          if (stopRequested && batches.hasNext()) {
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
                valid = evaluate(task, ps, validLoader);
                lastValid = valid;
                if (best == null || valid.get(metric) > best.value()) {
                  best = new EpochRecord.Best(metric, valid.get(metric), epoch + 1);
                  if (expDir != null) {
                    Path dir = expDir.resolve(BEST);
                    writeStudent(dir, student, "best", metric, valid, epoch + 1, ema != null);
                    written.add(dir.toString());
                  }
                }
              }
              if (expDir != null
                  && params.getSaveCkptEpochList() != null
                  && params.getSaveCkptEpochList().contains(epoch + 1)) {
                Path dir = expDir.resolve("ckpt_epoch_" + (epoch + 1));
                writeStudent(dir, student, "epoch", metric, valid, epoch + 1, ema != null);
                written.add(dir.toString());
              }
            } finally {
              if (ema != null) {
                ema.swapOut();
              }
            }
          }
          if (expDir != null) {
            writeLatest(
                task, optimizer, ema, epoch + 1, globalStep, best, seed, maxEpochs, lastValid);
            written.add(expDir.resolve(LATEST).toString());
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
          emit(l -> l.onEpochEnd(record));
        }
      } catch (TrainingFailedException e) {
        int done = epoch;
        emit(l -> l.onEnd(new EndRecord(EndRecord.FAILED, e.getMessage(), done, Instant.now())));
        throw e;
      } catch (IOException e) {
        int done = epoch;
        String msg = "writing a checkpoint failed: " + e.getMessage();
        emit(l -> l.onEnd(new EndRecord(EndRecord.FAILED, msg, done, Instant.now())));
        throw new TrainingFailedException(msg, e);
      } catch (RuntimeException e) {
        int done = epoch;
        String msg = "training failed at epoch " + (epoch + 1) + ": " + e;
        emit(l -> l.onEnd(new EndRecord(EndRecord.FAILED, msg, done, Instant.now())));
        throw new TrainingFailedException(msg, e);
      }
      String status = epoch < maxEpochs ? EndRecord.STOPPED : EndRecord.SUCCEEDED;
      stopRequested = false; // a stop request ends one run, not the trainer
      int done = epoch;
      emit(
          l ->
              l.onEnd(
                  new EndRecord(
                      status,
                      status.equals(EndRecord.STOPPED) ? "stop requested" : null,
                      done,
                      Instant.now())));
      Path bestDir = expDir == null ? null : expDir.resolve(BEST);
      return new TrainingResult(
          status,
          epoch,
          resumedFrom,
          lastValid,
          best,
          expDir,
          expDir == null ? null : expDir.resolve(LATEST),
          bestDir != null && Files.isDirectory(bestDir) ? bestDir : null);
    }
  }

  private static void checkParams(TrainingSpec params) {
    if (params.getMaxEpochs() == null || params.getMaxEpochs() < 1) {
      throw new IllegalArgumentException("training.maxEpochs must be >= 1");
    }
    if (params.getInitialLr() == null || !(params.getInitialLr() > 0)) {
      throw new IllegalArgumentException("training.initialLr must be > 0");
    }
  }

  /** Scales all gradients so that their global L2 norm is at most {@code maxNorm}. */
  static void clipGradNorm(Map<String, NDArray> grads, double maxNorm) {
    double sq = 0;
    for (NDArray g : grads.values()) {
      sq += g.square().sum().getFloat();
    }
    double coef = maxNorm / (Math.sqrt(sq) + 1e-6);
    if (coef < 1) {
      for (NDArray g : grads.values()) {
        g.muli((float) coef);
      }
    }
  }

  /** Correct top-1 predictions in a batch. */
  static long countTop1(NDArray logits, NDArray labels) {
    return logits.argMax(1).eq(labels).sum().toType(DataType.INT64, false).getLong();
  }

  /** Correct top-5 predictions (the label's logit is among the 5 largest). */
  static long countTop5(NDArray logits, NDArray labels) {
    NDArray target =
        logits
            .mul(labels.oneHot((int) logits.getShape().get(1), logits.getDataType()))
            .sum(new int[] {1}, true);
    NDArray above = logits.gt(target).sum(new int[] {1});
    return above.lt(5).sum().toType(DataType.INT64, false).getLong();
  }

  /**
   * Validates a network: the mean cross-entropy and Top-1/Top-5 accuracy of the student, and the
   * teacher's accuracies when it ran.
   */
  protected EpochRecord.ValidMetrics evaluate(Task task, ParameterStore ps, BatchSource valid) {
    CrossEntropyLoss ce = new CrossEntropyLoss();
    BatchSource.Epoch batches = valid.epoch(0);
    double lossSum = 0;
    long top1 = 0;
    long top5 = 0;
    long tTop1 = 0;
    long tTop5 = 0;
    boolean teacherRan = false;
    long n = 0;
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager manager = NDManager.newBaseManager(deviceOf(task.student()))) {
      while (batches.hasNext()) {
        try (NDScope scope = new NDScope();
            NDManager sm = manager.newSubManager()) {
          scope.suppressNotUsedWarning();
          BatchSource.Batch b = batches.next(sm);
          KDOutput out = task.forward(ps, b, false, true);
          NDArray s = out.studentOutput().head();
          lossSum += ce.of(s, b.labels()).getFloat() * b.size();
          top1 += countTop1(s, b.labels());
          top5 += countTop5(s, b.labels());
          if (out.teacherOutput() != null) {
            teacherRan = true;
            tTop1 += countTop1(out.teacherOutput().head(), b.labels());
            tTop5 += countTop5(out.teacherOutput().head(), b.labels());
          }
          n += b.size();
        }
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
    return new EpochRecord.ValidMetrics(
        lossSum / n,
        top1 / (double) n,
        top5 / (double) n,
        teacherRan ? tTop1 / (double) n : null,
        teacherRan ? tTop5 / (double) n : null);
  }

  /**
   * Evaluates a network alone on a validation set (e.g. a student loaded from ckpt_best).
   *
   * @return the student's validation metrics (teacher fields null)
   */
  public static EpochRecord.ValidMetrics evaluate(Block model, BatchSource valid) {
    try (NDManager m = NDManager.newBaseManager(deviceOf(model))) {
      ParameterStore ps = new ParameterStore(m, false);
      Trainer t = new Trainer("evaluate", null);
      return t.evaluate(
          new Task() {
            @Override
            public Block student() {
              return model;
            }

            @Override
            public KDOutput forward(ParameterStore p, NDList inputs, boolean training) {
              return new KDOutput(model.forward(p, inputs, training), null);
            }

            @Override
            public LossParts loss(KDOutput output, NDArray labels) {
              throw new UnsupportedOperationException();
            }
          },
          ps,
          valid);
    }
  }

  private void writeStudent(
      Path dir,
      Block student,
      String kind,
      String metric,
      EpochRecord.ValidMetrics valid,
      int epoch,
      boolean ema)
      throws IOException {
    CheckpointInfo info =
        new CheckpointInfo(
            kind,
            experimentName,
            architecture,
            archParams,
            metric,
            valid == null ? null : valid.get(metric),
            epoch,
            ema,
            valid,
            dataDescription);
    AtomicDirectory.write(
        dir,
        tmp -> {
          NamedArrays.save(tmp.resolve(Weights.MODEL_FILE), Weights.arrays(student, ""));
          JSON.writeValue(tmp.resolve(INFO_FILE).toFile(), info);
        });
  }

  private void writeLatest(
      Task task,
      ParameterOptimizer optimizer,
      Ema ema,
      int epochsDone,
      long globalStep,
      EpochRecord.Best best,
      long seed,
      int maxEpochs,
      EpochRecord.ValidMetrics lastValid)
      throws IOException {
    LatestState state =
        new LatestState(
            1,
            experimentName,
            architecture,
            archParams,
            epochsDone,
            globalStep,
            optimizer.getClass().getSimpleName(),
            optimizer.getStepCount(),
            ema == null ? null : ema.getUpdates(),
            best,
            seed,
            maxEpochs,
            lastValid);
    AtomicDirectory.write(
        experimentDir().resolve(LATEST),
        tmp -> {
          Map<String, NDArray> module =
              new LinkedHashMap<>(Weights.arrays(task.student(), Weights.STUDENT_PREFIX));
          if (task.teacher() != null) {
            module.putAll(Weights.arrays(task.teacher(), Weights.TEACHER_PREFIX));
          }
          NamedArrays.save(tmp.resolve(Weights.MODULE_FILE), module);
          if (!optimizer.state().isEmpty()) {
            NamedArrays.save(tmp.resolve(OPTIMIZER_FILE), optimizer.state());
          }
          if (ema != null) {
            NamedArrays.save(tmp.resolve(EMA_FILE), ema.weights());
          }
          JSON.writeValue(tmp.resolve(STATE_FILE).toFile(), state);
        });
  }

  /** Loads ckpt_latest into the task, optimizer and EMA; null when there is none. */
  private LatestState restore(Task task, ParameterOptimizer optimizer, Ema ema, NDManager root) {
    try {
      Path dir = AtomicDirectory.resolve(experimentDir().resolve(LATEST));
      if (dir == null) {
        return null;
      }
      LatestState state = JSON.readValue(dir.resolve(STATE_FILE).toFile(), LatestState.class);
      if (architecture != null
          && state.architecture() != null
          && !architecture.equals(state.architecture())) {
        throw new TrainingFailedException(
            "cannot resume: "
                + dir
                + " holds a "
                + state.architecture()
                + " student, this run trains "
                + architecture);
      }
      try (NDManager m = root.newSubManager()) {
        Map<String, NDArray> module = NamedArrays.load(dir.resolve(Weights.MODULE_FILE), m);
        Weights.copyInto(
            task.student(), strip(module, Weights.STUDENT_PREFIX), true, dir.toString());
        // A TorchScript teacher is its file: its weights are inference tensors that cannot be
        // written, and the frozen file holds exactly what ckpt_latest saved.
        if (task.teacher() != null && !(task.teacher() instanceof SymbolBlock)) {
          Weights.copyInto(
              task.teacher(), strip(module, Weights.TEACHER_PREFIX), true, dir + " (teacher)");
        }
        if (!optimizer.state().isEmpty()) {
          optimizer.restore(
              NamedArrays.load(dir.resolve(OPTIMIZER_FILE), m), state.optimizerSteps());
        } else {
          optimizer.restore(Map.of(), state.optimizerSteps());
        }
        if (ema != null) {
          if (state.emaUpdates() == null || !Files.exists(dir.resolve(EMA_FILE))) {
            throw new TrainingFailedException(
                "cannot resume: " + dir + " was written without EMA but this run uses EMA");
          }
          ema.restore(NamedArrays.load(dir.resolve(EMA_FILE), m), state.emaUpdates());
        }
      }
      return state;
    } catch (IOException e) {
      throw new TrainingFailedException("cannot resume from ckpt_latest: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new TrainingFailedException("cannot resume from ckpt_latest: " + e.getMessage(), e);
    }
  }

  /** The device a network's parameters live on. */
  static ai.djl.Device deviceOf(Block block) {
    return Weights.parameters(block).values().iterator().next().getArray().getDevice();
  }

  private static Map<String, NDArray> strip(Map<String, NDArray> all, String prefix) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    all.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            out.put(k.substring(prefix.length()), v);
          }
        });
    return out;
  }

  private void emit(java.util.function.Consumer<TrainingListener> event) {
    for (TrainingListener l : listeners) {
      event.accept(l);
    }
  }

  /** Seed of epoch e's engine generator (dropout), independent of history and of data order. */
  static long mixSeed(long seed, int epoch) {
    return ImageBatches.mix(~seed, epoch);
  }
}
