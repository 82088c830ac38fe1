package dev.kdflow.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.data.FashionMnist;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.kd.KDModule;
import dev.kdflow.trainer.kd.KDTrainer;
import dev.kdflow.trainer.kd.TeacherOutputCache;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.KDLogitsLoss;
import dev.kdflow.trainer.models.Models;
import dev.kdflow.trainer.training.StepRecord;
import dev.kdflow.trainer.training.TrainingParams;
import dev.kdflow.trainer.training.TrainingProgressListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Time of one KD training step on CPU, the workload of the shared PyTorch-eager reference ({@code
 * pytorch_kd_step.py}): Fashion-MNIST train split normalised with mean 0.2860 and std 0.3530 held
 * in memory, batches of 256 in order without augmentation, the {@code resnet_small} teacher (stem
 * 32, blocks 32, 32, 64/2, 64, random init) and the 784-800-800-10 MLP student, {@link
 * KDLogitsLoss} with α = 0.5 and T = 4, SGD with momentum 0.9 and lr 0.05.
 *
 * <p>Every mode runs the trainer's own code, the path {@code kdflow run} takes:
 *
 * <ul>
 *   <li>{@code full}: {@link KDTrainer} with teacher-output caching off, so each step runs the
 *       teacher's forward pass and the student's training step;
 *   <li>{@code student}: {@link KDTrainer} with its {@link TeacherOutputCache}, what every epoch
 *       after the first costs. The cache is filled before the first step, outside the timing, by a
 *       linear stand-in teacher (filling it with the ResNet would cost minutes and does not change
 *       the steps that are timed);
 *   <li>{@code teacher}: {@link TeacherOutputCache#compute} (the teacher's forward pass through
 *       {@link KDModule#forwardTeacher}) over {@code steps} batches.
 * </ul>
 *
 * <p>Timing: {@code reps} repetitions of {@code warmup} untimed and {@code steps} timed steps, read
 * from the trainer's step events; prints one JSON line with the reference's fields. {@code
 * --profile FILE} writes libtorch's profiler trace (Chrome trace JSON: every op with its time) of
 * the first repetition's timed training steps. {@code --step-log FILE} writes one line per training
 * step from the first on (step, its milliseconds, and the JVM's JIT compilation time so far), to
 * see when the JVM's warm-up ends. {@code --device gpu} runs on the first GPU and fails when the
 * engine sees none (it never runs on the CPU in a GPU's place).
 *
 * <pre>
 * usage: KDStepBenchmark full|teacher|student [--threads 2] [--steps 100] [--warmup 20] [--reps 3]
 *        [--train-limit N] [--data DIR] [--profile TRACE.json] [--step-log FILE]
 *        [--device cpu|gpu]
 * </pre>
 */
public final class KDStepBenchmark {
  /** Images per step, as the reference. */
  public static final int BATCH = 256;

  static final float MEAN = 0.2860f;
  static final float STD = 0.3530f;
  static final double ALPHA = 0.5;
  static final double TEMPERATURE = 4;
  static final double LR = 0.05;
  static final double MOMENTUM = 0.9;

  private KDStepBenchmark() {}

  /**
   * Benchmark settings.
   *
   * @param mode full, teacher or student
   * @param threads intra-op threads
   * @param steps timed steps per repetition
   * @param warmup untimed steps before each repetition
   * @param reps repetitions
   * @param trainLimit the first N training images only (null: all)
   * @param data Fashion-MNIST directory (null: Debian's)
   * @param batch images per step ({@value #BATCH} as the reference; {@code --batch} for quick
   *     checks and for the teacher's throughput at inference batch sizes)
   * @param profile libtorch profiler trace file of the first timed repetition, or null
   * @param stepLog per-step time and JIT compilation time file, or null
   * @param device cpu or gpu
   */
  public record Settings(
      String mode,
      int threads,
      int steps,
      int warmup,
      int reps,
      Integer trainLimit,
      String data,
      int batch,
      String profile,
      String stepLog,
      String device) {
    /** Checks the values. */
    public Settings {
      if (!List.of("full", "teacher", "student").contains(mode)) {
        throw new IllegalArgumentException("mode must be full, teacher or student, got " + mode);
      }
      // a step's start is the previous step's end, so the first timed step needs one before it
      if (threads < 1 || steps < 1 || warmup < 1 || reps < 1 || batch < 1) {
        throw new IllegalArgumentException("threads, steps, warmup, reps and batch must be >= 1");
      }
      if (!List.of("cpu", "gpu").contains(device)) {
        throw new IllegalArgumentException("--device must be cpu or gpu, got " + device);
      }
    }
  }

  public static void main(String[] args) throws IOException {
    Settings s = parse(args);
    // before the engine starts, so that its thread pools are sized once
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(s.threads()));
    Path dir = Path.of(s.data() == null ? DatasetSpec.DEFAULT_FASHION_MNIST_PATH : s.data());
    ImageData train = FashionMnist.load(dir, true, new DatasetSpec()).limit(s.trainLimit());
    System.out.println(new ObjectMapper().writeValueAsString(run(s, train)));
  }

  /** Parses {@code mode [--option value]...}. */
  public static Settings parse(String[] args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: KDStepBenchmark full|teacher|student [options]");
    }
    Map<String, String> o =
        BenchOptions.parse(
            args,
            1,
            List.of(
                "threads",
                "steps",
                "warmup",
                "reps",
                "train-limit",
                "data",
                "batch",
                "profile",
                "step-log",
                "device"));
    return new Settings(
        args[0],
        Integer.parseInt(o.getOrDefault("threads", "2")),
        Integer.parseInt(o.getOrDefault("steps", "100")),
        Integer.parseInt(o.getOrDefault("warmup", "20")),
        Integer.parseInt(o.getOrDefault("reps", "3")),
        o.containsKey("train-limit") ? Integer.valueOf(o.get("train-limit")) : null,
        o.get("data"),
        Integer.parseInt(o.getOrDefault("batch", Integer.toString(BATCH))),
        o.get("profile"),
        o.get("step-log"),
        o.getOrDefault("device", "cpu"));
  }

  /**
   * Runs one mode.
   *
   * @param train the training split (only whole batches are used, as the reference does)
   * @return the reference's JSON fields
   */
  public static ObjectNode run(Settings s, ImageData train) {
    int batch = s.batch();
    Engine engine = Engine.getEngine("PyTorch"); // loads the native library
    JniUtils.setNumThreads(s.threads());
    Device device = s.device().equals("gpu") ? Device.gpu() : Device.cpu();
    if (device.isGpu() && engine.getGpuCount() == 0) {
      // never a silent CPU run under a GPU label
      throw new IllegalStateException(
          "--device gpu: DJL's PyTorch engine sees no GPU (check nvidia-smi, the CUDA build of"
              + " libtorch and PYTORCH_FLAVOR); this benchmark never falls back to the CPU");
    }
    int whole = train.size() / batch * batch;
    if (whole == 0) {
      throw new IllegalArgumentException("need at least " + batch + " training images");
    }
    ImageData data = train.limit(whole);
    Normalization norm = new Normalization(new float[] {MEAN}, new float[] {STD});
    double[] msPerStep;
    try (NDManager manager = NDManager.newBaseManager(device)) {
      Shape input = new Shape(1, 1, data.height(), data.width());
      engine.setRandomSeed(0);
      Block teacher = Models.build("resnet_small", Map.of(), manager, input);
      Block student = Models.build("mlp", Map.of("hiddenSizes", List.of(800, 800)), manager, input);
      msPerStep =
          switch (s.mode()) {
            case "teacher" -> timeTeacher(s, new KDModule(student, teacher), data, norm, manager);
            case "student" ->
                timeTraining(s, student, cacheFiller(manager, input), true, data, norm);
            default -> timeTraining(s, student, teacher, false, data, norm);
          };
    }
    double[] sorted = msPerStep.clone();
    Arrays.sort(sorted);
    double median = sorted[sorted.length / 2];
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("impl", "kdflow-djl-" + Engine.getDjlVersion());
    out.put("mode", s.mode());
    out.put("device", device.toString());
    out.put("threads", s.threads());
    out.put("batch", batch);
    ArrayNode reps = out.putArray("ms_per_step_reps");
    for (double v : msPerStep) {
      reps.add(round(v, 1000));
    }
    out.put("median_ms_per_step", round(median, 1000));
    out.put("img_per_s", round(batch / median * 1000, 10));
    return out;
  }

  /** The trainer's KD loop; the step events give each repetition's time. */
  private static double[] timeTraining(
      Settings s,
      Block student,
      Block teacher,
      boolean cached,
      ImageData data,
      Normalization norm) {
    ImageBatches batches = ImageBatches.sequential(data, norm, s.batch());
    int total = s.reps() * (s.warmup() + s.steps());
    TrainingSpec spec = new TrainingSpec();
    spec.setMaxEpochs((total + batches.numBatches() - 1) / batches.numBatches());
    spec.setInitialLr(LR);
    spec.setOptimizer(TrainingSpec.Optimizer.SGD);
    spec.getOptimizerParams().setMomentum(MOMENTUM);
    spec.setSeed(0L);
    KDTrainer trainer = new KDTrainer("kd-step-benchmark", null);
    trainer
        .setKDLoss(new KDLogitsLoss(new CrossEntropyLoss(), ALPHA, TEMPERATURE))
        .setCacheTeacherOutputs(cached);
    long[] stepEnd = new long[total + 1];
    long[] jitMs = new long[total + 1];
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean logJit =
        s.stepLog() != null && jit != null && jit.isCompilationTimeMonitoringSupported();
    trainer.addListener(
        new TrainingProgressListener() {
          @Override
          public void onStep(StepRecord step) {
            int i = (int) step.step();
            stepEnd[i] = System.nanoTime();
            if (logJit) {
              jitMs[i] = jit.getTotalCompilationTime();
            }
            if (s.profile() != null && i == s.warmup()) {
              JniUtils.startProfile(false, false, false);
            } else if (s.profile() != null && i == s.warmup() + s.steps()) {
              JniUtils.stopProfile(s.profile());
            }
            if (i == total) {
              trainer.requestStop();
            }
          }
        });
    trainer.train(student, teacher, TrainingParams.from(spec), batches, null);
    if (s.stepLog() != null) {
      writeStepLog(Path.of(s.stepLog()), stepEnd, logJit ? jitMs : null);
    }
    double[] ms = new double[s.reps()];
    for (int r = 0; r < s.reps(); r++) {
      int lastWarmup = r * (s.warmup() + s.steps()) + s.warmup();
      ms[r] = (stepEnd[lastWarmup + s.steps()] - stepEnd[lastWarmup]) / 1e6 / s.steps();
    }
    return ms;
  }

  /**
   * One line per step from the second on (the first has no start): step, milliseconds, JIT
   * compilation milliseconds so far ("n/a" when the JVM does not report them).
   */
  private static void writeStepLog(Path file, long[] stepEnd, long[] jitMs) {
    StringBuilder out = new StringBuilder("step ms jit_ms_total\n");
    for (int i = 2; i < stepEnd.length && stepEnd[i] != 0; i++) {
      out.append(i)
          .append(' ')
          .append(String.format(Locale.ROOT, "%.3f", (stepEnd[i] - stepEnd[i - 1]) / 1e6))
          .append(' ')
          .append(jitMs == null ? "n/a" : Long.toString(jitMs[i]))
          .append('\n');
    }
    try {
      Files.writeString(file, out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write --step-log " + file, e);
    }
  }

  /** The teacher's forward pass over {@code steps} batches, as the cache computes it. */
  private static double[] timeTeacher(
      Settings s, KDModule module, ImageData data, Normalization norm, NDManager manager) {
    int batch = s.batch();
    ParameterStore ps = new ParameterStore(manager, false);
    int numBatches = data.size() / batch;
    int next = 0;
    double[] ms = new double[s.reps()];
    for (int r = 0; r < s.reps(); r++) {
      TeacherOutputCache.compute(
          module, ps, slice(data, norm, batch, next, s.warmup()), Long.MAX_VALUE);
      next = (next + s.warmup()) % numBatches;
      List<ImageBatches> parts = new ArrayList<>();
      // the slices are copied before the clock starts
      for (int left = s.steps(); left > 0; ) {
        int n = Math.min(left, numBatches - next);
        parts.add(slice(data, norm, batch, next, n));
        next = (next + n) % numBatches;
        left -= n;
      }
      long start = System.nanoTime();
      for (ImageBatches part : parts) {
        TeacherOutputCache.compute(module, ps, part, Long.MAX_VALUE);
      }
      ms[r] = (System.nanoTime() - start) / 1e6 / s.steps();
    }
    return ms;
  }

  /** {@code count} batches from batch {@code first} on (wrapping around at the end). */
  private static ImageBatches slice(
      ImageData data, Normalization norm, int batch, int first, int count) {
    int numBatches = data.size() / batch;
    int per = data.imageSize();
    float[] pixels = new float[count * batch * per];
    int[] labels = new int[count * batch];
    for (int b = 0; b < count; b++) {
      int src = (first + b) % numBatches;
      System.arraycopy(data.pixels(), src * batch * per, pixels, b * batch * per, batch * per);
      System.arraycopy(data.labels(), src * batch, labels, b * batch, batch);
    }
    ImageData part =
        new ImageData(
            pixels, labels, data.channels(), data.height(), data.width(), data.classNames());
    return ImageBatches.sequential(part, norm, batch);
  }

  /**
   * A linear stand-in teacher that fills the cache of the {@code student} mode quickly: the timed
   * steps read cached logits and never run it.
   */
  private static Block cacheFiller(NDManager manager, Shape input) {
    Block b =
        new SequentialBlock()
            .add(Blocks.batchFlattenBlock())
            .add(Linear.builder().setUnits(10).build());
    b.initialize(manager, DataType.FLOAT32, input);
    return b;
  }

  private static double round(double v, double scale) {
    return Math.round(v * scale) / scale;
  }
}
