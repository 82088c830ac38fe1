package dev.kdflow.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.data.FashionMnist;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.kd.KDModule;
import dev.kdflow.trainer.kd.KDTrainer;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.KDLogitsLoss;
import dev.kdflow.trainer.models.Models;
import dev.kdflow.trainer.softlabels.SoftLabelKey;
import dev.kdflow.trainer.softlabels.SoftLabels;
import dev.kdflow.trainer.softlabels.TeacherPrecompute;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.ExperimentDirectory;
import dev.kdflow.trainer.training.StartRecord;
import dev.kdflow.trainer.training.TrainingParams;
import dev.kdflow.trainer.training.TrainingProgressListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One Fashion-MNIST KD epoch through {@link KDTrainer}: all 60,000 training images, batch 256,
 * shuffled, the {@code resnet_small} teacher (random init, seeded) and the 784-800-800-10 MLP
 * student, {@link KDLogitsLoss} with α = 0.5 and T = 4, SGD with momentum 0.9 and lr 0.05; no
 * validation. The PyTorch side of the same epoch is {@code bench/kd_epoch_pytorch.py}.
 *
 * <ul>
 *   <li>{@code teacher-in-loop}: the student sees augmented views (random crop with 4 pixels of
 *       padding, horizontal flip) and the teacher runs on every batch, as SuperGradients does;
 *   <li>{@code cached}: the teacher's logits come from the trainer's teacher-output cache, which is
 *       filled once before the epoch with one teacher pass over the <em>unaugmented</em> split (the
 *       cache only serves unaugmented views), so the student trains on unaugmented images. The fill
 *       is reported separately: it is paid once per run, the epoch time once per epoch.
 *   <li>{@code precompute --soft-labels DIR [--shard I/N]}: runs the teacher over this epoch's
 *       <em>augmented</em> views (the same views {@code teacher-in-loop} trains on: same seed, crop
 *       and flip) and writes their logits as soft-label shard I of N under DIR ({@link
 *       TeacherPrecompute}, what {@code kdflow precompute-teacher} runs); prints {@code
 *       precompute_s}.
 *   <li>{@code precomputed --soft-labels DIR}: the student trains on those augmented views, reading
 *       the teacher's logits from the shards under DIR instead of running the teacher; fails when
 *       any batch had to run the teacher (a missing or refused shard).
 * </ul>
 *
 * <p>Prints one JSON line: mode, {@code epoch_s} (the training steps of the epoch), {@code fill_s}
 * (the cache fill; 0 otherwise), {@code train_top1} and {@code train_loss}; for {@code precompute}
 * {@code precompute_s} and the shard instead.
 *
 * <pre>
 * usage: KDEpochBenchmark teacher-in-loop|cached|precompute|precomputed [--threads 2]
 *        [--train-limit N] [--data DIR] [--soft-labels DIR] [--shard I/N]
 * </pre>
 */
public final class KDEpochBenchmark {
  private static final int BATCH = 256;
  private static final int CROP_PADDING = 4;
  private static final int CLASSES = 10;

  private KDEpochBenchmark() {}

  public static void main(String[] args) throws IOException {
    List<String> modes = List.of("teacher-in-loop", "cached", "precompute", "precomputed");
    if (args.length == 0 || !modes.contains(args[0])) {
      throw new IllegalArgumentException(
          "usage: KDEpochBenchmark teacher-in-loop|cached|precompute|precomputed [--threads N]"
              + " [--train-limit N] [--data DIR] [--soft-labels DIR] [--shard I/N]");
    }
    Map<String, String> o =
        BenchOptions.parse(
            args, 1, List.of("threads", "train-limit", "data", "soft-labels", "shard"));
    int threads = Integer.parseInt(o.getOrDefault("threads", "2"));
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    Path dir = Path.of(o.getOrDefault("data", DatasetSpec.DEFAULT_FASHION_MNIST_PATH));
    Integer limit = o.containsKey("train-limit") ? Integer.valueOf(o.get("train-limit")) : null;
    ImageData train = FashionMnist.load(dir, true, new DatasetSpec()).limit(limit);
    Path softLabels = null;
    if (args[0].startsWith("precompute")) {
      if (!o.containsKey("soft-labels")) {
        throw new IllegalArgumentException(args[0] + " needs --soft-labels DIR");
      }
      softLabels = Path.of(o.get("soft-labels"));
    }
    int[] shard = parseShard(o.getOrDefault("shard", "0/1"));
    ObjectNode out =
        args[0].equals("precompute")
            ? precompute(threads, train, softLabels, shard[0], shard[1])
            : run(args[0], threads, train, softLabels);
    System.out.println(new ObjectMapper().writeValueAsString(out));
  }

  /** {@code I/N}: shard I (0-based) of N. */
  static int[] parseShard(String value) {
    String[] parts = value.split("/", -1);
    try {
      int shard = Integer.parseInt(parts[0]);
      int shards = parts.length == 2 ? Integer.parseInt(parts[1]) : -1;
      if (shards >= 1 && shard >= 0 && shard < shards) {
        return new int[] {shard, shards};
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--shard must be I/N with 0 <= I < N, got " + value);
  }

  /**
   * The training views of the augmented modes (teacher-in-loop, precompute, precomputed): shuffled
   * with seed 0, random crop with padding and horizontal flip; {@code cached} gets the unaugmented
   * ones.
   */
  private static ImageBatches views(ImageData train, boolean augmented) {
    Normalization norm =
        new Normalization(new float[] {KDStepBenchmark.MEAN}, new float[] {KDStepBenchmark.STD});
    return new ImageBatches(train, norm, BATCH, true, augmented ? CROP_PADDING : 0, augmented, 0L);
  }

  /**
   * What the soft labels are computed for: every side builds the same seeded random-init teacher,
   * so the digest names its architecture and seed rather than hashing weights from a file.
   */
  private static SoftLabelKey softLabelKey(ImageBatches views) {
    return new SoftLabelKey(
        "resnet_small, random init, engine seed 0",
        CLASSES,
        CLASSES,
        views.size(),
        !views.isAugmented(),
        "seed 0; random crop padding "
            + CROP_PADDING
            + " + horizontal flip; normalization mean "
            + KDStepBenchmark.MEAN
            + " std "
            + KDStepBenchmark.STD);
  }

  /** Writes shard {@code shard}/{@code shards} of this epoch's soft labels; times it. */
  static ObjectNode precompute(int threads, ImageData train, Path softLabels, int shard, int shards)
      throws IOException {
    Engine engine = Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(threads);
    ImageBatches views = views(train, true);
    double seconds;
    try (NDManager manager = NDManager.newBaseManager()) {
      Shape input = new Shape(1, 1, train.height(), train.width());
      Block[] models = build(engine, manager, input);
      KDModule module = new KDModule(models[0], models[1]);
      ParameterStore ps = new ParameterStore(manager, false);
      TeacherPrecompute precompute =
          new TeacherPrecompute(
              views,
              softLabelKey(views),
              x -> module.forwardTeacher(ps, new NDList(x)).head(),
              BATCH);
      long start = System.nanoTime();
      precompute.run(new ExperimentDirectory(softLabels), 0, 1, shard, shards, manager, n -> {});
      seconds = (System.nanoTime() - start) / 1e9;
    }
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("impl", "kdflow-djl-" + Engine.getDjlVersion());
    out.put("mode", "precompute");
    out.put("threads", threads);
    out.put("images", train.size());
    out.put("shard", shard + "/" + shards);
    out.put("precompute_s", round(seconds));
    return out;
  }

  /** The seeded random-init student and teacher, built in the same order by every mode. */
  private static Block[] build(Engine engine, NDManager manager, Shape input) {
    engine.setRandomSeed(0);
    Block teacher = Models.build("resnet_small", Map.of(), manager, input);
    Block student = Models.build("mlp", Map.of("hiddenSizes", List.of(800, 800)), manager, input);
    return new Block[] {student, teacher};
  }

  /** Runs one epoch of a mode; returns the JSON fields. */
  static ObjectNode run(String mode, int threads, ImageData train, Path softLabels)
      throws IOException {
    boolean cached = mode.equals("cached");
    Engine engine = Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(threads);
    ImageBatches batches = views(train, !cached);
    TrainingSpec spec = new TrainingSpec();
    spec.setMaxEpochs(1);
    spec.setInitialLr(KDStepBenchmark.LR);
    spec.setOptimizer(TrainingSpec.Optimizer.SGD);
    spec.getOptimizerParams().setMomentum(KDStepBenchmark.MOMENTUM);
    spec.setSeed(0L);
    long[] started = new long[1];
    EpochRecord[] epoch = new EpochRecord[1];
    KDTrainer trainer = new KDTrainer("kd-epoch-benchmark", null);
    trainer
        .setKDLoss(
            new KDLogitsLoss(
                new CrossEntropyLoss(), KDStepBenchmark.ALPHA, KDStepBenchmark.TEMPERATURE))
        .setCacheTeacherOutputs(cached);
    if (mode.equals("precomputed")) {
      SoftLabels labels =
          SoftLabels.open(new ExperimentDirectory(softLabels).softLabels(), softLabelKey(batches));
      if (labels.shards().isEmpty() || !labels.refused().isEmpty()) {
        throw new IllegalStateException(
            "no usable soft labels under "
                + softLabels
                + " (run the precompute mode first); refused: "
                + labels.refused());
      }
      trainer.setSoftLabels(labels);
    }
    trainer.addListener(
        new TrainingProgressListener() {
          @Override
          public void onStart(StartRecord start) {
            started[0] = System.nanoTime();
          }

          @Override
          public void onEpochEnd(EpochRecord record) {
            epoch[0] = record;
          }
        });
    try (NDManager manager = NDManager.newBaseManager()) {
      Shape input = new Shape(1, 1, train.height(), train.width());
      Block[] models = build(engine, manager, input);
      trainer.train(models[0], models[1], TrainingParams.from(spec), batches, null);
    }
    if (mode.equals("precomputed") && trainer.softLabelBatches() != batches.numBatches()) {
      // a precomputed epoch that quietly ran the teacher would be timed under the wrong name
      throw new IllegalStateException(
          "only "
              + trainer.softLabelBatches()
              + " of "
              + batches.numBatches()
              + " batches read soft labels; the others ran the teacher");
    }
    double total = (System.nanoTime() - started[0]) / 1e9;
    // the epoch's own clock starts after the cache fill (prepare) ends
    double epochSeconds = epoch[0].epochSeconds();
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("impl", "kdflow-djl-" + Engine.getDjlVersion());
    out.put("mode", mode);
    out.put("threads", threads);
    out.put("images", train.size());
    out.put("epoch_s", round(epochSeconds));
    out.put("fill_s", cached ? round(total - epochSeconds) : 0);
    out.put("train_top1", round(epoch[0].train().top1()));
    out.put("train_loss", round(epoch[0].train().loss()));
    if (mode.equals("precomputed")) {
      out.put("soft_label_batches", trainer.softLabelBatches());
    }
    return out;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
