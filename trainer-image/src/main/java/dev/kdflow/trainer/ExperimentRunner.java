package dev.kdflow.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.Architectures;
import dev.kdflow.api.CheckpointParams;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.KDSpec;
import dev.kdflow.api.LossSpec;
import dev.kdflow.api.ModelSpec;
import dev.kdflow.api.TeacherSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.checkpoint.AtomicDirectory;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.data.DatasetLoader;
import dev.kdflow.trainer.data.ImageSplit;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.data.SampleAugmentation;
import dev.kdflow.trainer.kd.KDTrainer;
import dev.kdflow.trainer.kd.NormalizationAdapter;
import dev.kdflow.trainer.kd.TorchScriptTeacher;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.KDLogitsLoss;
import dev.kdflow.trainer.models.Models;
import dev.kdflow.trainer.training.CheckpointInfo;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.MetricsJsonlWriter;
import dev.kdflow.trainer.training.Trainer;
import dev.kdflow.trainer.training.TrainingListener;
import dev.kdflow.trainer.training.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one experiment spec end to end, as {@code kdflow run} does: checks the spec, loads the
 * dataset, builds the student (and the teacher: registry architecture with a checkpoint, or a
 * TorchScript file), then trains with {@link KDTrainer} (teacher given) or {@link Trainer} (no
 * teacher). Everything that can be wrong with the input is found before training starts and
 * reported as {@link InvalidExperimentException} naming the field; failures during training are
 * {@link TrainingFailedException}. Writes {@code metrics.jsonl} and the checkpoints under {@code
 * <checkpoints.rootDir>/<experimentName>/}.
 */
public final class ExperimentRunner {
  /** Checkpoint root when the spec names none. */
  public static final String DEFAULT_ROOT_DIR = "checkpoints";

  /** Name of the metrics file in the experiment directory. */
  public static final String METRICS_FILE = "metrics.jsonl";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final KDExperimentSpec spec;
  private final String experimentName;
  private final List<TrainingListener> listeners = new ArrayList<>();
  private volatile Trainer trainer;
  private volatile boolean stopRequested;

  /**
   * @param spec the experiment's spec
   * @param name the experiment's name (metadata.name); {@code checkpoints.experimentName} wins
   */
  public ExperimentRunner(KDExperimentSpec spec, String name) {
    this.spec = spec;
    String fromSpec =
        spec.getCheckpoints() == null ? null : spec.getCheckpoints().getExperimentName();
    this.experimentName = fromSpec != null && !fromSpec.isBlank() ? fromSpec : name;
  }

  /** Receives progress events (progress bars, status endpoints). */
  public ExperimentRunner addListener(TrainingListener listener) {
    listeners.add(listener);
    return this;
  }

  /** Stops the run at the next step boundary (e.g. on SIGTERM); a partial epoch is dropped. */
  public void requestStop() {
    stopRequested = true;
    Trainer t = trainer;
    if (t != null) {
      t.requestStop();
    }
  }

  /** The trainer of the last {@link #run()}; null before. */
  Trainer trainer() {
    return trainer;
  }

  /** {@code <rootDir>/<experimentName>}. */
  public Path experimentDir() {
    String root = spec.getCheckpoints() == null ? null : spec.getCheckpoints().getRootDir();
    return Path.of(root == null || root.isBlank() ? DEFAULT_ROOT_DIR : root)
        .resolve(experimentName);
  }

  /**
   * Checks a spec without loading anything big: architectures and arch params against the
   * catalogue, required training fields, the existence of dataset directory, checkpoints and
   * TorchScript file.
   *
   * @return one message per problem, each starting with the field path; empty when fine
   */
  public static List<String> check(KDExperimentSpec spec) {
    List<String> problems = new ArrayList<>();
    if (spec.getStudent() == null) {
      problems.add("spec.student: required");
    } else {
      checkModel(spec.getStudent(), "spec.student", problems);
    }
    TeacherSpec teacher = spec.getTeacher();
    if (teacher != null) {
      boolean ts = teacher.getTorchscript() != null && !teacher.getTorchscript().isBlank();
      if (ts && teacher.getArchitecture() != null) {
        problems.add(
            "spec.teacher: give either torchscript or architecture (with a checkpoint), not both");
      } else if (ts) {
        if (!Files.isRegularFile(Path.of(teacher.getTorchscript()))) {
          problems.add("spec.teacher.torchscript: file not found: " + teacher.getTorchscript());
        }
      } else {
        checkModel(teacher, "spec.teacher", problems);
        if (teacher.getCheckpoint() == null
            || teacher.getCheckpoint().getCheckpointPath() == null) {
          problems.add(
              "spec.teacher.checkpoint.checkpointPath: a teacher needs trained weights (or use"
                  + " spec.teacher.torchscript)");
        }
      }
    }
    TrainingSpec t = spec.getTraining();
    if (t == null) {
      problems.add("spec.training: required");
    } else {
      if (t.getMaxEpochs() == null || t.getMaxEpochs() < 1) {
        problems.add("spec.training.maxEpochs: must be an integer >= 1");
      }
      if (t.getInitialLr() == null || !(t.getInitialLr() > 0)) {
        problems.add("spec.training.initialLr: must be > 0");
      }
    }
    DatasetSpec d = spec.getDataset() == null ? new DatasetSpec() : spec.getDataset();
    Path dir = DatasetLoader.directoryOf(d);
    if (dir == null) {
      problems.add("spec.dataset.path: required for dataset type " + d.getType());
    } else if (!Files.isDirectory(dir)) {
      problems.add(
          "spec.dataset.path: directory "
              + dir
              + " does not exist"
              + (d.getPath() == null
                  ? " (install Debian's dataset-fashion-mnist or set spec.dataset.path)"
                  : ""));
    }
    if (spec.getKd() != null && spec.getKd().getTeacherInputAdapter() != null) {
      try {
        NormalizationAdapter.from(spec.getKd().getTeacherInputAdapter());
      } catch (IllegalArgumentException e) {
        problems.add("spec.kd.teacherInputAdapter: " + e.getMessage());
      }
    }
    return problems;
  }

  private static void checkModel(ModelSpec m, String path, List<String> problems) {
    if (m.getArchitecture() == null || Architectures.find(m.getArchitecture()).isEmpty()) {
      problems.add(
          path
              + ".architecture: unknown architecture '"
              + m.getArchitecture()
              + "'; known: "
              + String.join(", ", Architectures.names()));
      return;
    }
    problems.addAll(
        Architectures.checkParams(m.getArchitecture(), m.getArchParams(), path + ".archParams"));
    CheckpointParams c = m.getCheckpoint();
    if (c != null && c.getCheckpointPath() != null) {
      Path p = Path.of(c.getCheckpointPath());
      try {
        if (AtomicDirectory.resolve(p) == null && !Files.isRegularFile(p)) {
          problems.add(path + ".checkpoint.checkpointPath: not found: " + p);
        } else {
          recordedArchitecture(p)
              .filter(a -> !a.equals(m.getArchitecture()))
              .ifPresent(
                  a ->
                      problems.add(
                          path
                              + ".checkpoint.checkpointPath: "
                              + p
                              + " holds a "
                              + a
                              + " network, not "
                              + m.getArchitecture()));
        }
      } catch (IOException e) {
        problems.add(path + ".checkpoint.checkpointPath: unreadable: " + e.getMessage());
      }
    }
  }

  /** The architecture a kdflow checkpoint directory records in its JSON, if any. */
  static Optional<String> recordedArchitecture(Path checkpoint) throws IOException {
    Path dir = AtomicDirectory.resolve(checkpoint);
    if (dir == null) {
      return Optional.empty();
    }
    for (String f : new String[] {Trainer.INFO_FILE, Trainer.STATE_FILE}) {
      Path p = dir.resolve(f);
      if (Files.isRegularFile(p)) {
        JsonNode n = JSON.readTree(p.toFile());
        JsonNode a = n.get("architecture");
        return a == null || a.isNull() ? Optional.empty() : Optional.of(a.asText());
      }
    }
    return Optional.empty();
  }

  private static void fail(List<String> problems) {
    if (!problems.isEmpty()) {
      String first = problems.get(0);
      int colon = first.indexOf(':');
      String field = colon > 0 ? first.substring(0, colon) : "spec";
      throw new InvalidExperimentException(
          field, String.join("; ", problems).substring(colon > 0 ? colon + 2 : 0));
    }
  }

  /**
   * Runs the experiment.
   *
   * @throws InvalidExperimentException before any training, when the input is wrong
   * @throws TrainingFailedException when training fails
   */
  public TrainingResult run() {
    fail(check(spec));
    TrainingSpec training = spec.getTraining();
    DatasetSpec d = spec.getDataset() == null ? new DatasetSpec() : spec.getDataset();
    long seed = training.getSeed() == null ? 42L : training.getSeed();
    ImageSplit trainData = load(d, true);
    ImageSplit validData = load(d, false);
    if (trainData.size() == 0 || validData.size() == 0) {
      throw new InvalidExperimentException("spec.dataset", "the dataset split is empty");
    }
    Normalization norm;
    try {
      norm =
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
    } catch (IllegalArgumentException e) {
      throw new InvalidExperimentException("spec.dataset.mean", e.getMessage());
    }
    Shape inputShape = new Shape(1, trainData.channels(), trainData.height(), trainData.width());
    KDSpec kd = spec.getKd() == null ? new KDSpec() : spec.getKd();
    LossSpec lossSpec = kd.getLoss() == null ? new LossSpec() : kd.getLoss();

    Device device = device();
    warnAboutOneDnn(device);
    try (NDManager manager = NDManager.newBaseManager(device);
        TeacherHolder teacherHolder = new TeacherHolder()) {
      Engine.getEngine("PyTorch").setRandomSeed((int) (seed & 0x7fffffff));
      ModelSpec s = spec.getStudent();
      Block student = buildModel(s, "spec.student", manager, inputShape);
      Block teacher = null;
      if (spec.getTeacher() != null) {
        teacher = buildTeacher(spec.getTeacher(), manager, inputShape, teacherHolder, device);
        checkOutputs(student, teacher, kd, manager, inputShape, trainData.numClasses());
      }
      int batchSize = d.getBatchSize() == null ? 128 : d.getBatchSize();
      int validBatch = d.getValidBatchSize() == null ? 512 : d.getValidBatchSize();
      if (batchSize < 1 || validBatch < 1) {
        throw new InvalidExperimentException("spec.dataset.batchSize", "must be >= 1");
      }
      BatchSource trainLoader =
          trainData.batches(norm, batchSize, true, SampleAugmentation.training(d), seed);
      BatchSource validLoader =
          validData.batches(norm, validBatch, false, SampleAugmentation.NONE, seed);

      Path root = experimentDir().getParent();
      Trainer t;
      if (teacher != null) {
        KDTrainer kdTrainer = new KDTrainer(experimentName, root);
        kdTrainer
            .setKDSpec(kd)
            .setKDLoss(KDLogitsLoss.from(lossSpec))
            .setCacheTeacherOutputs(!Boolean.FALSE.equals(kd.getCacheTeacherOutputs()));
        t = kdTrainer;
      } else {
        t = new Trainer(experimentName, root);
        t.setLoss(
            new CrossEntropyLoss(
                lossSpec.getLabelSmoothing() == null ? 0.0 : lossSpec.getLabelSmoothing()));
      }
      t.setStudentDescription(s.getArchitecture(), s.getArchParams());
      t.setDataDescription(dataDescription(d, norm));
      int logEvery = training.getLogEveryNSteps() == null ? 50 : training.getLogEveryNSteps();
      t.addListener(new MetricsJsonlWriter(experimentDir().resolve(METRICS_FILE), logEvery));
      listeners.forEach(t::addListener);
      trainer = t;
      if (stopRequested) {
        t.requestStop();
      }
      if (teacher != null) {
        return ((KDTrainer) t).train(student, teacher, training, trainLoader, validLoader);
      }
      return t.train(student, training, trainLoader, validLoader);
    } catch (IllegalArgumentException e) {
      throw new InvalidExperimentException("spec.training", e.getMessage(), e);
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
      if (dir == null || !Files.isRegularFile(dir.resolve(Trainer.INFO_FILE))) {
        throw new InvalidExperimentException(
            "checkpoint",
            checkpoint + " is not a kdflow student checkpoint (no " + Trainer.INFO_FILE + ")");
      }
      info = JSON.readValue(dir.resolve(Trainer.INFO_FILE).toFile(), CheckpointInfo.class);
    } catch (IOException e) {
      throw new InvalidExperimentException("checkpoint", "unreadable: " + e.getMessage(), e);
    }
    if (info.architecture() == null) {
      throw new InvalidExperimentException(
          "checkpoint", checkpoint + " does not record its architecture");
    }
    Map<String, Object> data = info.data() == null ? Map.of() : info.data();
    DatasetSpec d =
        dataset != null
            ? dataset
            : data.get("dataset") == null
                ? new DatasetSpec()
                : JSON.convertValue(data.get("dataset"), DatasetSpec.class);
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
      int batch = d.getValidBatchSize() == null ? 512 : d.getValidBatchSize();
      return Trainer.evaluate(
          model, valid.batches(norm, batch, false, SampleAugmentation.NONE, 0L));
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

  private static void warnAboutOneDnn(Device device) {
    if (device.isGpu() || System.getenv("ONEDNN_MAX_CPU_ISA") != null) {
      return;
    }
    org.slf4j.LoggerFactory.getLogger(ExperimentRunner.class)
        .warn(
            "ONEDNN_MAX_CPU_ISA is not set: on AMD EPYC machines oneDNN's AVX-512 convolutions"
                + " with 2+ threads give non-deterministic results and NaN; export"
                + " ONEDNN_MAX_CPU_ISA=AVX2 before starting the JVM");
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
      throw new InvalidExperimentException(path + ".archParams", e.getMessage(), e);
    }
    CheckpointParams c = m.getCheckpoint();
    if (c != null && c.getCheckpointPath() != null) {
      try {
        Weights.load(
            block, Path.of(c.getCheckpointPath()), !Boolean.FALSE.equals(c.getStrictLoad()));
      } catch (IOException e) {
        throw new InvalidExperimentException(
            path + ".checkpoint.checkpointPath", e.getMessage(), e);
      }
    }
    return block;
  }

  private static Block buildTeacher(
      TeacherSpec t, NDManager manager, Shape inputShape, TeacherHolder holder, Device device) {
    if (t.getTorchscript() != null && !t.getTorchscript().isBlank()) {
      try {
        holder.torchScript = TorchScriptTeacher.load(Path.of(t.getTorchscript()), device);
        return holder.torchScript.block();
      } catch (IOException e) {
        throw new InvalidExperimentException("spec.teacher.torchscript", e.getMessage(), e);
      }
    }
    return buildModel(t, "spec.teacher", manager, inputShape);
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

  /** Keeps a TorchScript teacher's model open for the run. */
  private static final class TeacherHolder implements AutoCloseable {
    TorchScriptTeacher torchScript;

    @Override
    public void close() {
      if (torchScript != null) {
        torchScript.close();
      }
    }
  }

  /** The experiment's name used for the checkpoint directory. */
  public String experimentName() {
    return experimentName;
  }
}
