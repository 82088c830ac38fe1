package dev.kdflow.api.validation;

import dev.kdflow.api.Architectures;
import dev.kdflow.api.CheckpointParams;
import dev.kdflow.api.CheckpointsSpec;
import dev.kdflow.api.DKDParams;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.EmaParams;
import dev.kdflow.api.HintSpec;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.KDSpec;
import dev.kdflow.api.LossSpec;
import dev.kdflow.api.ModelSpec;
import dev.kdflow.api.NormalizationAdapterSpec;
import dev.kdflow.api.OptimizerParams;
import dev.kdflow.api.PrecomputeSpec;
import dev.kdflow.api.ResourcesSpec;
import dev.kdflow.api.RunPolicySpec;
import dev.kdflow.api.SchedulingSpec;
import dev.kdflow.api.StorageSpec;
import dev.kdflow.api.TeacherSpec;
import dev.kdflow.api.TrainingSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a KDExperiment for everything the CRD schema cannot express (and, because an API server
 * without the CRD enforces nothing, for what it can too). Pure: no I/O, no cluster. Used by the
 * operator before it creates anything and by {@code kdflow validate}.
 */
public final class KDExperimentValidator {
  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile(SchedulingSpec.DNS_SUBDOMAIN_PATTERN);
  private static final Pattern LABEL_VALUE = Pattern.compile(SchedulingSpec.LABEL_VALUE_PATTERN);
  private static final Pattern QUANTITY = Pattern.compile(ResourcesSpec.QUANTITY_PATTERN);
  private static final Pattern EXTENDED_RESOURCE =
      Pattern.compile(ResourcesSpec.EXTENDED_RESOURCE_PATTERN);
  private static final Pattern PATH_SEGMENT = Pattern.compile("^[A-Za-z0-9][-A-Za-z0-9_.]*$");

  /**
   * Longest metadata.name: the operator names children {@code <name>-checkpoints} and the Job
   * {@code <name>}, whose pods get a label with the Job name (at most 63 characters).
   */
  public static final int MAX_NAME_LENGTH = 52;

  /**
   * Above this α·T the warning about a steep distillation gradient is given: the default T = 1, α =
   * 0.5 gives 0.5, the examples' T = 4, α = 0.5 gives 2.
   */
  public static final double STEEP_DISTILLATION_GRADIENT = 4.0;

  /** Paths the operator mounts itself; the checkpoint volume must not shadow them. */
  private static final Set<String> RESERVED_MOUNTS = Set.of("/etc/kdflow", "/tmp", "/dev/shm");

  private final List<ValidationProblem> problems = new ArrayList<>();

  private KDExperimentValidator() {}

  /** Validates metadata.name and the spec; an empty list means valid. */
  public static List<ValidationProblem> validate(KDExperiment experiment) {
    KDExperimentValidator v = new KDExperimentValidator();
    if (experiment == null) {
      v.add("", "the document is empty; write a KDExperiment manifest");
      return v.problems;
    }
    String name = experiment.getMetadata() == null ? null : experiment.getMetadata().getName();
    if (name == null || name.isBlank()) {
      v.add("metadata.name", "required");
    } else if (name.length() > MAX_NAME_LENGTH || !DNS_LABEL.matcher(name).matches()) {
      v.add(
          "metadata.name",
          "must be lower-case letters, digits and '-', starting and ending with a letter or"
              + " digit, at most "
              + MAX_NAME_LENGTH
              + " characters, got '"
              + name
              + "'");
    }
    v.spec(experiment.getSpec());
    return v.problems;
  }

  /**
   * Validates a spec alone (paths start with {@code spec.}), e.g. one mapped from a recipe; no
   * error means valid (warnings may remain).
   */
  public static List<ValidationProblem> validateSpec(KDExperimentSpec spec) {
    KDExperimentValidator v = new KDExperimentValidator();
    v.spec(spec);
    return v.problems;
  }

  /**
   * Validates training hyper-parameters alone (paths start with {@code spec.training}), for callers
   * that build them in Java and train through the library API.
   */
  public static List<ValidationProblem> validateTraining(TrainingSpec training) {
    KDExperimentValidator v = new KDExperimentValidator();
    v.training(training);
    return v.problems;
  }

  /**
   * Validates KD settings alone (paths start with {@code spec.kd}) for a run with a teacher, for
   * callers that build them in Java.
   */
  public static List<ValidationProblem> validateKD(KDSpec kd) {
    KDExperimentValidator v = new KDExperimentValidator();
    v.kd(kd, true);
    return v.problems;
  }

  /**
   * Validates an architecture name and its parameters against {@link Architectures}.
   *
   * @param path the model's field path, e.g. {@code spec.student}; problems are reported at {@code
   *     <path>.architecture} and {@code <path>.archParams.<key>} ({@code architecture} and {@code
   *     archParams.<key>} when the path is empty)
   */
  public static List<ValidationProblem> validateArchitecture(
      String path, String architecture, Map<String, Object> archParams) {
    KDExperimentValidator v = new KDExperimentValidator();
    v.architecture(path, architecture, archParams);
    return v.problems;
  }

  /** True when {@code problems} holds an error (warnings let the experiment run). */
  public static boolean hasErrors(List<ValidationProblem> problems) {
    return problems.stream().anyMatch(ValidationProblem::isError);
  }

  private void spec(KDExperimentSpec spec) {
    if (spec == null) {
      add("spec", "required");
      return;
    }
    student(spec.getStudent());
    teachers(spec);
    kd(spec.getKd(), !spec.teacherList().isEmpty());
    precomputeNeedsOneTeacherOnly(spec);
    hints(spec);
    if (spec.getKd() != null && Boolean.TRUE.equals(spec.getKd().getTeacherTrainMode())) {
      if (spec.getKd().getHints() != null && !spec.getKd().getHints().isEmpty()) {
        // hints tap the teacher's features in one inference-mode pass (FeatureTaps)
        add(
            "spec.kd.teacherTrainMode",
            "cannot be combined with spec.kd.hints, which read the teacher in inference mode; set"
                + " false (SuperGradients' run_teacher_on_eval: true) or remove the hints");
      }
      for (int i = 0; i < spec.teacherList().size(); i++) {
        if (!isBlank(spec.teacherList().get(i).getTorchscript())) {
          // a TorchScript teacher's buffers are frozen inference tensors, and ckpt_latest does not
          // hold them: its running statistics could be neither updated nor resumed
          add(
              "spec.kd.teacherTrainMode",
              "a TorchScript teacher runs in inference mode only; set false (SuperGradients'"
                  + " run_teacher_on_eval: true) or use a registered teacher architecture");
          break;
        }
      }
    }
    if (spec.getKd() != null && spec.getKd().getLoss() != null) {
      lossParameters(spec.getKd().getLoss(), spec.getTraining());
    }
    training(spec.getTraining());
    dataset(spec.getDataset());
    checkpoints(spec.getCheckpoints());
    if (spec.getRestartNonce() != null && spec.getRestartNonce().length() > 253) {
      add("spec.restartNonce", "must be at most 253 characters");
    }
    if (spec.getImage() != null && (spec.getImage().isBlank() || hasWhitespace(spec.getImage()))) {
      add(
          "spec.image",
          "must be an image reference without spaces, got '"
              + spec.getImage()
              + "'; leave it out to use the operator's default trainer image");
    }
    resources(spec.getResources());
    scheduling(spec.getScheduling());
    storage(spec.getStorage());
    runPolicy(spec.getRunPolicy());
    PodTemplateValidator.validate(spec, problems);
  }

  private void student(ModelSpec student) {
    if (student == null) {
      add("spec.student", "required: the network to train (architecture and archParams)");
      return;
    }
    if (isBlank(student.getArchitecture())) {
      add(
          "spec.student.architecture",
          "required; one of " + String.join(", ", Architectures.names()));
    } else {
      architecture("spec.student", student.getArchitecture(), student.getArchParams());
    }
    checkpoint("spec.student.checkpoint", student.getCheckpoint());
  }

  private void hints(KDExperimentSpec spec) {
    KDSpec kd = spec.getKd();
    if (kd == null || kd.getHints() == null || kd.getHints().isEmpty()) {
      return;
    }
    List<TeacherSpec> teachers = spec.teacherList();
    if (teachers.size() != 1) {
      add(
          "spec.kd.hints",
          teachers.isEmpty()
              ? "need a teacher (spec.teacher); remove the hints to train the student alone"
              : "need exactly one teacher (a hint names one teacher's layer), got "
                  + teachers.size()
                  + " in spec.teachers");
      return;
    }
    TeacherSpec teacher = teachers.get(0);
    ModelSpec student = spec.getStudent();
    for (int i = 0; i < kd.getHints().size(); i++) {
      String path = "spec.kd.hints[" + i + "]";
      HintSpec h = kd.getHints().get(i);
      if (h == null) {
        add(path, "required: {student: <point>, teacher: <point>, weight: <w>}");
        continue;
      }
      if (student != null) {
        featurePoint(path + ".student", h.getStudent(), student.getArchitecture(), student);
      }
      if (!isBlank(teacher.getArchitecture())) {
        featurePoint(path + ".teacher", h.getTeacher(), teacher.getArchitecture(), teacher);
      } else if (isBlank(h.getTeacher())) {
        add(path + ".teacher", "required: the TorchScript teacher's output (dict key or position)");
      }
      Double w = h.getWeight();
      if (w != null && !(w > 0 && Double.isFinite(w))) {
        add(path + ".weight", "must be > 0, got " + w);
      }
    }
  }

  private void featurePoint(String path, String point, String arch, ModelSpec model) {
    if (Architectures.find(arch).isEmpty()) {
      return; // the architecture's own error names the problem
    }
    List<String> valid;
    try {
      valid = Architectures.featurePoints(arch, model.getArchParams());
    } catch (RuntimeException e) {
      return; // bad arch params are reported at their own path
    }
    if (isBlank(point)) {
      add(path, "required; " + arch + " has the feature points " + String.join(", ", valid));
    } else if (!valid.contains(point)) {
      add(
          path,
          "unknown feature point '"
              + point
              + "' of "
              + arch
              + "; valid: "
              + String.join(", ", valid));
    }
  }

  private void teachers(KDExperimentSpec spec) {
    List<TeacherSpec> list = spec.getTeachers();
    if (list == null) {
      teacher("spec.teacher", spec.getTeacher(), spec.getStudent());
      if (spec.getTeacher() != null && spec.getTeacher().getWeight() != null) {
        add(
            "spec.teacher.weight",
            "applies to the entries of spec.teachers (several teachers); remove it for a single"
                + " teacher");
      }
      return;
    }
    if (spec.getTeacher() != null) {
      add(
          "spec.teachers",
          "set spec.teacher (one teacher) or spec.teachers (several), not both; move spec.teacher"
              + " into spec.teachers");
    }
    if (list.isEmpty() || list.size() > KDExperimentSpec.MAX_TEACHERS) {
      add(
          "spec.teachers",
          "must list 1 to "
              + KDExperimentSpec.MAX_TEACHERS
              + " teachers, got "
              + list.size()
              + "; leave spec.teachers out to train the student alone");
    }
    for (int i = 0; i < list.size(); i++) {
      String path = "spec.teachers[" + i + "]";
      TeacherSpec t = list.get(i);
      if (t == null) {
        add(path, "required: a teacher (architecture with checkpoint, or torchscript)");
        continue;
      }
      teacher(path, t, spec.getStudent());
      Double w = t.getWeight();
      if (w != null && !(w > 0 && Double.isFinite(w))) {
        add(path + ".weight", "must be > 0 (weights are normalised to sum 1), got " + w);
      }
    }
  }

  private void teacher(String path, TeacherSpec teacher, ModelSpec student) {
    if (teacher == null) {
      return;
    }
    if (teacher.getInputAdapter() != null) {
      adapter(path + ".inputAdapter", teacher.getInputAdapter());
    }
    boolean hasArch = !isBlank(teacher.getArchitecture());
    boolean hasScript = !isBlank(teacher.getTorchscript());
    if (hasArch == hasScript) {
      add(
          path,
          hasArch
              ? "set exactly one of architecture or torchscript, not both"
              : "set exactly one of architecture (with a checkpoint) or torchscript (a file)");
      return;
    }
    if (hasArch) {
      architecture(path, teacher.getArchitecture(), teacher.getArchParams());
      checkpoint(path + ".checkpoint", teacher.getCheckpoint());
      if (teacher.getCheckpoint() == null) {
        // SuperGradients builds such a teacher and distils from it without a word; we run it too
        // (a smoke test needs no trained teacher) but say once what it means.
        warn(
            path + ".checkpoint",
            "not set: the teacher keeps its random initial weights, so the student learns from"
                + " noise; set checkpoint.checkpointPath to a trained teacher (e.g. its ckpt_best)"
                + " or use torchscript");
      }
      numClassesMatch(path, teacher, student);
    } else {
      if (teacher.getArchParams() != null && !teacher.getArchParams().isEmpty()) {
        add(
            path + ".archParams",
            "only applies to an architecture teacher; remove it for a TorchScript teacher");
      }
      if (teacher.getCheckpoint() != null) {
        add(
            path + ".checkpoint",
            "a TorchScript file holds its weights; remove checkpoint for a TorchScript teacher");
      }
    }
  }

  private void numClassesMatch(String path, TeacherSpec teacher, ModelSpec student) {
    if (student == null
        || isBlank(student.getArchitecture())
        || !hasParam(student.getArchitecture(), "numClasses")
        || !hasParam(teacher.getArchitecture(), "numClasses")) {
      return;
    }
    Object s =
        Architectures.valueOf(student.getArchitecture(), student.getArchParams(), "numClasses");
    Object t =
        Architectures.valueOf(teacher.getArchitecture(), teacher.getArchParams(), "numClasses");
    if (s instanceof Number sn && t instanceof Number tn && sn.longValue() != tn.longValue()) {
      add(
          path + ".archParams.numClasses",
          "teacher and student must have the same number of classes to distill logits, got "
              + tn.longValue()
              + " (teacher) and "
              + sn.longValue()
              + " (student)");
    }
  }

  private static boolean hasParam(String arch, String param) {
    return Architectures.find(arch).map(a -> a.params().containsKey(param)).orElse(false);
  }

  private void architecture(String path, String arch, Map<String, Object> params) {
    String prefix = path.isEmpty() ? "" : path + ".";
    Optional<Architectures.Architecture> found = Architectures.find(arch);
    if (found.isEmpty()) {
      add(
          prefix + "architecture",
          "unknown architecture '"
              + arch
              + "'; one of "
              + String.join(", ", Architectures.names()));
      return;
    }
    if (params == null) {
      return;
    }
    Map<String, Architectures.Param> accepted = found.get().params();
    params.forEach(
        (k, v) -> {
          Architectures.Param param = accepted.get(k);
          String at = prefix + "archParams." + k;
          if (param == null) {
            add(
                at,
                "unknown parameter of "
                    + arch
                    + "; accepted: "
                    + String.join(", ", accepted.keySet()));
          } else if (!param.type().accepts(v)
              || (param.type() == Architectures.ParamType.CHOICE && !param.choices().contains(v))) {
            add(
                at,
                "must be "
                    + (param.type() == Architectures.ParamType.CHOICE
                        ? "one of " + String.join(", ", param.choices())
                        : param.type().description())
                    + ", got "
                    + (v == null ? "null" : "'" + v + "'"));
          } else if (v instanceof Number n && n.doubleValue() <= 0 && isSizeParam(k)) {
            add(at, "must be > 0, got " + v);
          } else if (v instanceof List<?> l && isSizeParam(k)) {
            for (Object e : l) {
              if (e instanceof Number n && n.doubleValue() <= 0) {
                add(at, "every entry must be > 0, got " + l);
                break;
              }
            }
          }
        });
    if (params.get("dropout") instanceof Number d
        && (d.doubleValue() < 0 || d.doubleValue() >= 1)) {
      add(prefix + "archParams.dropout", "must be in [0, 1), got " + d);
    }
  }

  private static boolean isSizeParam(String key) {
    return switch (key) {
      case "inputSize",
          "hiddenSizes",
          "numClasses",
          "inChannels",
          "channels",
          "hiddenSize",
          "stageChannels",
          "stageStrides",
          "widthMultiplier" ->
          true;
      default -> false;
    };
  }

  private void checkpoint(String path, CheckpointParams checkpoint) {
    if (checkpoint != null && isBlank(checkpoint.getCheckpointPath())) {
      add(path + ".checkpointPath", "required when checkpoint is given");
    }
  }

  private void kd(KDSpec kd, boolean hasTeacher) {
    if (kd == null) {
      return;
    }
    LossSpec loss = kd.getLoss();
    if (loss != null) {
      Double alpha = loss.getDistillationLossCoeff();
      if (alpha != null && !(alpha >= 0 && alpha <= 1)) {
        add(
            "spec.kd.loss.distillationLossCoeff",
            "must be in [0, 1] (the weight of the distillation term), got " + alpha);
      }
      Double t = loss.getTemperature();
      if (t != null && !(t > 0 && Double.isFinite(t))) {
        add("spec.kd.loss.temperature", "must be > 0, got " + t + "; 1 is SuperGradients' value");
      }
      double a = alpha == null ? LossSpec.DEFAULT_DISTILLATION_LOSS_COEFF : alpha;
      double temperature = t == null ? LossSpec.DEFAULT_TEMPERATURE : t;
      if (hasTeacher
          && a >= 0
          && a <= 1
          && temperature > 0
          && a * temperature > STEEP_DISTILLATION_GRADIENT) {
        warn(
            "spec.kd.loss.temperature",
            "α·T = "
                + round(a * temperature)
                + " (α "
                + a
                + ", T "
                + temperature
                + "): the distillation term's gradient with respect to the student's logits is"
                + " α·T·(softmax(s/T) − softmax(t/T)), so training at a learning rate tuned for"
                + " cross-entropy alone can diverge; lower training.initialLr about "
                + round(a * temperature)
                + "-fold, or lower T or α (this warning starts above α·T = "
                + round(STEEP_DISTILLATION_GRADIENT)
                + ")");
      }
      Double ls = loss.getLabelSmoothing();
      if (ls != null && !(ls >= 0 && ls < 1)) {
        add("spec.kd.loss.labelSmoothing", "must be in [0, 1), got " + ls);
      }
    }
    NormalizationAdapterSpec a = kd.getTeacherInputAdapter();
    if (a != null) {
      adapter("spec.kd.teacherInputAdapter", a);
      if (!hasTeacher) {
        add(
            "spec.kd.teacherInputAdapter",
            "applies to the teacher's input; set spec.teacher or remove it");
      }
    }
    precompute(kd.getPrecompute(), hasTeacher);
  }

  /**
   * Precomputed soft labels hold one teacher's logits and nothing else: several teachers and
   * feature hints need the teachers' forward pass in every step.
   */
  private void precomputeNeedsOneTeacherOnly(KDExperimentSpec spec) {
    KDSpec kd = spec.getKd();
    if (kd == null || kd.getPrecompute() == null) {
      return;
    }
    if (spec.getTeachers() != null && !spec.getTeachers().isEmpty()) {
      add(
          "spec.kd.precompute",
          "stores one teacher's logits; with spec.teachers remove kd.precompute (or use a single"
              + " spec.teacher)");
    }
    if (kd.getHints() != null && !kd.getHints().isEmpty()) {
      add(
          "spec.kd.precompute",
          "stores logits only, but spec.kd.hints need the teacher's features in every step; remove"
              + " one of the two");
    }
  }

  private void precompute(PrecomputeSpec p, boolean hasTeacher) {
    if (p == null) {
      return;
    }
    String path = "spec.kd.precompute";
    if (!hasTeacher) {
      add(path, "precomputes the teacher's outputs; set spec.teacher or remove it");
    }
    if (p.getTopK() != null && p.getTopK() < 1) {
      add(
          path + ".topK",
          "must be >= 1 (logits kept per view), got "
              + p.getTopK()
              + "; leave it unset to keep all classes");
    }
    Integer shards = p.getShards();
    if (shards != null && (shards < 1 || shards > PrecomputeSpec.MAX_SHARDS)) {
      add(
          path + ".shards",
          "must be in [1, " + PrecomputeSpec.MAX_SHARDS + "] (Indexed Job pods), got " + shards);
    }
    Integer backoff = p.getBackoffLimitPerIndex();
    if (backoff != null && (backoff < 0 || backoff > 100)) {
      add(path + ".backoffLimitPerIndex", "must be in [0, 100], got " + backoff);
    }
  }

  private void adapter(String p, NormalizationAdapterSpec a) {
    List<List<Double>> lists =
        List.of(
            nullToEmpty(a.getMeanOriginal()),
            nullToEmpty(a.getStdOriginal()),
            nullToEmpty(a.getMeanRequired()),
            nullToEmpty(a.getStdRequired()));
    String[] names = {"meanOriginal", "stdOriginal", "meanRequired", "stdRequired"};
    for (int i = 0; i < names.length; i++) {
      if (lists.get(i).isEmpty()) {
        add(p + "." + names[i], "required: one value per channel");
      }
    }
    if (lists.stream().noneMatch(List::isEmpty)
        && lists.stream().mapToInt(List::size).distinct().count() > 1) {
      add(
          p,
          "meanOriginal, stdOriginal, meanRequired and stdRequired must have the same length"
              + " (one value per channel), got "
              + lists.stream().map(l -> String.valueOf(l.size())).toList());
    }
    positives(p + ".stdOriginal", a.getStdOriginal());
    positives(p + ".stdRequired", a.getStdRequired());
  }

  private int training(TrainingSpec t) {
    String p = "spec.training";
    if (t == null) {
      add(p, "required: at least maxEpochs and initialLr");
      return -1;
    }
    Integer maxEpochs = t.getMaxEpochs();
    if (maxEpochs == null) {
      add(p + ".maxEpochs", "required: the number of epochs to train (>= 1)");
    } else if (maxEpochs < 1) {
      add(p + ".maxEpochs", "must be >= 1, got " + maxEpochs);
    }
    int epochs = maxEpochs == null ? -1 : maxEpochs;
    if (t.getInitialLr() == null) {
      add(p + ".initialLr", "required: the learning rate after warm-up (> 0)");
    } else {
      positive(p + ".initialLr", t.getInitialLr());
    }
    if (t.getOptimizer() == null) {
      add(p + ".optimizer", "must be SGD, Adam or AdamW");
    }
    if (t.getLrMode() == TrainingSpec.LrMode.STEP
        && (t.getLrUpdates() == null || t.getLrUpdates().isEmpty())) {
      add(p + ".lrUpdates", "required by lrMode step: the epochs at which the rate decays");
    }
    List<Integer> updates = nullToEmpty(t.getLrUpdates());
    for (int i = 0; i < updates.size(); i++) {
      Integer e = updates.get(i);
      String at = p + ".lrUpdates[" + i + "]";
      if (e == null || e < 1) {
        add(at, "must be an epoch >= 1, got " + e);
      } else if (epochs >= 1 && e > epochs) {
        add(at, "must be <= maxEpochs (" + epochs + "), got " + e);
      } else if (i > 0 && updates.get(i - 1) != null && e <= updates.get(i - 1)) {
        add(p + ".lrUpdates", "must be strictly increasing, got " + updates);
        break;
      }
    }
    positive(p + ".lrDecayFactor", t.getLrDecayFactor());
    Double cos = t.getCosineFinalLrRatio();
    if (cos != null && !(cos >= 0 && cos <= 1)) {
      add(p + ".cosineFinalLrRatio", "must be in [0, 1], got " + cos);
    }
    Integer warmup = t.getLrWarmupEpochs();
    if (warmup != null && warmup < 0) {
      add(p + ".lrWarmupEpochs", "must be >= 0, got " + warmup);
    } else if (warmup != null && epochs >= 1 && warmup >= epochs) {
      add(
          p + ".lrWarmupEpochs",
          "must be < maxEpochs (" + epochs + "), got " + warmup + "; the schedule never starts");
    }
    positive(p + ".warmupInitialLr", t.getWarmupInitialLr());
    Integer warmupSteps = t.getLrWarmupSteps();
    if (warmupSteps != null && warmupSteps < 0) {
      add(p + ".lrWarmupSteps", "must be >= 0, got " + warmupSteps);
    }
    if (t.getWarmupMode() == TrainingSpec.WarmupMode.LINEAR_BATCH) {
      if (warmup != null && warmup > 0) {
        add(
            p + ".lrWarmupEpochs",
            "must be 0 with warmupMode linearBatch (it warms up over lrWarmupSteps); got "
                + warmup);
      }
      if (warmupSteps != null && warmupSteps > 0 && t.getWarmupInitialLr() == null) {
        add(
            p + ".warmupInitialLr",
            "required with warmupMode linearBatch (as in SuperGradients' LinearBatchLRWarmup)");
      }
    } else if (warmupSteps != null && warmupSteps > 0) {
      add(
          p + ".lrWarmupSteps",
          "applies to warmupMode linearBatch only; set warmupMode: linearBatch or use"
              + " lrWarmupEpochs");
    }
    optimizerParams(p + ".optimizerParams", t.getOptimizerParams());
    ema(p + ".emaParams", t.getEmaParams());
    Double clip = t.getClipGradNorm();
    if (clip != null && !(clip >= 0)) {
      add(p + ".clipGradNorm", "must be >= 0 (0 disables clipping), got " + clip);
    }
    Integer freq = t.getRunValidationFreq();
    if (freq != null && freq < 1) {
      add(p + ".runValidationFreq", "must be >= 1, got " + freq);
    }
    List<Integer> save = nullToEmpty(t.getSaveCkptEpochList());
    for (int i = 0; i < save.size(); i++) {
      Integer e = save.get(i);
      if (e == null || e < 1 || (epochs >= 1 && e > epochs)) {
        add(
            p + ".saveCkptEpochList[" + i + "]",
            "must be an epoch in [1, maxEpochs"
                + (epochs >= 1 ? "=" + epochs : "")
                + "], got "
                + e);
      }
    }
    Integer logEvery = t.getLogEveryNSteps();
    if (logEvery != null && logEvery < 0) {
      add(p + ".logEveryNSteps", "must be >= 0 (0 = only per epoch), got " + logEvery);
    }
    return epochs;
  }

  private void optimizerParams(String p, OptimizerParams o) {
    if (o == null) {
      return;
    }
    Double m = o.getMomentum();
    if (m != null && !(m >= 0 && m < 1)) {
      add(p + ".momentum", "must be in [0, 1), got " + m);
    }
    Double wd = o.getWeightDecay();
    if (wd != null && !(wd >= 0)) {
      add(p + ".weightDecay", "must be >= 0, got " + wd);
    }
    List<Double> betas = o.getBetas();
    if (betas != null) {
      if (betas.size() != 2) {
        add(p + ".betas", "must have two values [beta1, beta2], got " + betas);
      } else {
        for (Double b : betas) {
          if (b == null || !(b >= 0 && b < 1)) {
            add(p + ".betas", "values must be in [0, 1), got " + betas);
            break;
          }
        }
      }
    }
    positive(p + ".eps", o.getEps());
  }

  private void ema(String p, EmaParams e) {
    if (e == null) {
      return;
    }
    Double d = e.getDecay();
    if (d != null && !(d > 0 && d < 1)) {
      add(p + ".decay", "must be in (0, 1), got " + d + "; 0.9999 is the usual value");
    }
    positive(p + ".beta", e.getBeta());
  }

  private void dataset(DatasetSpec d) {
    String p = "spec.dataset";
    if (d == null) {
      return;
    }
    if (d.getType() == null) {
      add(p + ".type", "must be fashionMnist, mnist, cifar10 or imageFolder");
    } else if (d.getType() != DatasetSpec.Type.FASHION_MNIST && isBlank(d.getPath())) {
      add(p + ".path", "required for dataset type " + typeName(d.getType()));
    }
    positiveInt(p + ".batchSize", d.getBatchSize());
    positiveInt(p + ".validBatchSize", d.getValidBatchSize());
    positiveInt(p + ".trainLimit", d.getTrainLimit());
    positiveInt(p + ".validLimit", d.getValidLimit());
    positiveInt(p + ".imageSize", d.getImageSize());
    atMost(p + ".numWorkers", d.getNumWorkers(), DatasetSpec.MAX_NUM_WORKERS);
    atMost(p + ".prefetch", d.getPrefetch(), DatasetSpec.MAX_PREFETCH);
    Double minScale = d.getRandomResizedCropMinScale();
    if (minScale != null && !(minScale > 0 && minScale <= 1)) {
      add(
          p + ".randomResizedCropMinScale",
          "must be in (0, 1] (a fraction of the image area; torchvision uses 0.08), got "
              + minScale);
    }
    if (Boolean.TRUE.equals(d.getRandomResizedCrop())
        && d.getType() != null
        && d.getType() != DatasetSpec.Type.IMAGE_FOLDER) {
      add(
          p + ".randomResizedCrop",
          "applies to imageFolder only; for "
              + typeName(d.getType())
              + " use randomCropPadding and horizontalFlip");
    }
    if (d.getRandomCropPadding() != null && d.getRandomCropPadding() < 0) {
      add(p + ".randomCropPadding", "must be >= 0 (0 disables), got " + d.getRandomCropPadding());
    }
    if ((d.getMean() == null) != (d.getStd() == null)) {
      add(p + (d.getMean() == null ? ".mean" : ".std"), "set mean and std together, or neither");
    } else if (d.getMean() != null) {
      if (d.getMean().isEmpty() || d.getMean().size() != d.getStd().size()) {
        add(
            p + ".std",
            "mean and std must have the same, non-zero length (one value per channel), got "
                + d.getMean().size()
                + " and "
                + d.getStd().size());
      }
      positives(p + ".std", d.getStd());
    }
  }

  private static String typeName(DatasetSpec.Type t) {
    return switch (t) {
      case FASHION_MNIST -> "fashionMnist";
      case MNIST -> "mnist";
      case CIFAR10 -> "cifar10";
      case IMAGE_FOLDER -> "imageFolder";
    };
  }

  private void checkpoints(CheckpointsSpec c) {
    if (c == null) {
      return;
    }
    String n = c.getExperimentName();
    if (n != null && (!PATH_SEGMENT.matcher(n).matches() || n.contains(".."))) {
      add(
          "spec.checkpoints.experimentName",
          "must be one directory name (letters, digits, '-', '_', '.'), got '" + n + "'");
    }
  }

  private void resources(ResourcesSpec r) {
    if (r == null) {
      return;
    }
    String p = "spec.resources";
    if (r.getGpus() != null && r.getGpus() < 0) {
      add(p + ".gpus", "must be 0 (CPU) or 1, got " + r.getGpus());
    } else if (r.getGpus() != null && r.getGpus() > ResourcesSpec.MAX_GPUS) {
      add(
          p + ".gpus",
          "must be 0 (CPU) or 1, got "
              + r.getGpus()
              + ": the trainer uses one device per run until multi-device training exists, so"
              + " more GPUs would sit idle");
    }
    quantity(p + ".cpu", r.getCpu());
    quantity(p + ".memory", r.getMemory());
    String gpu = r.getGpuResourceName();
    if (gpu != null) {
      String domain = gpu.contains("/") ? gpu.substring(0, gpu.indexOf('/')) : "";
      if (!EXTENDED_RESOURCE.matcher(gpu).matches()) {
        add(
            p + ".gpuResourceName",
            "must be an extended resource name <domain>/<name> such as nvidia.com/gpu,"
                + " nvidia.com/mig-1g.10gb or amd.com/gpu, got '"
                + gpu
                + "'");
      } else if (Set.of("kubernetes.io", "k8s.io").stream()
          .anyMatch(k -> domain.equals(k) || domain.endsWith("." + k))) {
        add(
            p + ".gpuResourceName",
            "'"
                + gpu
                + "' is in Kubernetes' own domain; use the device plugin's name, e.g."
                + " nvidia.com/gpu");
      } else if (r.getGpus() != null && r.getGpus() == 0) {
        warn(
            p + ".gpuResourceName",
            "is ignored: gpus is 0, so the trainer asks for no GPU and trains on CPU");
      }
    }
  }

  private void scheduling(SchedulingSpec s) {
    if (s == null) {
      return;
    }
    String p = "spec.scheduling";
    if (s.getNodeSelector() != null) {
      s.getNodeSelector()
          .forEach(
              (k, v) -> {
                if (isBlank(k) || v == null || !LABEL_VALUE.matcher(v).matches()) {
                  add(
                      p + ".nodeSelector." + k,
                      "must be a label value (at most 63 letters, digits, '-', '_', '.'), got '"
                          + v
                          + "'");
                }
              });
    }
    List<Toleration> tolerations = nullToEmpty(s.getTolerations());
    for (int i = 0; i < tolerations.size(); i++) {
      Toleration t = tolerations.get(i);
      String at = p + ".tolerations[" + i + "]";
      if (t == null) {
        add(at, "must not be null");
        continue;
      }
      String op = t.getOperator() == null ? "Equal" : t.getOperator();
      if (!op.equals("Equal") && !op.equals("Exists")) {
        add(at + ".operator", "must be Equal or Exists, got '" + op + "'");
      }
      if (op.equals("Exists") && !isBlank(t.getValue())) {
        add(at + ".value", "must be empty when operator is Exists");
      }
      if (t.getEffect() != null
          && !Set.of("", "NoSchedule", "PreferNoSchedule", "NoExecute").contains(t.getEffect())) {
        add(
            at + ".effect",
            "must be NoSchedule, PreferNoSchedule or NoExecute, got '" + t.getEffect() + "'");
      }
      if (isBlank(t.getKey()) && !op.equals("Exists")) {
        add(at + ".key", "required unless operator is Exists");
      }
    }
    name(p + ".priorityClassName", s.getPriorityClassName());
    name(p + ".schedulerName", s.getSchedulerName());
    if (s.getQueueName() != null
        && (s.getQueueName().isEmpty() || !LABEL_VALUE.matcher(s.getQueueName()).matches())) {
      add(
          p + ".queueName",
          "must be a Kueue LocalQueue name (a label value, at most 63 characters), got '"
              + s.getQueueName()
              + "'");
    }
  }

  private void storage(StorageSpec s) {
    if (s == null) {
      return;
    }
    String p = "spec.storage";
    boolean claim = !isBlank(s.getExistingClaim());
    boolean size = !isBlank(s.getSize());
    if (claim && size) {
      add(
          p,
          "set either existingClaim (use a claim you made) or size (the operator creates one),"
              + " not both");
    } else if (!claim && !size) {
      add(
          p,
          "set existingClaim (use a claim you made) or size (the operator creates one); remove"
              + " storage to keep checkpoints in an emptyDir");
    }
    if (claim) {
      name(p + ".existingClaim", s.getExistingClaim());
    }
    if (size) {
      quantity(p + ".size", s.getSize());
    }
    if (!claim && s.getStorageClassName() != null) {
      name(p + ".storageClassName", s.getStorageClassName());
    } else if (claim && s.getStorageClassName() != null) {
      add(p + ".storageClassName", "only applies to a new claim (size); remove it");
    }
    if (claim && s.getClaimRetention() != null) {
      add(
          p + ".claimRetention",
          "only applies to a claim the operator creates (size); the operator never deletes"
              + " existingClaim, so remove claimRetention");
    }
    String mount = s.getMountPath();
    if (mount != null) {
      String normalized =
          mount.endsWith("/") && mount.length() > 1
              ? mount.substring(0, mount.length() - 1)
              : mount;
      if (!mount.startsWith("/")
          || hasWhitespace(mount)
          || mount.contains("..")
          || mount.contains(":")) {
        add(
            p + ".mountPath",
            "must be an absolute path without spaces, ':' or '..', got '" + mount + "'");
      } else if (normalized.equals("/")
          || RESERVED_MOUNTS.stream()
              .anyMatch(
                  r ->
                      normalized.equals(r)
                          || normalized.startsWith(r + "/")
                          || r.startsWith(normalized + "/"))) {
        add(
            p + ".mountPath",
            "'"
                + mount
                + "' collides with a path the operator mounts (/, /etc/kdflow, /tmp, /dev/shm);"
                + " use e.g. /checkpoints");
      }
    }
  }

  private void runPolicy(RunPolicySpec r) {
    if (r == null) {
      return;
    }
    String p = "spec.runPolicy";
    if (r.getBackoffLimit() != null && (r.getBackoffLimit() < 0 || r.getBackoffLimit() > 100)) {
      add(p + ".backoffLimit", "must be in [0, 100], got " + r.getBackoffLimit());
    }
    if (r.getActiveDeadlineSeconds() != null && r.getActiveDeadlineSeconds() < 1) {
      add(
          p + ".activeDeadlineSeconds",
          "must be >= 1, got " + r.getActiveDeadlineSeconds() + "; leave it out for no limit");
    }
    if (r.getTtlSecondsAfterFinished() != null && r.getTtlSecondsAfterFinished() < 0) {
      add(
          p + ".ttlSecondsAfterFinished",
          "must be >= 0, got " + r.getTtlSecondsAfterFinished() + "; leave it out to keep the Job");
    }
  }

  private void quantity(String path, String value) {
    if (value == null) {
      return;
    }
    boolean ok = QUANTITY.matcher(value).matches();
    if (ok) {
      try {
        ok = Quantity.getAmountInBytes(new Quantity(value)).compareTo(BigDecimal.ZERO) > 0;
      } catch (RuntimeException e) {
        ok = false;
      }
    }
    if (!ok) {
      add(
          path,
          "must be a positive Kubernetes quantity such as 4, 500m, 16Gi or 1G, got '"
              + value
              + "'");
    }
  }

  private void name(String path, String value) {
    if (value != null
        && (value.isEmpty() || value.length() > 253 || !DNS_SUBDOMAIN.matcher(value).matches())) {
      add(
          path,
          "must be a Kubernetes name (lower-case letters, digits, '-' and '.'), got '"
              + value
              + "'");
    }
  }

  private void positive(String path, Double value) {
    if (value != null && !(value > 0 && Double.isFinite(value))) {
      add(path, "must be > 0, got " + value);
    }
  }

  /** A count in [1, max]. */
  private void atMost(String path, Integer value, int max) {
    if (value != null && (value < 1 || value > max)) {
      add(path, "must be between 1 and " + max + ", got " + value);
    }
  }

  private void positiveInt(String path, Integer value) {
    if (value != null && value < 1) {
      add(path, "must be >= 1, got " + value);
    }
  }

  private void positives(String path, List<Double> values) {
    if (values != null) {
      for (Double v : values) {
        if (v == null || !(v > 0)) {
          add(path, "every value must be > 0, got " + values);
          return;
        }
      }
    }
  }

  private static <T> List<T> nullToEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  /** The parameters each loss type accepts: none is read and then ignored by another type. */
  private void lossParameters(LossSpec loss, TrainingSpec training) {
    String p = "spec.kd.loss";
    LossSpec.Type type = loss.typeOrDefault();
    String name = type.specName();
    Double alpha = loss.getDistillationLossCoeff();
    if (type != LossSpec.Type.KD_LOGITS
        && alpha != null
        && alpha != LossSpec.DEFAULT_DISTILLATION_LOSS_COEFF) {
      add(
          p + ".distillationLossCoeff",
          "applies to KDLogitsLoss only; "
              + name
              + " weighs its terms with "
              + (type == LossSpec.Type.DKD
                  ? "taskLossWeight, dkd.alpha and dkd.beta"
                  : "taskLossWeight and distillationLossWeight"));
    }
    if (loss.getTaskLossWeight() != null) {
      if (type == LossSpec.Type.KD_LOGITS) {
        add(
            p + ".taskLossWeight",
            "applies to HintonKD, DKD and DIST; KDLogitsLoss weighs the task loss with 1 -"
                + " distillationLossCoeff");
      } else if (!(loss.getTaskLossWeight() >= 0)) {
        add(p + ".taskLossWeight", "must be >= 0, got " + loss.getTaskLossWeight());
      }
    }
    if (loss.getDistillationLossWeight() != null) {
      if (type != LossSpec.Type.HINTON_KD && type != LossSpec.Type.DIST) {
        add(
            p + ".distillationLossWeight",
            "applies to HintonKD and DIST; "
                + (type == LossSpec.Type.DKD
                    ? "DKD weighs its terms with dkd.alpha and dkd.beta"
                    : "KDLogitsLoss uses distillationLossCoeff"));
      } else if (!(loss.getDistillationLossWeight() >= 0)) {
        add(p + ".distillationLossWeight", "must be >= 0, got " + loss.getDistillationLossWeight());
      }
    }
    if (loss.logitStandardizationOrDefault() && type == LossSpec.Type.DIST) {
      add(
          p + ".logitStandardization",
          "applies to KDLogitsLoss, HintonKD and DKD; DIST's Pearson correlations already ignore"
              + " each sample's logit scale");
    }
    if (loss.getDkd() != null) {
      if (type != LossSpec.Type.DKD) {
        add(p + ".dkd", "applies only to type DKD; set type: DKD or remove dkd");
      } else {
        DKDParams d = loss.getDkd();
        nonNegative(p + ".dkd.alpha", d.getAlpha());
        nonNegative(p + ".dkd.beta", d.getBeta());
        if (d.getWarmupEpochs() != null && d.getWarmupEpochs() < 0) {
          add(p + ".dkd.warmupEpochs", "must be >= 0 (0: no warm-up), got " + d.getWarmupEpochs());
        }
      }
    }
    if (type == LossSpec.Type.DKD && training != null && training.getMaxEpochs() != null) {
      int warmup = loss.dkdOrDefault().warmupEpochsOrDefault();
      if (warmup > training.getMaxEpochs()) {
        add(
            p + ".dkd.warmupEpochs",
            "is "
                + warmup
                + (loss.getDkd() == null || loss.getDkd().getWarmupEpochs() == null
                    ? " (the default)"
                    : "")
                + " but training.maxEpochs is "
                + training.getMaxEpochs()
                + ", so the DKD term would never reach full weight; set dkd.warmupEpochs <="
                + " maxEpochs (0 disables the warm-up)");
      }
    }
    if (loss.getDist() != null) {
      if (type != LossSpec.Type.DIST) {
        add(p + ".dist", "applies only to type DIST; set type: DIST or remove dist");
      } else {
        nonNegative(p + ".dist.beta", loss.getDist().getBeta());
        nonNegative(p + ".dist.gamma", loss.getDist().getGamma());
      }
    }
  }

  private void nonNegative(String path, Double value) {
    if (value != null && !(value >= 0 && Double.isFinite(value))) {
      add(path, "must be a finite number >= 0, got " + value);
    }
  }

  private static boolean hasWhitespace(String s) {
    return s.chars().anyMatch(Character::isWhitespace);
  }

  private void add(String path, String message) {
    problems.add(ValidationProblem.error(path, message));
  }

  private void warn(String path, String message) {
    problems.add(ValidationProblem.warning(path, message));
  }

  private static String round(double v) {
    return BigDecimal.valueOf(v)
        .setScale(2, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }
}
