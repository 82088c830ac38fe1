package dev.kdflow.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kdflow.api.CheckpointParams;
import dev.kdflow.api.DKDParams;
import dev.kdflow.api.HintSpec;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.LossSpec;
import dev.kdflow.api.ModelSpec;
import dev.kdflow.api.TeacherSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.ExperimentRunner;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.models.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Fashion-MNIST accuracy of each distillation method on CPU, for an MLP and a small CNN student,
 * from the same CNN teacher: the student alone, then with KDLogitsLoss, HintonKD, DKD, logit
 * standardization + KD, DIST, FitNets hints + KD and two-teacher KD, each for several seeds. Every
 * run goes through {@link ExperimentRunner}, the path {@code kdflow run} uses, with the teacher's
 * outputs cached (students see unaugmented data, so the teacher runs once per split). Writes {@code
 * summary.json} and {@code summary.md} (mean ± sample standard deviation, the share of the
 * teacher–student gap each method recovers) into the output directory; a rerun resumes finished
 * runs from their checkpoints, so rows can be added by rerunning with more {@code --methods}.
 *
 * <pre>
 * options: --out DIR (runs/kd-methods)  --seeds 1,2,3  --teacher-epochs 5  --student-epochs 8
 *          --students mlp,cnn
 *          --methods alone,kd,hinton,dkd,ls-kd,dist,fitnets-kd,two-teacher-kd,alone-aug,kd-aug
 *          --train-limit N  --valid-limit N  --data DIR (Debian's Fashion-MNIST)
 * </pre>
 */
public final class KDMethodsBenchmark {
  private KDMethodsBenchmark() {}

  /** Benchmark settings. */
  record Settings(
      Path out,
      List<Long> seeds,
      int teacherEpochs,
      int studentEpochs,
      List<String> students,
      List<String> methods,
      Integer trainLimit,
      Integer validLimit,
      String data) {}

  /** A student network and how it is trained. */
  record Student(String name, String label, String architecture, Map<String, Object> archParams) {}

  /** The students: the MLP of the accuracy benchmark and a CNN with < 1/10 of the teacher. */
  static final Map<String, Student> STUDENTS = new LinkedHashMap<>();

  /** The teacher every student learns from, and the second teacher of two-teacher KD. */
  static final Student TEACHER =
      new Student(
          "teacher",
          "CNN 32,64 hidden 128",
          "cnn",
          Map.of("channels", List.of(32, 64), "hiddenSize", 128));

  /** Two-teacher KD's second teacher: the same architecture trained from another seed. */
  static final Student SECOND_TEACHER =
      new Student("teacher2", TEACHER.label(), TEACHER.architecture(), TEACHER.archParams());

  static {
    STUDENTS.put(
        "mlp",
        new Student("mlp", "MLP 784-800-800-10", "mlp", Map.of("hiddenSizes", List.of(800, 800))));
    STUDENTS.put(
        "cnn",
        new Student(
            "cnn",
            "CNN 8,16 hidden 16",
            "cnn",
            Map.of("channels", List.of(8, 16), "hiddenSize", 16)));
  }

  /** What each method sets on a student's spec (a null entry: the student trains alone). */
  static final Map<String, Method> METHODS = new LinkedHashMap<>();

  /**
   * One row of the table.
   *
   * @param label the row's name
   * @param settings the settings in words
   * @param apply sets the method on a student spec (one that already has the teacher when {@code
   *     baseline} is not null); null: nothing to set
   * @param baseline the row of the student alone this row is compared with (its share of the
   *     teacher–student gap is measured from that row's mean); null for a row of the student alone
   */
  record Method(String label, String settings, Consumer<KDExperimentSpec> apply, String baseline) {
    /** A distillation row compared with the student alone on unaugmented images. */
    Method(String label, String settings, Consumer<KDExperimentSpec> apply) {
      this(label, settings, apply, "alone");
    }

    /** Whether the row trains with a teacher. */
    boolean distills() {
      return baseline != null;
    }
  }

  /** Random crop (padding 2) and horizontal flip of every training image, as the teacher had. */
  private static void cropAndFlip(KDExperimentSpec spec) {
    spec.getDataset().setRandomCropPadding(2);
    spec.getDataset().setHorizontalFlip(true);
  }

  static {
    METHODS.put("alone", new Method("student alone", "cross-entropy only", null, null));
    METHODS.put(
        "kd",
        new Method(
            "KDLogitsLoss",
            "T = 4, α = 0.5",
            spec -> {
              LossSpec l = spec.getKd().getLoss();
              l.setTemperature(4.0);
              l.setDistillationLossCoeff(0.5);
            }));
    METHODS.put(
        "hinton",
        new Method(
            "HintonKD",
            "T = 4, task 0.1, distill 0.9",
            spec -> {
              LossSpec l = spec.getKd().getLoss();
              l.setType(LossSpec.Type.HINTON_KD);
              l.setTemperature(4.0);
            }));
    METHODS.put(
        "dkd",
        new Method(
            "DKD",
            "T = 4, α = 1, β = 8, task 1, loss ramp over 2 epochs (½, then 1)",
            spec -> {
              LossSpec l = spec.getKd().getLoss();
              l.setType(LossSpec.Type.DKD);
              l.setTemperature(4.0);
              DKDParams d = new DKDParams();
              // the ramp factor is min(e / warmup, 1) with e counted from 1 (mdistiller), so a
              // 1-epoch warm-up does not ramp at all; 2 epochs is the shortest ramp that does, near
              // mdistiller's 20 of 240 epochs for an 8-epoch run
              d.setWarmupEpochs(2);
              l.setDkd(d);
            }));
    METHODS.put(
        "ls-kd",
        new Method(
            "LS + KD",
            "HintonKD with logit standardization, base T = 2, task 0.1, distill 9",
            spec -> {
              LossSpec l = spec.getKd().getLoss();
              l.setType(LossSpec.Type.HINTON_KD);
              l.setLogitStandardization(true);
              l.setTemperature(2.0);
              l.setTaskLossWeight(0.1);
              l.setDistillationLossWeight(9.0);
            }));
    METHODS.put(
        "dist",
        new Method(
            "DIST",
            "T = 1, β = 1, γ = 1, task 1, distill 1",
            spec -> {
              LossSpec l = spec.getKd().getLoss();
              l.setType(LossSpec.Type.DIST);
              // the DIST authors' default temperature (their ImageNet setting); at T = 4 the
              // T² = 16 factor drove the small student to constant outputs
              l.setTemperature(1.0);
            }));
  }

  /** Training batch size of the teachers and the students. */
  static final int BATCH_SIZE = 128;

  /** The students' peak learning rate (SGD + Nesterov, cosine). */
  static final double STUDENT_LR = 0.05;

  /** The students' cap on the global gradient norm. */
  static final double STUDENT_CLIP_GRAD_NORM = 5.0;

  static {
    // KD with augmented views: the teacher labels exactly the crop + flip view the student sees
    // (every view is a pure function of seed, epoch and index, so kd.precompute can store these
    // soft labels ahead of time; here the teacher runs in the loop, which gives the same values).
    // Compared with the student alone trained on the same views, not with the unaugmented one.
    METHODS.put(
        "alone-aug",
        new Method(
            "student alone, crop + flip",
            "cross-entropy only; random crop (padding 2) + horizontal flip",
            KDMethodsBenchmark::cropAndFlip,
            null));
    METHODS.put(
        "kd-aug",
        new Method(
            "KDLogitsLoss, crop + flip",
            "T = 4, α = 0.5; the student and the teacher see the same random crop + flip view"
                + " (compared with the student alone, crop + flip)",
            spec -> {
              cropAndFlip(spec);
              LossSpec l = spec.getKd().getLoss();
              l.setTemperature(4.0);
              l.setDistillationLossCoeff(0.5);
            },
            "alone-aug"));
  }

  /** ckpt_best of the second teacher, set before two-teacher KD runs. */
  private static Path secondTeacherCheckpoint;

  static {
    METHODS.put(
        "fitnets-kd",
        new Method(
            "FitNets + KD",
            "KDLogitsLoss T = 4, α = 0.5; hints (weight 1): CNN stage1 → teacher stage1 (1×1"
                + " conv) and hidden → hidden (linear); MLP hidden2 → teacher hidden (linear)",
            spec -> {
              LossSpec l = spec.getKd().getLoss();
              l.setTemperature(4.0);
              l.setDistillationLossCoeff(0.5);
              List<HintSpec> hints = new ArrayList<>();
              if ("cnn".equals(spec.getStudent().getArchitecture())) {
                hints.add(hint("stage1", "stage1"));
                hints.add(hint("hidden", "hidden"));
              } else {
                hints.add(hint("hidden2", "hidden"));
              }
              spec.getKd().setHints(hints);
            }));
    METHODS.put(
        "two-teacher-kd",
        new Method(
            "two-teacher KD",
            "KDLogitsLoss T = 4, α = 0.5 on the mean logits of the teacher and a second teacher"
                + " (same architecture and schedule, seed 1), weights 1:1",
            spec -> {
              LossSpec l = spec.getKd().getLoss();
              l.setTemperature(4.0);
              l.setDistillationLossCoeff(0.5);
              TeacherSpec first = spec.getTeacher();
              TeacherSpec second = new TeacherSpec();
              second.setArchitecture(SECOND_TEACHER.architecture());
              second.getArchParams().putAll(SECOND_TEACHER.archParams());
              CheckpointParams c = new CheckpointParams();
              c.setCheckpointPath(secondTeacherCheckpoint.toString());
              second.setCheckpoint(c);
              spec.setTeacher(null);
              spec.setTeachers(List.of(first, second));
            }));
  }

  private static HintSpec hint(String student, String teacher) {
    HintSpec h = new HintSpec();
    h.setStudent(student);
    h.setTeacher(teacher);
    return h;
  }

  public static void main(String[] args) throws IOException {
    Settings s = parse(args);
    Files.createDirectories(s.out());
    long start = System.nanoTime();
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode summary = json.createObjectNode();
    summary.put("benchmark", "kd-methods");
    summary.put("teacherEpochs", s.teacherEpochs());
    summary.put("studentEpochs", s.studentEpochs());
    summary.put("trainImages", s.trainLimit() == null ? 60000 : Math.min(60000, s.trainLimit()));
    summary.put("testImages", s.validLimit() == null ? 10000 : Math.min(10000, s.validLimit()));
    ArrayNode seedsNode = summary.putArray("seeds");
    s.seeds().forEach(seedsNode::add);

    System.out.println("teacher: " + TEACHER.label() + ", " + s.teacherEpochs() + " epochs");
    Path teacherCkpt = train(teacherSpec(s, TEACHER, 0), "teacher").bestCheckpoint();
    double teacherTop1 = bestTop1(teacherSpec(s, TEACHER, 0), "teacher");
    summary.put("teacherTop1", teacherTop1);
    summary.put("teacherParameters", parameters(TEACHER));
    if (s.methods().contains("two-teacher-kd")) {
      System.out.println("second teacher: " + SECOND_TEACHER.label() + ", seed 1");
      KDExperimentSpec second = teacherSpec(s, SECOND_TEACHER, 1);
      secondTeacherCheckpoint = train(second, SECOND_TEACHER.name()).bestCheckpoint();
      summary.put("secondTeacherTop1", bestTop1(second, SECOND_TEACHER.name()));
    }

    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "Teacher %s (%d parameters, %d epochs): **%.2f %%** test top-1.%n%n",
            TEACHER.label(),
            parameters(TEACHER),
            s.teacherEpochs(),
            100 * teacherTop1));
    ObjectNode rows = summary.putObject("students");
    for (String studentName : s.students()) {
      Student student = STUDENTS.get(studentName);
      ObjectNode studentNode = rows.putObject(studentName);
      studentNode.put("label", student.label());
      studentNode.put("parameters", parameters(student));
      md.append(
          String.format(
              Locale.ROOT,
              "%s (%d parameters, %.1f %% of the teacher's), %d epochs:%n%n"
                  + "| method | settings | test top-1, seeds %s | mean ± sd | gap recovered |%n"
                  + "|---|---|---|---|---|%n",
              student.label(),
              parameters(student),
              100.0 * parameters(student) / parameters(TEACHER),
              s.studentEpochs(),
              s.seeds()));
      Map<String, Double> means = new LinkedHashMap<>();
      for (String methodName : s.methods()) {
        Method method = METHODS.get(methodName);
        List<Double> top1 = new ArrayList<>();
        for (long seed : s.seeds()) {
          String run = studentName + "-" + methodName + "-seed" + seed;
          KDExperimentSpec spec = studentSpec(s, student, seed, method, teacherCkpt);
          top1.add(train(spec, run).lastValid().top1());
        }
        double mean = SeededRuns.mean(top1);
        means.put(methodName, mean);
        Double aloneMean = method.distills() ? means.get(method.baseline()) : null;
        Double recovered =
            aloneMean == null || teacherTop1 <= aloneMean
                ? null
                : (mean - aloneMean) / (teacherTop1 - aloneMean);
        ObjectNode m = studentNode.putObject(methodName);
        m.put("label", method.label());
        m.put("settings", method.settings());
        ArrayNode values = m.putArray("top1");
        top1.forEach(values::add);
        m.put("mean", mean);
        m.put("std", SeededRuns.std(top1));
        if (recovered != null) {
          m.put("gapRecovered", recovered);
        }
        StringBuilder perSeed = new StringBuilder();
        for (double v : top1) {
          perSeed.append(perSeed.isEmpty() ? "" : ", ").append(fmt(100 * v));
        }
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | **%.2f %% ± %.2f** | %s |%n",
                method.label(),
                method.settings(),
                perSeed,
                100 * mean,
                100 * SeededRuns.std(top1),
                recovered == null ? "–" : String.format(Locale.ROOT, "%.1f %%", 100 * recovered)));
        json.writeValue(s.out().resolve("summary.json").toFile(), summary);
        Files.writeString(s.out().resolve("summary.md"), md);
      }
      md.append(System.lineSeparator());
    }
    summary.put("wallSeconds", (System.nanoTime() - start) / 1e9);
    summary.put("threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
    json.writeValue(s.out().resolve("summary.json").toFile(), summary);
    Files.writeString(s.out().resolve("summary.md"), md);
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
                "students",
                "methods",
                "train-limit",
                "valid-limit",
                "data"));
    List<Long> seeds = new ArrayList<>();
    for (String v : o.getOrDefault("seeds", "1,2,3").split(",")) {
      seeds.add(Long.parseLong(v.trim()));
    }
    List<String> students = List.of(o.getOrDefault("students", "mlp,cnn").split(","));
    for (String st : students) {
      if (!STUDENTS.containsKey(st)) {
        throw new IllegalArgumentException(
            "--students: unknown '" + st + "'; known: " + String.join(",", STUDENTS.keySet()));
      }
    }
    List<String> methods =
        List.of(o.getOrDefault("methods", String.join(",", METHODS.keySet())).split(","));
    for (String m : methods) {
      if (!METHODS.containsKey(m)) {
        throw new IllegalArgumentException(
            "--methods: unknown '" + m + "'; known: " + String.join(",", METHODS.keySet()));
      }
    }
    if (!"alone".equals(methods.get(0))) {
      throw new IllegalArgumentException("--methods must start with alone (the gap's baseline)");
    }
    return new Settings(
        Path.of(o.getOrDefault("out", "runs/kd-methods")),
        seeds,
        Integer.parseInt(o.getOrDefault("teacher-epochs", "5")),
        Integer.parseInt(o.getOrDefault("student-epochs", "8")),
        students,
        methods,
        o.containsKey("train-limit") ? Integer.valueOf(o.get("train-limit")) : null,
        o.containsKey("valid-limit") ? Integer.valueOf(o.get("valid-limit")) : null,
        o.get("data"));
  }

  private static dev.kdflow.trainer.training.TrainingOutcome train(
      KDExperimentSpec spec, String name) {
    return new ExperimentRunner(spec, name).addListener(SeededRuns.progress(name)).run();
  }

  /** ckpt_best's metric of a finished run (resuming it trains nothing). */
  private static double bestTop1(KDExperimentSpec spec, String name) {
    return new ExperimentRunner(spec, name).run().best().value();
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
    spec.getDataset().setBatchSize(BATCH_SIZE);
    spec.getCheckpoints().setRootDir(s.out().toString());
    return spec;
  }

  private static ModelSpec model(Student student) {
    ModelSpec m = new ModelSpec();
    m.setArchitecture(student.architecture());
    m.getArchParams().putAll(student.archParams());
    return m;
  }

  /** A teacher: crop/flip augmentation, SGD + cosine, weight decay 5e-4. */
  static KDExperimentSpec teacherSpec(Settings s, Student teacher, long seed) {
    KDExperimentSpec spec = base(s, seed, s.teacherEpochs());
    spec.setStudent(model(teacher));
    spec.getTraining().setInitialLr(0.1);
    spec.getTraining().setLrWarmupEpochs(Math.min(1, s.teacherEpochs() - 1));
    spec.getTraining().getOptimizerParams().setWeightDecay(5e-4);
    spec.getDataset().setRandomCropPadding(2);
    spec.getDataset().setHorizontalFlip(true);
    return spec;
  }

  /** A student with one method (alone when the method has no baseline to be compared with). */
  static KDExperimentSpec studentSpec(
      Settings s, Student student, long seed, Method method, Path teacherCheckpoint) {
    KDExperimentSpec spec = base(s, seed, s.studentEpochs());
    spec.setStudent(model(student));
    TrainingSpec t = spec.getTraining();
    t.setInitialLr(STUDENT_LR);
    t.getOptimizerParams().setWeightDecay(1e-4);
    // every row alike: a per-step linear warm-up over the first epoch and a gradient-norm cap, so
    // that a distillation term that multiplies the gradient (T², β) cannot blow up the weights of
    // the 16-unit hidden layer in the first steps, as it did without them
    t.setWarmupMode(TrainingSpec.WarmupMode.LINEAR_BATCH);
    t.setLrWarmupSteps(stepsPerEpoch(s));
    t.setWarmupInitialLr(STUDENT_LR / 100);
    t.setClipGradNorm(STUDENT_CLIP_GRAD_NORM);
    if (method.distills()) {
      TeacherSpec teacher = new TeacherSpec();
      teacher.setArchitecture(TEACHER.architecture());
      CheckpointParams c = new CheckpointParams();
      c.setCheckpointPath(teacherCheckpoint.toString());
      teacher.setCheckpoint(c);
      spec.setTeacher(teacher);
      // the student's test accuracy is what counts; a teacher pass over the test set per run
      // would cost more than the student's training here
      spec.getKd().setRunTeacherOnValidation(false);
    }
    if (method.apply() != null) {
      method.apply().accept(spec);
    }
    return spec;
  }

  /** Optimizer steps in one epoch of the (possibly limited) Fashion-MNIST training split. */
  static int stepsPerEpoch(Settings s) {
    int images = s.trainLimit() == null ? 60000 : Math.min(60000, s.trainLimit());
    return (images + BATCH_SIZE - 1) / BATCH_SIZE;
  }

  /** Trainable parameters of a network built for one Fashion-MNIST image. */
  static long parameters(Student student) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block =
          Models.build(
              student.architecture(), student.archParams(), manager, new Shape(1, 1, 28, 28));
      long n = 0;
      for (Parameter p : Weights.parameters(block).values()) {
        if (p.requiresGradient()) {
          n += p.getArray().getShape().size();
        }
      }
      return n;
    }
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
