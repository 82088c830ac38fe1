package dev.kdflow.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.CheckpointParams;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.KDSpec;
import dev.kdflow.api.LossSpec;
import dev.kdflow.api.ModelSpec;
import dev.kdflow.api.NormalizationAdapterSpec;
import dev.kdflow.api.SpecDefaults;
import dev.kdflow.api.TeacherSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.trainer.checkpoint.AtomicDirectory;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.data.DatasetLoader;
import dev.kdflow.trainer.data.ImageSplit;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.data.SampleAugmentation;
import dev.kdflow.trainer.kd.Hints;
import dev.kdflow.trainer.kd.KDModule;
import dev.kdflow.trainer.kd.KDTrainer;
import dev.kdflow.trainer.kd.MultiTeacherLoss;
import dev.kdflow.trainer.kd.NormalizationAdapter;
import dev.kdflow.trainer.kd.TeacherEnsemble;
import dev.kdflow.trainer.kd.TorchScriptTeacher;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.FeatureHintLoss;
import dev.kdflow.trainer.loss.KDLoss;
import dev.kdflow.trainer.loss.KDLosses;
import dev.kdflow.trainer.models.Models;
import dev.kdflow.trainer.recipe.ExperimentLoader;
import dev.kdflow.trainer.softlabels.ShardIndex;
import dev.kdflow.trainer.softlabels.SoftLabelKey;
import dev.kdflow.trainer.softlabels.SoftLabels;
import dev.kdflow.trainer.softlabels.TeacherDigest;
import dev.kdflow.trainer.softlabels.TeacherPrecompute;
import dev.kdflow.trainer.training.CheckpointInfo;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.ExperimentDirectory;
import dev.kdflow.trainer.training.MetricsJsonlWriter;
import dev.kdflow.trainer.training.SupervisedTrainer;
import dev.kdflow.trainer.training.TrainingFailedException;
import dev.kdflow.trainer.training.TrainingOutcome;
import dev.kdflow.trainer.training.TrainingParams;
import dev.kdflow.trainer.training.TrainingProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Runs one experiment spec end to end, as {@code kdflow run} does: checks the spec, loads the
 * dataset, builds the student (and the teacher: registry architecture with a checkpoint, or a
 * TorchScript file), then trains with {@link KDTrainer} (teacher given) or {@link
 * SupervisedTrainer} (no teacher). The spec's unset fields get the {@code api} defaults ({@link
 * SpecDefaults}) once, here. Everything that can be wrong with the input is found before training
 * starts ({@link KDExperimentValidator}'s rules, then {@link InputChecker}'s file checks) and
 * reported as {@link InvalidExperimentException} naming the field; failures during training are
 * {@link TrainingFailedException}. Writes {@code metrics.jsonl} and the checkpoints under {@code
 * <checkpoints.rootDir>/<experimentName>/}.
 */
public final class ExperimentRunner {
  /** Checkpoint root when the spec names none. */
  public static final String DEFAULT_ROOT_DIR = "checkpoints";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ExperimentRunner.class);
  private final KDExperimentSpec spec;
  private final String experimentName;
  private Consumer<ValidationProblem> warnings =
      w -> LOG.warn("{}: {}", w.fieldPath(), w.message());
  private final List<TrainingProgressListener> listeners = new ArrayList<>();
  private volatile SupervisedTrainer trainer;
  private volatile boolean stopRequested;

  /**
   * @param spec the experiment's spec
   * @param name the experiment's name (metadata.name); {@code checkpoints.experimentName} wins
   */
  public ExperimentRunner(KDExperimentSpec spec, String name) {
    this.spec = SpecDefaults.resolve(spec, KDExperimentSpec.class);
    String fromSpec = this.spec.getCheckpoints().getExperimentName();
    this.experimentName = fromSpec != null && !fromSpec.isBlank() ? fromSpec : name;
  }

  /**
   * SuperGradients' {@code KDTrainer.train_from_config}: reads a KD recipe (its snake_case keys,
   * with {@code key.path=value} overrides) and runs it as {@code kdflow train --recipe} does,
   * without the CLI's progress display.
   *
   * @throws InvalidExperimentException before training, when the recipe cannot be read or its
   *     experiment cannot run
   * @throws dev.kdflow.trainer.training.TrainingFailedException when training fails
   */
  public static TrainingOutcome trainFromConfig(Path recipe, List<String> overrides) {
    KDExperiment experiment = ExperimentLoader.loadRecipe(recipe, overrides);
    return new ExperimentRunner(experiment.getSpec(), experiment.getMetadata().getName()).run();
  }

  /** Receives progress events (progress bars, status endpoints). */
  public ExperimentRunner addListener(TrainingProgressListener listener) {
    listeners.add(listener);
    return this;
  }

  /**
   * Where the spec's warnings go when {@link #run()} starts (default: the log). A caller that
   * showed them already (the CLI checks every file first) passes a no-op.
   */
  public ExperimentRunner onWarning(Consumer<ValidationProblem> receiver) {
    this.warnings = receiver;
    return this;
  }

  /** Stops the run at the next step boundary (e.g. on SIGTERM); a partial epoch is dropped. */
  public void requestStop() {
    stopRequested = true;
    SupervisedTrainer t = trainer;
    if (t != null) {
      t.requestStop();
    }
  }

  /** The trainer of the last {@link #run()}; null before. */
  SupervisedTrainer trainer() {
    return trainer;
  }

  /** {@code <rootDir>/<experimentName>}. */
  public Path experimentDir() {
    String root = spec.getCheckpoints().getRootDir();
    return Path.of(root == null || root.isBlank() ? DEFAULT_ROOT_DIR : root)
        .resolve(experimentName);
  }

  /**
   * Runs the experiment.
   *
   * @throws InvalidExperimentException before any training, when the input is wrong
   * @throws TrainingFailedException when training fails
   */
  public TrainingOutcome run() {
    List<ValidationProblem> problems = new ArrayList<>(KDExperimentValidator.validateSpec(spec));
    if (!KDExperimentValidator.hasErrors(problems)) {
      problems.addAll(InputChecker.check(spec));
    }
    InvalidExperimentException.throwIfErrors(problems).forEach(warnings);
    TrainingSpec training = spec.getTraining();
    DatasetSpec d = spec.getDataset();
    long seed = training.getSeed();
    ImageSplit trainData = load(d, true);
    ImageSplit validData = load(d, false);
    if (trainData.size() == 0 || validData.size() == 0) {
      throw new InvalidExperimentException("spec.dataset", "the dataset split is empty");
    }
    Normalization norm = normalization(d, trainData);
    Shape inputShape = new Shape(1, trainData.channels(), trainData.height(), trainData.width());
    KDSpec kd = spec.getKd();
    LossSpec lossSpec = kd.getLoss();

    Device device = device();
    try (NDManager manager = NDManager.newBaseManager(device);
        TeacherHolder teacherHolder = new TeacherHolder()) {
      Engine.getEngine("PyTorch").setRandomSeed((int) (seed & 0x7fffffff));
      ModelSpec s = spec.getStudent();
      Block student = buildModel(s, "spec.student", manager, inputShape);
      Block teacher = null;
      List<TeacherSpec> teacherSpecs = spec.teacherList();
      KDSpec kdRun = JSON.convertValue(JSON.convertValue(kd, Map.class), KDSpec.class);
      TeacherEnsemble ensemble = null;
      if (teacherSpecs.size() == 1) {
        TeacherSpec ts = teacherSpecs.get(0);
        String path = spec.getTeacher() != null ? "spec.teacher" : "spec.teachers[0]";
        teacher = buildTeacher(ts, path, manager, inputShape, teacherHolder, device);
        if (ts.getInputAdapter() != null) {
          kdRun.setTeacherInputAdapter(ts.getInputAdapter());
        }
      } else if (teacherSpecs.size() > 1) {
        List<Block> blocks = new ArrayList<>();
        List<Block> adapters = new ArrayList<>();
        double[] weights = new double[teacherSpecs.size()];
        for (int i = 0; i < teacherSpecs.size(); i++) {
          TeacherSpec ts = teacherSpecs.get(i);
          blocks.add(
              buildTeacher(
                  ts, "spec.teachers[" + i + "]", manager, inputShape, teacherHolder, device));
          NormalizationAdapterSpec a =
              ts.getInputAdapter() != null ? ts.getInputAdapter() : kd.getTeacherInputAdapter();
          adapters.add(a == null ? null : NormalizationAdapter.from(a));
          weights[i] = ts.weightOrDefault();
        }
        ensemble = new TeacherEnsemble(blocks, adapters, weights, kd.teachersModeOrDefault());
        teacher = ensemble;
        // each teacher's adapter runs inside the ensemble
        kdRun.setTeacherInputAdapter(null);
      }
      if (teacher != null) {
        checkOutputs(student, teacher, kdRun, manager, inputShape, trainData.numClasses());
      }
      Hints hints = null;
      if (teacher != null && !kd.hintsOrEmpty().isEmpty()) {
        TeacherSpec ts = teacherSpecs.get(0);
        hints =
            Hints.build(
                kd.hintsOrEmpty(),
                s.getArchitecture(),
                s.getArchParams(),
                student,
                ts.getTorchscript() == null || ts.getTorchscript().isBlank()
                    ? ts.getArchitecture()
                    : null,
                ts.getArchParams(),
                teacher,
                kdRun.getTeacherInputAdapter() == null
                    ? null
                    : NormalizationAdapter.from(kdRun.getTeacherInputAdapter()),
                manager,
                inputShape);
      }
      BatchSource trainLoader =
          trainData.batches(norm, d.getBatchSize(), true, SampleAugmentation.training(d), seed);
      BatchSource validLoader =
          validData.batches(norm, d.getValidBatchSize(), false, SampleAugmentation.NONE, seed);

      Path root = experimentDir().getParent();
      SupervisedTrainer t;
      if (teacher != null) {
        KDTrainer kdTrainer = new KDTrainer(experimentName, root);
        KDLoss loss = KDLosses.from(lossSpec);
        if (ensemble != null && ensemble.mode() == KDSpec.TeachersMode.SUM_LOSSES) {
          loss = new MultiTeacherLoss(loss, ensemble.weights());
        }
        if (hints != null) {
          loss = new FeatureHintLoss(loss, hints.weights());
        }
        kdTrainer
            .setHints(hints)
            .setKDSpec(kdRun)
            .setKDLoss(loss)
            .setCacheTeacherOutputs(kd.getCacheTeacherOutputs());
        if (kd.getPrecompute() != null) {
          kdTrainer.setSoftLabels(
              openSoftLabels(softLabelKey(trainLoader, trainData.numClasses(), norm)));
        }
        t = kdTrainer;
      } else {
        t = new SupervisedTrainer(experimentName, root);
        t.setLoss(new CrossEntropyLoss(lossSpec.getLabelSmoothing()));
      }
      t.setStudentDescription(s.getArchitecture(), s.getArchParams());
      t.setDataDescription(dataDescription(d, norm));
      t.addListener(
          new MetricsJsonlWriter(
              new ExperimentDirectory(experimentDir()).metricsFile(),
              training.getLogEveryNSteps()));
      listeners.forEach(t::addListener);
      trainer = t;
      if (stopRequested) {
        t.requestStop();
      }
      if (teacher != null) {
        return ((KDTrainer) t)
            .train(student, teacher, TrainingParams.from(training), trainLoader, validLoader);
      }
      return t.train(student, TrainingParams.from(training), trainLoader, validLoader);
    } catch (IllegalArgumentException e) {
      throw new InvalidExperimentException("spec.training", e.getMessage(), e);
    }
  }

  /**
   * {@code kdflow precompute-teacher}: runs the frozen teacher over the training views of epochs
   * {@code [epochStart, epochEnd)} (or the one view per image of unaugmented data) for one shard of
   * the sample indices, and writes that shard under the experiment directory's soft-label folder.
   *
   * @param epochStart first epoch (0-based); null for 0
   * @param epochEnd epoch after the last; null for training.maxEpochs
   * @param unaugmented store the one view per image of unaugmented training data
   * @param shard this shard's number, 0-based
   * @param shards shards the samples are split into
   * @param progress receives the views done so far
   * @throws InvalidExperimentException when the experiment or the options cannot be precomputed
   */
  public ShardIndex precomputeTeacher(
      Integer epochStart,
      Integer epochEnd,
      boolean unaugmented,
      int shard,
      int shards,
      IntConsumer progress) {
    List<ValidationProblem> problems = new ArrayList<>(KDExperimentValidator.validateSpec(spec));
    if (!KDExperimentValidator.hasErrors(problems)) {
      problems.addAll(InputChecker.check(spec));
    }
    InvalidExperimentException.throwIfErrors(problems).forEach(warnings);
    if (spec.getTeacher() == null) {
      throw new InvalidExperimentException(
          "spec.teacher", "precompute-teacher needs a teacher; the experiment has none");
    }
    if (shards < 1 || shard < 0 || shard >= shards) {
      throw new InvalidExperimentException(
          "--shard", "must be i/N with 0 <= i < N, got " + shard + "/" + shards);
    }
    DatasetSpec d = spec.getDataset();
    long seed = spec.getTraining().getSeed();
    ImageSplit trainData = load(d, true);
    Normalization norm = normalization(d, trainData);
    BatchSource views =
        trainData.batches(norm, d.getBatchSize(), true, SampleAugmentation.training(d), seed);
    if (unaugmented && views.isAugmented()) {
      throw new InvalidExperimentException(
          "--unaugmented",
          "the training data is augmented (spec.dataset's crop/flip settings), so every epoch's"
              + " views differ; use --epochs a:b");
    }
    int a = epochStart == null ? 0 : epochStart;
    int b = epochEnd == null ? spec.getTraining().getMaxEpochs() : epochEnd;
    if (a < 0 || b <= a) {
      throw new InvalidExperimentException(
          "--epochs", "must be a:b with 0 <= a < b (0-based, b exclusive), got " + a + ":" + b);
    }
    Shape inputShape = new Shape(1, trainData.channels(), trainData.height(), trainData.width());
    SoftLabelKey key = softLabelKey(views, trainData.numClasses(), norm);
    KDSpec kd = spec.getKd();
    try (NDManager manager = NDManager.newBaseManager(device());
        TeacherHolder teacherHolder = new TeacherHolder()) {
      Engine.getEngine("PyTorch").setRandomSeed((int) (seed & 0x7fffffff));
      Block student = buildModel(spec.getStudent(), "spec.student", manager, inputShape);
      Block teacher =
          buildTeacher(
              spec.getTeacher(),
              "spec.teacher",
              manager,
              inputShape,
              teacherHolder,
              manager.getDevice());
      checkOutputs(student, teacher, kd, manager, inputShape, trainData.numClasses());
      KDModule module =
          new KDModule(
              student,
              teacher,
              kd.getTeacherInputAdapter() == null
                  ? null
                  : NormalizationAdapter.from(kd.getTeacherInputAdapter()),
              kd.getRunTeacherOnValidation());
      ParameterStore ps = new ParameterStore(manager, false);
      TeacherPrecompute precompute =
          new TeacherPrecompute(
              views,
              key,
              x -> module.forwardTeacher(ps, new NDList(x)).head(),
              d.getValidBatchSize());
      return precompute.run(
          new ExperimentDirectory(experimentDir()), a, b, shard, shards, manager, progress);
    } catch (IOException e) {
      throw new TrainingFailedException(
          "cannot write soft labels under " + experimentDir() + ": " + e.getMessage(), e);
    }
  }

  /** What this run's soft labels must have been computed for. */
  private SoftLabelKey softLabelKey(BatchSource views, int classes, Normalization norm) {
    KDSpec kd = spec.getKd();
    Integer topK = kd.getPrecompute() == null ? null : kd.getPrecompute().getTopK();
    if (topK != null && topK > classes) {
      throw new InvalidExperimentException(
          "spec.kd.precompute.topK",
          "is " + topK + " but the dataset has " + classes + " classes; at most " + classes);
    }
    DatasetSpec d = spec.getDataset();
    Shape image = views.batchShape(1);
    String description =
        "seed "
            + spec.getTraining().getSeed()
            + "; "
            + SampleAugmentation.training(d)
            + "; normalization mean "
            + java.util.Arrays.toString(norm.mean())
            + " std "
            + java.util.Arrays.toString(norm.std())
            + "; image "
            + image.get(1)
            + "x"
            + image.get(2)
            + "x"
            + image.get(3)
            + "; dataset "
            + d.getType()
            + " "
            + d.getPath();
    try {
      return new SoftLabelKey(
          TeacherDigest.of(spec.getTeacher(), kd, spec.getTraining().getSeed()),
          topK == null ? classes : topK,
          classes,
          views.size(),
          !views.isAugmented(),
          description);
    } catch (IOException e) {
      throw new InvalidExperimentException(
          "spec.teacher", "cannot read the teacher's weights: " + e.getMessage(), e);
    }
  }

  private SoftLabels openSoftLabels(SoftLabelKey key) {
    Path folder = new ExperimentDirectory(experimentDir()).softLabels();
    try {
      SoftLabels labels = SoftLabels.open(folder, key);
      org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SoftLabels.class);
      labels.refused().forEach(r -> log.warn("soft labels: refused {}", r));
      return labels;
    } catch (IOException e) {
      throw new TrainingFailedException(
          "cannot read the soft labels in " + folder + ": " + e.getMessage(), e);
    }
  }

  private static Normalization normalization(DatasetSpec d, ImageSplit trainData) {
    try {
      Normalization norm =
          d.getMean() != null && d.getStd() != null
              ? Normalization.of(d.getMean(), d.getStd())
              : trainData.statistics();
      if (norm.mean().length != trainData.channels()) {
        throw new IllegalArgumentException(
            "mean/std have "
                + norm.mean().length
                + " value(s) but the images have "
                + trainData.channels()
                + " channel(s)");
      }
      return norm;
    } catch (IllegalArgumentException e) {
      throw new InvalidExperimentException("spec.dataset.mean", e.getMessage());
    }
  }

  private static Map<String, Object> dataDescription(DatasetSpec d, Normalization norm) {
    Map<String, Object> n = new LinkedHashMap<>();
    List<Double> mean = new ArrayList<>();
    List<Double> std = new ArrayList<>();
    for (int i = 0; i < norm.mean().length; i++) {
      mean.add((double) norm.mean()[i]);
      std.add((double) norm.std()[i]);
    }
    n.put("mean", mean);
    n.put("std", std);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("dataset", JSON.convertValue(d, Map.class));
    out.put("normalization", n);
    return out;
  }

  /**
   * Evaluates a student-only checkpoint (ckpt_best, ckpt_epoch_N) on the validation split it was
   * validated on, as {@code kdflow evaluate} does: the network is rebuilt from the sidecar's
   * architecture and arch params, the data from its dataset spec and normalisation.
   *
   * @param checkpoint the checkpoint directory
   * @param dataset another dataset to evaluate on (its validation split); null for the recorded one
   * @throws InvalidExperimentException when the checkpoint or the data cannot be used
   */
  public static EpochRecord.ValidMetrics evaluateCheckpoint(Path checkpoint, DatasetSpec dataset) {
    CheckpointInfo info;
    Path dir;
    try {
      dir = AtomicDirectory.resolve(checkpoint);
      if (dir == null || !Files.isRegularFile(dir.resolve(ExperimentDirectory.INFO_FILE))) {
        throw new InvalidExperimentException(
            "checkpoint",
            checkpoint
                + " is not a kdflow student checkpoint (no "
                + ExperimentDirectory.INFO_FILE
                + ")");
      }
      info = ExperimentDirectory.readInfo(dir);
    } catch (IOException e) {
      throw new InvalidExperimentException("checkpoint", "unreadable: " + e.getMessage(), e);
    }
    if (info.architecture() == null) {
      throw new InvalidExperimentException(
          "checkpoint", checkpoint + " does not record its architecture");
    }
    Map<String, Object> data = info.data() == null ? Map.of() : info.data();
    DatasetSpec d =
        SpecDefaults.resolve(
            dataset != null
                ? dataset
                : data.get("dataset") == null
                    ? null
                    : JSON.convertValue(data.get("dataset"), DatasetSpec.class),
            DatasetSpec.class);
    ImageSplit valid = load(d, false);
    Normalization norm;
    if (d.getMean() != null && d.getStd() != null) {
      norm = Normalization.of(d.getMean(), d.getStd());
    } else if (data.get("normalization") instanceof Map<?, ?> n && dataset == null) {
      norm = Normalization.of(doubles(n.get("mean")), doubles(n.get("std")));
    } else {
      norm = load(d, true).statistics();
    }
    try (NDManager manager = NDManager.newBaseManager(device())) {
      Shape shape = new Shape(1, valid.channels(), valid.height(), valid.width());
      Block model;
      try {
        model = Models.build(info.architecture(), info.archParams(), manager, shape);
        Weights.load(model, dir, true);
      } catch (IllegalArgumentException | IOException e) {
        throw new InvalidExperimentException("checkpoint", e.getMessage(), e);
      }
      return SupervisedTrainer.evaluate(
          model, valid.batches(norm, d.getValidBatchSize(), false, SampleAugmentation.NONE, 0L));
    }
  }

  private static List<Double> doubles(Object list) {
    List<Double> out = new ArrayList<>();
    for (Object o : (List<?>) list) {
      out.add(((Number) o).doubleValue());
    }
    return out;
  }

  /**
   * The device to train on: the system property {@code kdflow.device} ({@code cpu}, {@code gpu},
   * {@code gpu1}, ...) or the engine's default (the first GPU when the native library and the
   * machine have one, else the CPU).
   */
  public static Device device() {
    String wanted = System.getProperty("kdflow.device");
    if (wanted != null && !wanted.isBlank()) {
      return Device.fromName(wanted);
    }
    return Engine.getEngine("PyTorch").defaultDevice();
  }

  private static ImageSplit load(DatasetSpec d, boolean train) {
    try {
      return DatasetLoader.split(d, train);
    } catch (UnsupportedOperationException e) {
      throw new InvalidExperimentException("spec.dataset.type", e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new InvalidExperimentException(
          "spec.dataset.path",
          "cannot load the " + (train ? "training" : "validation") + " split: " + e.getMessage(),
          e);
    }
  }

  private static Block buildModel(ModelSpec m, String path, NDManager manager, Shape inputShape) {
    Block block;
    try {
      block = Models.build(m.getArchitecture(), m.getArchParams(), manager, inputShape);
    } catch (IllegalArgumentException e) {
      // The architecture and its params passed the rule set; what is left is a mismatch with the
      // data (inChannels, inputSize).
      throw new InvalidExperimentException(path + ".archParams", e.getMessage(), e);
    }
    CheckpointParams c = m.getCheckpoint();
    if (c != null && c.getCheckpointPath() != null) {
      try {
        Weights.load(block, Path.of(c.getCheckpointPath()), c.getStrictLoad());
      } catch (IOException e) {
        throw new InvalidExperimentException(
            path + ".checkpoint.checkpointPath", e.getMessage(), e);
      }
    }
    return block;
  }

  private static Block buildTeacher(
      TeacherSpec t,
      String path,
      NDManager manager,
      Shape inputShape,
      TeacherHolder holder,
      Device device) {
    if (t.getTorchscript() != null && !t.getTorchscript().isBlank()) {
      try {
        TorchScriptTeacher loaded = TorchScriptTeacher.load(Path.of(t.getTorchscript()), device);
        holder.torchScripts.add(loaded);
        return loaded.block();
      } catch (IOException e) {
        throw new InvalidExperimentException(path + ".torchscript", e.getMessage(), e);
      }
    }
    return buildModel(t, path, manager, inputShape);
  }

  /** Runs one zero batch through both networks: their class counts must agree with the data. */
  private static void checkOutputs(
      Block student, Block teacher, KDSpec kd, NDManager manager, Shape inputShape, int classes) {
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDList x =
          new NDList(
              m.zeros(new Shape(2, inputShape.get(1), inputShape.get(2), inputShape.get(3))));
      long s = student.forward(ps, x, false).head().getShape().get(1);
      NDList tx =
          kd.getTeacherInputAdapter() == null
              ? x
              : new NDList(NormalizationAdapter.from(kd.getTeacherInputAdapter()).apply(x.head()));
      long t;
      try {
        t = teacher.forward(ps, tx, false).head().getShape().getLastDimension();
      } catch (RuntimeException e) {
        throw new InvalidExperimentException(
            "spec.teacher",
            "the teacher cannot run on the dataset's images " + inputShape + ": " + e.getMessage(),
            e);
      }
      if (s != t) {
        throw new InvalidExperimentException(
            "spec.teacher", "the teacher predicts " + t + " classes, the student " + s);
      }
      if (s != classes) {
        throw new InvalidExperimentException(
            "spec.student.archParams.numClasses",
            "the student predicts " + s + " classes but the dataset has " + classes);
      }
    }
  }

  /** Keeps the TorchScript teachers' models open for the run. */
  private static final class TeacherHolder implements AutoCloseable {
    final List<TorchScriptTeacher> torchScripts = new ArrayList<>();

    @Override
    public void close() {
      torchScripts.forEach(TorchScriptTeacher::close);
    }
  }

  /** The experiment's name used for the checkpoint directory. */
  public String experimentName() {
    return experimentName;
  }
}
