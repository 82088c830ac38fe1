package dev.kdflow.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kdflow.api.CheckpointParams;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.LossSpec;
import dev.kdflow.api.ModelSpec;
import dev.kdflow.api.TeacherSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.ExperimentRunner;
import dev.kdflow.trainer.training.TrainingOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fashion-MNIST accuracy of knowledge distillation on CPU: trains the {@code resnet_small} teacher,
 * then the 784-800-800-10 MLP student alone and with KD from that teacher for several seeds, and
 * reports the teacher's test accuracy, both student means and the fraction of the teacher–student
 * error gap that KD recovers. Every run goes through {@link ExperimentRunner}, the path {@code
 * kdflow run} uses. Writes {@code summary.json} and {@code summary.md} into the output directory
 * (checkpoints and metrics.jsonl of every run beside them); a rerun resumes finished runs from
 * their checkpoints.
 *
 * <pre>
 * options: --out DIR (runs/fashion-mnist-accuracy)  --seeds 1,2,3  --teacher-epochs 30
 *          --student-epochs 20  --temperature 4  --alpha 0.5  --train-limit N  --valid-limit N
 *          --data DIR (Debian's Fashion-MNIST)
 * </pre>
 */
public final class FashionMnistAccuracyBenchmark {
  private FashionMnistAccuracyBenchmark() {}

  /** Benchmark settings. */
  record Settings(
      Path out,
      List<Long> seeds,
      int teacherEpochs,
      int studentEpochs,
      double temperature,
      double alpha,
      Integer trainLimit,
      Integer validLimit,
      String data) {}

  public static void main(String[] args) throws IOException {
    Settings s = parse(args);
    Files.createDirectories(s.out());
    long start = System.nanoTime();
    System.out.println("teacher: resnet_small, " + s.teacherEpochs() + " epochs");
    TrainingOutcome teacher =
        new ExperimentRunner(teacherSpec(s), "teacher")
            .addListener(SeededRuns.progress("teacher"))
            .run();
    // the student learns from ckpt_best, so that is the teacher accuracy that counts
    double teacherTop1 = teacher.best().value();
    List<Double> alone = new ArrayList<>();
    List<Double> kd = new ArrayList<>();
    for (long seed : s.seeds()) {
      alone.add(
          new ExperimentRunner(studentSpec(s, seed, null), "student-alone-seed" + seed)
              .addListener(SeededRuns.progress("alone seed " + seed))
              .run()
              .lastValid()
              .top1());
      kd.add(
          new ExperimentRunner(
                  studentSpec(s, seed, teacher.bestCheckpoint()), "student-kd-seed" + seed)
              .addListener(SeededRuns.progress("kd seed " + seed))
              .run()
              .lastValid()
              .top1());
    }
    double aloneMean = SeededRuns.mean(alone);
    double kdMean = SeededRuns.mean(kd);
    double gap = teacherTop1 - aloneMean;
    Double recovered = gap > 0 ? (kdMean - aloneMean) / gap : null;

    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode summary = json.createObjectNode();
    summary.put("benchmark", "fashion-mnist-accuracy");
    summary.put("teacher", "resnet_small (stem 32, blocks 32,32,64/2,64)");
    summary.put("student", "mlp 784-800-800-10");
    summary.put("teacherEpochs", s.teacherEpochs());
    summary.put("studentEpochs", s.studentEpochs());
    summary.put("temperature", s.temperature());
    summary.put("alpha", s.alpha());
    summary.put("trainImages", s.trainLimit() == null ? 60000 : Math.min(60000, s.trainLimit()));
    summary.put("testImages", s.validLimit() == null ? 10000 : Math.min(10000, s.validLimit()));
    summary.put("teacherTop1", teacherTop1);
    ArrayNode seeds = summary.putArray("seeds");
    s.seeds().forEach(seeds::add);
    ArrayNode a = summary.putArray("studentAloneTop1");
    alone.forEach(a::add);
    ArrayNode k = summary.putArray("studentKDTop1");
    kd.forEach(k::add);
    summary.put("studentAloneMean", aloneMean);
    summary.put("studentAloneStd", SeededRuns.std(alone));
    summary.put("studentKDMean", kdMean);
    summary.put("studentKDStd", SeededRuns.std(kd));
    if (recovered == null) {
      summary.putNull("gapRecovered");
    } else {
      summary.put("gapRecovered", recovered);
    }
    summary.put("wallSeconds", (System.nanoTime() - start) / 1e9);
    summary.put("threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
    json.writeValue(s.out().resolve("summary.json").toFile(), summary);

    String md =
        String.format(
            Locale.ROOT,
            "| run | test top-1 |%n|---|---|%n"
                + "| teacher resnet_small (%d epochs) | %.2f %% |%n"
                + "| MLP 784-800-800-10 alone (%d epochs, seeds %s) | %.2f %% ± %.2f |%n"
                + "| MLP 784-800-800-10 with KD (T=%s, α=%s) | %.2f %% ± %.2f |%n"
                + "| teacher–student gap recovered by KD | %s |%n",
            s.teacherEpochs(),
            100 * teacherTop1,
            s.studentEpochs(),
            s.seeds(),
            100 * aloneMean,
            100 * SeededRuns.std(alone),
            s.temperature(),
            s.alpha(),
            100 * kdMean,
            100 * SeededRuns.std(kd),
            recovered == null
                ? "n/a (student not below teacher)"
                : String.format(Locale.ROOT, "%.1f %%", 100 * recovered));
    Files.writeString(s.out().resolve("summary.md"), md);
    System.out.println(json.writeValueAsString(summary));
    System.out.print(md);
  }

  static Settings parse(String[] args) {
    Map<String, String> o =
        BenchOptions.parse(
            args,
            0,
            List.of(
                "out",
                "seeds",
                "teacher-epochs",
                "student-epochs",
                "temperature",
                "alpha",
                "train-limit",
                "valid-limit",
                "data"));
    List<Long> seeds = new ArrayList<>();
    for (String v : o.getOrDefault("seeds", "1,2,3").split(",")) {
      seeds.add(Long.parseLong(v.trim()));
    }
    return new Settings(
        Path.of(o.getOrDefault("out", "runs/fashion-mnist-accuracy")),
        seeds,
        Integer.parseInt(o.getOrDefault("teacher-epochs", "30")),
        Integer.parseInt(o.getOrDefault("student-epochs", "20")),
        Double.parseDouble(o.getOrDefault("temperature", "4")),
        Double.parseDouble(o.getOrDefault("alpha", "0.5")),
        o.containsKey("train-limit") ? Integer.valueOf(o.get("train-limit")) : null,
        o.containsKey("valid-limit") ? Integer.valueOf(o.get("valid-limit")) : null,
        o.get("data"));
  }

  private static KDExperimentSpec base(Settings s, long seed, int epochs) {
    KDExperimentSpec spec = new KDExperimentSpec();
    TrainingSpec t = spec.getTraining();
    t.setMaxEpochs(epochs);
    t.setSeed(seed);
    t.setResume(true);
    t.setOptimizer(TrainingSpec.Optimizer.SGD);
    t.getOptimizerParams().setMomentum(0.9);
    t.getOptimizerParams().setNesterov(true);
    t.setLrMode(TrainingSpec.LrMode.COSINE);
    t.setCosineFinalLrRatio(0.01);
    t.setLogEveryNSteps(100);
    spec.getDataset().setPath(s.data());
    spec.getDataset().setTrainLimit(s.trainLimit());
    spec.getDataset().setValidLimit(s.validLimit());
    spec.getDataset().setBatchSize(128);
    spec.getCheckpoints().setRootDir(s.out().toString());
    return spec;
  }

  /** The teacher: resnet_small with crop/flip augmentation, SGD + cosine, weight decay. */
  static KDExperimentSpec teacherSpec(Settings s) {
    KDExperimentSpec spec = base(s, 0, s.teacherEpochs());
    ModelSpec m = new ModelSpec();
    m.setArchitecture("resnet_small");
    spec.setStudent(m);
    spec.getTraining().setInitialLr(0.1);
    spec.getTraining().setLrWarmupEpochs(Math.min(1, s.teacherEpochs() - 1));
    spec.getTraining().getOptimizerParams().setWeightDecay(5e-4);
    spec.getDataset().setRandomCropPadding(2);
    spec.getDataset().setHorizontalFlip(true);
    return spec;
  }

  /** The student alone (teacher null) or distilled from the teacher's ckpt_best. */
  static KDExperimentSpec studentSpec(Settings s, long seed, Path teacherCheckpoint) {
    KDExperimentSpec spec = base(s, seed, s.studentEpochs());
    ModelSpec m = new ModelSpec();
    m.setArchitecture("mlp");
    m.getArchParams().put("hiddenSizes", List.of(800, 800));
    spec.setStudent(m);
    spec.getTraining().setInitialLr(0.05);
    spec.getTraining().getOptimizerParams().setWeightDecay(1e-4);
    if (teacherCheckpoint != null) {
      TeacherSpec t = new TeacherSpec();
      t.setArchitecture("resnet_small");
      CheckpointParams c = new CheckpointParams();
      c.setCheckpointPath(teacherCheckpoint.toString());
      t.setCheckpoint(c);
      spec.setTeacher(t);
      LossSpec loss = spec.getKd().getLoss();
      loss.setTemperature(s.temperature());
      loss.setDistillationLossCoeff(s.alpha());
    }
    return spec;
  }
}
