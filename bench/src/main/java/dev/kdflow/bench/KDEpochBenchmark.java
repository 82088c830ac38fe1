package dev.kdflow.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.data.FashionMnist;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.kd.KDTrainer;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.KDLogitsLoss;
import dev.kdflow.trainer.models.Models;
import dev.kdflow.trainer.training.EpochRecord;
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
 * </ul>
 *
 * <p>Prints one JSON line: mode, {@code epoch_s} (the training steps of the epoch), {@code fill_s}
 * (the cache fill; 0 for teacher-in-loop), {@code train_top1} and {@code train_loss}.
 *
 * <pre>
 * usage: KDEpochBenchmark teacher-in-loop|cached [--threads 2] [--train-limit N] [--data DIR]
 * </pre>
 */
public final class KDEpochBenchmark {
  private static final int BATCH = 256;
  private static final int CROP_PADDING = 4;

  private KDEpochBenchmark() {}

  public static void main(String[] args) throws IOException {
    if (args.length == 0 || !List.of("teacher-in-loop", "cached").contains(args[0])) {
      throw new IllegalArgumentException(
          "usage: KDEpochBenchmark teacher-in-loop|cached [--threads N] [--train-limit N]"
              + " [--data DIR]");
    }
    Map<String, String> o = BenchOptions.parse(args, 1, List.of("threads", "train-limit", "data"));
    int threads = Integer.parseInt(o.getOrDefault("threads", "2"));
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    Path dir = Path.of(o.getOrDefault("data", DatasetSpec.DEFAULT_FASHION_MNIST_PATH));
    Integer limit = o.containsKey("train-limit") ? Integer.valueOf(o.get("train-limit")) : null;
    ImageData train = FashionMnist.load(dir, true, new DatasetSpec()).limit(limit);
    System.out.println(new ObjectMapper().writeValueAsString(run(args[0], threads, train)));
  }

  /** Runs one epoch of a mode; returns the JSON fields. */
  static ObjectNode run(String mode, int threads, ImageData train) {
    boolean cached = mode.equals("cached");
    Engine engine = Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(threads);
    Normalization norm =
        new Normalization(new float[] {KDStepBenchmark.MEAN}, new float[] {KDStepBenchmark.STD});
    ImageBatches batches =
        new ImageBatches(train, norm, BATCH, true, cached ? 0 : CROP_PADDING, !cached, 0L);
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
      engine.setRandomSeed(0);
      Block teacher = Models.build("resnet_small", Map.of(), manager, input);
      Block student = Models.build("mlp", Map.of("hiddenSizes", List.of(800, 800)), manager, input);
      trainer.train(student, teacher, TrainingParams.from(spec), batches, null);
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
    return out;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
