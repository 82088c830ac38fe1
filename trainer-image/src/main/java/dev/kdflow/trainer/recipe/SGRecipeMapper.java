package dev.kdflow.trainer.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kdflow.api.CheckpointParams;
import dev.kdflow.api.CheckpointsSpec;
import dev.kdflow.api.DISTParams;
import dev.kdflow.api.DKDParams;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.EmaParams;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.KDSpec;
import dev.kdflow.api.LossSpec;
import dev.kdflow.api.ModelSpec;
import dev.kdflow.api.NormalizationAdapterSpec;
import dev.kdflow.api.OptimizerParams;
import dev.kdflow.api.TeacherSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.api.validation.ValidationProblem;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps a SuperGradients KD recipe (snake_case keys, as {@code train_from_config} reads them, Hydra
 * defaults and interpolations already resolved by {@link HydraRecipe}) onto the {@code api} types,
 * so a recipe and a KDExperiment manifest run through the same trainer. Where the recipe is silent,
 * SuperGradients' defaults apply. Every key is either honoured with SuperGradients' meaning or
 * reported with its path: nothing is silently ignored.
 */
public final class SGRecipeMapper {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(SGRecipeMapper.class);

  /** SuperGradients' default weight decay of SGD and Adam ({@code training/params.py}). */
  static final double SG_DEFAULT_WEIGHT_DECAY = 1e-4;

  /** SuperGradients' default SGD momentum ({@code training/params.py}). */
  static final double SG_DEFAULT_SGD_MOMENTUM = 0.9;

  /** torch.optim.AdamW's default weight decay (SuperGradients adds none of its own). */
  static final double TORCH_ADAMW_WEIGHT_DECAY = 0.01;

  private static final String UNSUPPORTED_HINT =
      " (remove it, or express it with the KDExperiment manifest fields)";

  private SGRecipeMapper() {}

  /**
   * Maps a parsed recipe.
   *
   * @param recipe the recipe's root mapping, overrides already applied
   * @param defaultName experiment name when the recipe has no {@code experiment_name}
   * @return the equivalent experiment
   * @throws InvalidExperimentException listing every key kdflow cannot honour and every bad value
   */
  public static KDExperiment map(JsonNode recipe, String defaultName) {
    List<ValidationProblem> problems = new ArrayList<>();
    if (recipe == null || !recipe.isObject()) {
      throw new InvalidExperimentException("", "the recipe must hold a YAML mapping");
    }
    RecipeNode root = new RecipeNode(recipe, "", problems);
    KDExperimentSpec spec = new KDExperimentSpec();

    checkDefaults(root);
    String architecture = root.string("architecture");
    if (architecture != null && !architecture.equalsIgnoreCase("kd_module")) {
      root.problem(
          "architecture", "only kd_module is supported for KD recipes, got " + architecture);
    }
    checkSingleDevice(root);

    ModelSpec student = new ModelSpec();
    student.setArchitecture(root.string("student_architecture"));
    student.setArchParams(archParams(root, "student_arch_params"));
    student.setCheckpoint(checkpoint(root.object("student_checkpoint_params")));
    if (student.getArchitecture() == null) {
      root.problem("student_architecture", "required, e.g. student_architecture: mlp");
    }
    spec.setStudent(student);

    String teacherArchitecture = root.string("teacher_architecture");
    String teacherTorchscript = root.string("teacher_torchscript");
    RecipeNode teacherCkpt = root.object("teacher_checkpoint_params");
    Map<String, Object> teacherParams = archParams(root, "teacher_arch_params");
    if (teacherArchitecture != null || teacherTorchscript != null) {
      TeacherSpec teacher = new TeacherSpec();
      teacher.setArchitecture(teacherArchitecture);
      teacher.setTorchscript(teacherTorchscript);
      teacher.setArchParams(teacherParams);
      teacher.setCheckpoint(checkpoint(teacherCkpt));
      spec.setTeacher(teacher);
    }

    registered(root, "student", student.getArchitecture(), student.getArchParams(), problems);
    if (teacherArchitecture != null) {
      registered(root, "teacher", teacherArchitecture, teacherParams, problems);
    }

    KDSpec kd = new KDSpec();
    RecipeNode kdArch = root.object("arch_params");
    if (kdArch != null) {
      kd.setTeacherInputAdapter(adapter(kdArch.object("teacher_input_adapter")));
      kdArch.reject(
          "student_input_adapter",
          "kdflow adapts the teacher's input only; normalise the data for the student instead");
      kdArch.reject(
          "run_teacher_on_eval",
          "SuperGradients reads run_teacher_on_eval at the recipe's top level; here it has no"
              + " effect. Move it to the top level");
      // SuperGradients sets arch_params.num_classes from student_arch_params itself.
      kdArch.raw("num_classes");
    }
    // SuperGradients' run_teacher_on_eval (default false): keep the teacher in eval mode even
    // while the KD module trains. false puts the teacher in train mode during training steps.
    Boolean teacherAlwaysEval = root.bool("run_teacher_on_eval");
    if (teacherTorchscript != null) {
      // teacher_torchscript is kdflow's own key (no SuperGradients default to keep): such a
      // teacher runs in inference mode only
      if (Boolean.FALSE.equals(teacherAlwaysEval)) {
        root.problem(
            "run_teacher_on_eval",
            "a TorchScript teacher runs in eval mode only; set true or use teacher_architecture");
      }
      kd.setTeacherTrainMode(false);
    } else {
      kd.setTeacherTrainMode(!Boolean.TRUE.equals(teacherAlwaysEval));
    }
    // SuperGradients' KDTrainer always runs the teacher on validation batches.
    kd.setRunTeacherOnValidation(true);
    spec.setKd(kd);

    TrainingSpec training = new TrainingSpec();
    RecipeNode hp = root.object("training_hyperparams");
    if (hp == null) {
      root.problem("training_hyperparams", "required (max_epochs, initial_lr, ...)");
    } else {
      training(hp, training, kd.getLoss());
    }
    Boolean resume = root.bool("resume");
    if (resume != null) {
      training.setResume(resume);
    }
    spec.setTraining(training);

    spec.setDataset(dataset(root));

    checkpointParams(root.object("checkpoint_params"));
    // variable_setup.yaml's shortcuts: already applied to their targets by HydraRecipe.
    HydraRecipe.SHORTCUTS.keySet().forEach(root::raw);

    CheckpointsSpec checkpoints = new CheckpointsSpec();
    checkpoints.setRootDir(root.string("ckpt_root_dir"));
    String name = root.string("experiment_name");
    checkpoints.setExperimentName(name);
    spec.setCheckpoints(checkpoints);

    root.reportUnread(UNSUPPORTED_HINT);
    if (!problems.isEmpty()) {
      throw new InvalidExperimentException(problems);
    }
    KDExperiment experiment = new KDExperiment();
    experiment.setMetadata(
        new ObjectMetaBuilder().withName(toK8sName(name != null ? name : defaultName)).build());
    experiment.setSpec(spec);
    return experiment;
  }

  /** Kubernetes object names are lower-case DNS labels; SG experiment names often are not. */
  static String toK8sName(String name) {
    String n = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
    n = n.replaceAll("^-+", "").replaceAll("-+$", "");
    if (n.length() > 63) {
      n = n.substring(0, 63).replaceAll("-+$", "");
    }
    return n.isEmpty() ? "experiment" : n;
  }

  private static void checkDefaults(RecipeNode root) {
    JsonNode defaults = root.raw("defaults");
    if (defaults == null) {
      return;
    }
    if (!defaults.isArray()) {
      root.problem("defaults", "must be a list");
      return;
    }
    for (int i = 0; i < defaults.size(); i++) {
      JsonNode d = defaults.get(i);
      if (!(d.isTextual() && d.asText().equals("_self_"))) {
        root.problem(
            "defaults[" + i + "]",
            "an unresolved Hydra defaults entry ("
                + d
                + "); read the recipe with ExperimentLoader, which resolves it");
      }
    }
  }

  private static void checkSingleDevice(RecipeNode root) {
    JsonNode multiGpu = root.raw("multi_gpu");
    if (multiGpu != null) {
      String v = multiGpu.asText();
      if (!(v.equalsIgnoreCase("off") || v.equalsIgnoreCase("false") || v.equals("AUTO"))) {
        root.problem(
            "multi_gpu", "kdflow trains on one device per run; use multi_gpu: Off (got " + v + ")");
      }
    }
    Integer gpus = root.integer("num_gpus");
    if (gpus != null && gpus > 1) {
      root.problem("num_gpus", "kdflow trains on one device per run; use num_gpus: 1");
    }
    root.reject(
        "device",
        "kdflow trains on the GPU when there is one, else on the CPU (as SuperGradients does"
            + " without device); remove it, or run the trainer with -Dkdflow.device=cpu");
  }

  /**
   * SuperGradients' {@code checkpoint_params} group ({@code default_checkpoint_params}): loading a
   * checkpoint into the KD module itself. kdflow loads the student and teacher from their own
   * {@code *_checkpoint_params}, so only "load nothing" is accepted; the strictness and naming keys
   * have no effect then.
   */
  private static void checkpointParams(RecipeNode cp) {
    if (cp == null) {
      return;
    }
    mustBeFalse(cp, "load_checkpoint", "load the student through student_checkpoint_params");
    for (String key :
        List.of(
            "checkpoint_path",
            "external_checkpoint_path",
            "pretrained_weights",
            "teacher_pretrained_weights",
            "student_pretrained_weights")) {
      if (cp.raw(key) != null) {
        cp.problem(
            key,
            "kdflow never downloads weights nor loads a whole KD module; set checkpoint_path in"
                + " student_checkpoint_params / teacher_checkpoint_params instead");
      }
    }
    for (String noEffect :
        List.of(
            "strict_load",
            "load_backbone",
            "source_ckpt_folder_name",
            "checkpoint_num_classes",
            "_convert_")) {
      cp.raw(noEffect);
    }
  }

  private static Map<String, Object> archParams(RecipeNode root, String key) {
    Map<String, Object> sg = root.map(key);
    if (sg == null) {
      return new LinkedHashMap<>();
    }
    Map<String, Object> camel = new LinkedHashMap<>();
    sg.forEach((k, v) -> camel.put(snakeToCamel(k), v));
    return camel;
  }

  /**
   * Checks a model against kdflow's registry here, so the problem names the recipe's key ({@code
   * teacher_architecture}, {@code teacher_arch_params.image_size}) rather than the manifest field
   * it maps onto.
   */
  private static void registered(
      RecipeNode root,
      String role,
      String architecture,
      Map<String, Object> camelParams,
      List<ValidationProblem> problems) {
    if (architecture == null) {
      return;
    }
    Map<String, String> snakeOf = new LinkedHashMap<>();
    Map<String, Object> sg = root.map(role + "_arch_params");
    if (sg != null) {
      sg.keySet().forEach(k -> snakeOf.put(snakeToCamel(k), k));
    }
    for (ValidationProblem p :
        KDExperimentValidator.validateArchitecture("", architecture, camelParams)) {
      if (!p.isError()) {
        continue; // warnings come again, with the manifest's path, when the spec is validated
      }
      String path = p.fieldPath();
      String recipePath;
      if (path.equals("architecture")) {
        recipePath = role + "_architecture";
      } else if (path.startsWith("archParams.")) {
        String camel = path.substring("archParams.".length());
        recipePath = role + "_arch_params." + snakeOf.getOrDefault(camel, camel);
      } else {
        recipePath = role + "_arch_params" + (path.isEmpty() ? "" : "." + path);
      }
      problems.add(new ValidationProblem(p.source(), recipePath, p.message(), p.severity()));
    }
  }

  static String snakeToCamel(String key) {
    StringBuilder out = new StringBuilder();
    boolean upper = false;
    for (char c : key.toCharArray()) {
      if (c == '_') {
        upper = out.length() > 0;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  private static CheckpointParams checkpoint(RecipeNode node) {
    if (node == null) {
      return null;
    }
    CheckpointParams params = new CheckpointParams();
    params.setCheckpointPath(node.string("checkpoint_path"));
    Boolean strict = strictLoad(node);
    if (strict != null) {
      params.setStrictLoad(strict);
    }
    Boolean backbone = node.bool("load_backbone");
    if (Boolean.TRUE.equals(backbone)) {
      node.problem("load_backbone", "loading a backbone only is not supported; use false");
    }
    node.reject(
        "checkpoint_num_classes",
        "replacing the checkpoint's head is not supported; use a checkpoint with num_classes"
            + " classes");
    node.raw("_convert_");
    JsonNode pretrained = node.raw("pretrained_weights");
    if (pretrained != null) {
      node.problem(
          "pretrained_weights",
          "kdflow never downloads weights; export them and set checkpoint_path instead");
    }
    return params.getCheckpointPath() == null ? null : params;
  }

  /**
   * SuperGradients' {@code strict_load}: a boolean, an enum string ({@code on}, {@code off}, {@code
   * key_matching}, {@code no_key_matching}) or {@code {_target_: ...StrictLoad, value: ...}}.
   * kdflow loads by parameter name: {@code on} (every parameter present, same shape) and {@code
   * off} (missing parameters keep their values, as torch's {@code strict=False}) map; the two
   * matching modes SuperGradients adds do not.
   */
  private static Boolean strictLoad(RecipeNode node) {
    JsonNode strict = node.raw("strict_load");
    if (strict == null) {
      return null;
    }
    String key = "strict_load";
    if (strict.isObject()) {
      String target = strict.path("_target_").asText("");
      if (!target.endsWith("StrictLoad")) {
        node.problem(key, "a mapping must be {_target_: ...StrictLoad, value: ...}, got " + target);
        return null;
      }
      JsonNode mapping = strict;
      for (String k : (Iterable<String>) mapping::fieldNames) {
        if (!k.equals("_target_") && !k.equals("value")) {
          node.problem(key + "." + k, "StrictLoad takes only value");
        }
      }
      strict = strict.get("value");
      key = "strict_load.value";
      if (strict == null || strict.isNull()) {
        node.problem(key, "required: True, False, on, off");
        return null;
      }
    }
    if (strict.isBoolean()) {
      return strict.asBoolean();
    }
    String s = strict.asText().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "on", "true" -> true;
      case "off", "false" -> false;
      case "key_matching", "no_key_matching" -> {
        node.problem(
            key,
            s
                + " (SuperGradients' loading by shape"
                + (s.equals("no_key_matching") ? " and layer order" : " of common keys")
                + ") is not supported: kdflow loads by parameter name; use True or False");
        yield null;
      }
      default -> {
        node.problem(
            key, "must be True, False, on, off (SuperGradients' StrictLoad), got " + strict);
        yield null;
      }
    };
  }

  private static NormalizationAdapterSpec adapter(RecipeNode node) {
    if (node == null) {
      return null;
    }
    String target = node.string("_target_");
    if (target == null || !target.endsWith("NormalizationAdapter")) {
      node.problem(
          "_target_", "only ...kd_trainer_utils.NormalizationAdapter is supported, got " + target);
    }
    NormalizationAdapterSpec a = new NormalizationAdapterSpec();
    a.setMeanOriginal(node.list("mean_original", RecipeNode::asDouble, "numbers"));
    a.setStdOriginal(node.list("std_original", RecipeNode::asDouble, "numbers"));
    a.setMeanRequired(node.list("mean_required", RecipeNode::asDouble, "numbers"));
    a.setStdRequired(node.list("std_required", RecipeNode::asDouble, "numbers"));
    return a;
  }

  private static void training(RecipeNode hp, TrainingSpec t, LossSpec loss) {
    set(hp.integer("max_epochs"), t::setMaxEpochs);
    set(hp.number("initial_lr"), t::setInitialLr);
    schedule(hp, t);
    optimizer(hp, t);
    set(hp.bool("ema"), t::setEma);
    RecipeNode ema = hp.object("ema_params");
    EmaParams e = t.getEmaParams();
    // SuperGradients' ModelEMA.from_params: decay_type exp (beta 15) when not given.
    e.setDecayType(EmaParams.DecayType.EXP);
    if (ema != null) {
      set(ema.number("decay"), e::setDecay);
      set(ema.number("beta"), e::setBeta);
      String decayType = ema.string("decay_type");
      if (decayType != null) {
        switch (decayType) {
          case "threshold" -> e.setDecayType(EmaParams.DecayType.THRESHOLD);
          case "exp" -> e.setDecayType(EmaParams.DecayType.EXP);
          case "constant" -> e.setDecayType(EmaParams.DecayType.CONSTANT);
          default ->
              ema.problem(
                  "decay_type", "must be threshold, exp or constant (got " + decayType + ")");
        }
      }
    }
    set(hp.number("clip_grad_norm"), t::setClipGradNorm);
    String metric = hp.string("metric_to_watch");
    if (metric != null) {
      switch (metric.toLowerCase(Locale.ROOT)) {
        case "accuracy", "top1", "top1accuracy" -> t.setMetricToWatch(TrainingSpec.Metric.TOP1);
        case "top5", "top5accuracy" -> t.setMetricToWatch(TrainingSpec.Metric.TOP5);
        default -> hp.problem("metric_to_watch", "must be Accuracy or Top5 (got " + metric + ")");
      }
    }
    Boolean greater = hp.bool("greater_metric_to_watch_is_better");
    if (Boolean.FALSE.equals(greater)) {
      hp.problem(
          "greater_metric_to_watch_is_better",
          "accuracy metrics are always better when greater; remove it or set true");
    }
    metricsList(hp, "train_metrics_list");
    metricsList(hp, "valid_metrics_list");
    set(hp.integer("run_validation_freq"), t::setRunValidationFreq);
    set(hp.list("save_ckpt_epoch_list", RecipeNode::asInt, "integers"), t::setSaveCkptEpochList);
    Integer seed = hp.integer("seed");
    if (seed != null) {
      t.setSeed(seed.longValue());
    }
    set(hp.bool("resume"), t::setResume);
    String logger = hp.string("sg_logger");
    if (logger != null && !logger.equals("base_sg_logger")) {
      hp.problem("sg_logger", "only base_sg_logger (metrics.jsonl) is supported");
    }
    sgLoggerParams(hp.object("sg_logger_params"));
    averageBestModels(hp);
    unsupportedUnlessDefault(hp);
    lossOf(hp, loss);
  }

  /**
   * {@code average_best_models} (SuperGradients' default true) only adds an artifact: {@code
   * average_model.pth}, the mean of the 10 best epochs' weights, validated at the end. It does not
   * change training, ckpt_best or ckpt_latest. kdflow does not build that average, so asking for it
   * is an error; left to SuperGradients' default, the missing artifact is logged.
   */
  private static void averageBestModels(RecipeNode hp) {
    Boolean average = hp.bool("average_best_models");
    if (Boolean.TRUE.equals(average)) {
      hp.problem(
          "average_best_models",
          "kdflow does not build SuperGradients' average_model (mean of the best epochs' weights;"
              + " training itself is unaffected); set it to false. ckpt_best holds the best"
              + " epoch's student");
    } else if (average == null) {
      LOG.warn(
          "{}: SuperGradients' default (true) would also write average_model.pth (mean of the 10"
              + " best epochs' weights); kdflow does not. Set it to false to silence this",
          hp.at("average_best_models"));
    }
  }

  /** Schedule keys: lr_mode, warm-up (epoch or batch), step updates, cosine ratio. */
  private static void schedule(RecipeNode hp, TrainingSpec t) {
    JsonNode lrModeNode = hp.raw("lr_mode");
    if (lrModeNode != null && !lrModeNode.isTextual()) {
      hp.problem(
          "lr_mode", "must be a scheduler name; torch LR scheduler mappings are not supported");
    } else if (lrModeNode != null) {
      String lrMode = lrModeNode.asText();
      switch (lrMode.toLowerCase(Locale.ROOT).replace("_", "")) {
        case "step", "steplrscheduler" -> t.setLrMode(TrainingSpec.LrMode.STEP);
        case "cosine", "cosinelrscheduler" -> t.setLrMode(TrainingSpec.LrMode.COSINE);
        case "constant", "constantlrscheduler" -> t.setLrMode(TrainingSpec.LrMode.CONSTANT);
        default ->
            hp.problem(
                "lr_mode",
                "must be StepLRScheduler, CosineLRScheduler or null (constant); got " + lrMode);
      }
    }
    JsonNode updates = hp.raw("lr_updates");
    if (updates != null && updates.isObject()) {
      set(lrUpdatesTarget(hp, updates), t::setLrUpdates);
    } else {
      set(hp.list("lr_updates", RecipeNode::asInt, "integers"), t::setLrUpdates);
    }
    set(hp.number("lr_decay_factor"), t::setLrDecayFactor);
    set(hp.number("cosine_final_lr_ratio"), t::setCosineFinalLrRatio);
    set(hp.integer("lr_warmup_epochs"), t::setLrWarmupEpochs);
    set(hp.integer("lr_warmup_steps"), t::setLrWarmupSteps);
    set(hp.number("warmup_initial_lr"), t::setWarmupInitialLr);
    if (hp.has("warmup_mode")) {
      String warmupMode = hp.string("warmup_mode");
      if (warmupMode != null) {
        switch (warmupMode) {
          // SuperGradients' registry names and their deprecated aliases
          case "LinearEpochLRWarmup", "linear_epoch_step" ->
              t.setWarmupMode(TrainingSpec.WarmupMode.LINEAR_EPOCH);
          case "LinearBatchLRWarmup", "linear_batch_step" ->
              t.setWarmupMode(TrainingSpec.WarmupMode.LINEAR_BATCH);
          default ->
              hp.problem(
                  "warmup_mode",
                  "must be LinearEpochLRWarmup or LinearBatchLRWarmup (or their old names"
                      + " linear_epoch_step, linear_batch_step), got "
                      + warmupMode);
        }
      }
    } else if (hp.raw("warmup_mode") == null && hp.node().has("warmup_mode")) {
      hp.problem(
          "warmup_mode",
          "null is refused by SuperGradients too; use LinearEpochLRWarmup or LinearBatchLRWarmup");
    }
    Integer cooldown = hp.integer("lr_cooldown_epochs");
    if (cooldown != null && cooldown != 0) {
      hp.problem("lr_cooldown_epochs", "a cool-down is not supported; use 0");
    }
  }

  /**
   * {@code lr_updates} written as an instantiated object: SuperGradients' {@code utils.empty_list}
   * (its default) or {@code numpy.arange(start, stop, step)}.
   */
  private static List<Integer> lrUpdatesTarget(RecipeNode hp, JsonNode updates) {
    String target = updates.path("_target_").asText("");
    if (target.endsWith("empty_list") && updates.size() == 1) {
      return List.of();
    }
    if (target.equals("numpy.arange")) {
      JsonNode start = updates.path("start");
      JsonNode stop = updates.path("stop");
      JsonNode step = updates.path("step");
      if (stop.isIntegralNumber()
          && (start.isMissingNode() || start.isIntegralNumber())
          && (step.isMissingNode() || step.isIntegralNumber() && step.asInt() > 0)
          && updates.size() <= 4) {
        List<Integer> out = new ArrayList<>();
        for (int e = start.asInt(0); e < stop.asInt(); e += step.asInt(1)) {
          out.add(e);
        }
        return out;
      }
      hp.problem("lr_updates", "numpy.arange takes integer start, stop and a positive step");
      return null;
    }
    hp.problem(
        "lr_updates",
        "must be a list of epochs (or SuperGradients' empty_list / numpy.arange), got " + target);
    return null;
  }

  /**
   * {@code optimizer} and {@code optimizer_params}, with SuperGradients' per-optimizer defaults
   * ({@code training/params.py}): SGD weight_decay 1e-4 and momentum 0.9, Adam weight_decay 1e-4;
   * AdamW (not in that table) keeps torch's weight_decay 0.01.
   */
  private static void optimizer(RecipeNode hp, TrainingSpec t) {
    String optimizer = hp.string("optimizer");
    if (optimizer != null) {
      switch (optimizer.toLowerCase(Locale.ROOT)) {
        case "sgd" -> t.setOptimizer(TrainingSpec.Optimizer.SGD);
        case "adam" -> t.setOptimizer(TrainingSpec.Optimizer.Adam);
        case "adamw" -> t.setOptimizer(TrainingSpec.Optimizer.AdamW);
        default -> hp.problem("optimizer", "must be SGD, Adam or AdamW (got " + optimizer + ")");
      }
    }
    OptimizerParams p = t.getOptimizerParams();
    p.setWeightDecay(
        t.getOptimizer() == TrainingSpec.Optimizer.AdamW
            ? TORCH_ADAMW_WEIGHT_DECAY
            : SG_DEFAULT_WEIGHT_DECAY);
    p.setMomentum(SG_DEFAULT_SGD_MOMENTUM);
    RecipeNode op = hp.object("optimizer_params");
    if (op != null) {
      set(op.number("momentum"), p::setMomentum);
      set(op.bool("nesterov"), p::setNesterov);
      set(op.number("weight_decay"), p::setWeightDecay);
      set(op.list("betas", RecipeNode::asDouble, "numbers"), p::setBetas);
      set(op.number("eps"), p::setEps);
    }
    Boolean zeroWd = hp.bool("zero_weight_decay_on_bias_and_bn");
    if (Boolean.TRUE.equals(zeroWd)) {
      hp.problem(
          "zero_weight_decay_on_bias_and_bn",
          "not supported: weight decay applies to every parameter; set it to false");
    }
  }

  /** {@code sg_logger_params}: only what does not upload or prompt. */
  private static void sgLoggerParams(RecipeNode lp) {
    if (lp == null) {
      return;
    }
    for (String remote :
        List.of(
            "save_checkpoints_remote",
            "save_tensorboard_remote",
            "save_logs_remote",
            "launch_tensorboard")) {
      mustBeFalse(lp, remote, "kdflow writes metrics.jsonl and checkpoints locally only");
    }
    // Output-only settings of the logger: no effect on training or on kdflow's files.
    for (String outputOnly :
        List.of("tb_files_user_prompt", "tensorboard_port", "monitor_system", "project_name")) {
      lp.raw(outputOnly);
    }
  }

  /**
   * SuperGradients' {@code training_hyperparams} that kdflow accepts only at the value with which
   * they do nothing (SuperGradients' default), and those that never change a single-device run.
   */
  private static void unsupportedUnlessDefault(RecipeNode hp) {
    mustBeFalse(hp, "mixed_precision", "mixed precision is not supported");
    mustBeFalse(hp, "launch_tensorboard", "kdflow writes metrics.jsonl and kdflow report instead");
    mustBeFalse(hp, "save_tensorboard_to_s3", "kdflow uploads nothing");
    mustBeFalse(hp, "resume_from_remote_sg_logger", "kdflow resumes from ckpt_latest on disk");
    mustBeFalse(hp, "precise_bn", "precise BatchNorm statistics are not supported");
    mustBeFalse(hp, "dataset_statistics", "kdflow logs no dataset statistics");
    mustBeFalse(hp, "torch_compile", "torch.compile is not available to the trainer");
    mustBeFalse(hp, "torch_compile_loss", "torch.compile is not available to the trainer");
    mustBeFalse(hp, "finetune", "freezing part of the student is not supported");
    mustBeFalse(hp, "enable_qat", "quantization-aware training is not supported");
    mustBeFalse(hp, "silent_mode", "use kdflow's --progress option for less output");
    mustBeTrue(hp, "save_model", "kdflow always writes ckpt_latest and ckpt_best");
    mustBeTrue(hp, "load_opt_params", "a resumed run always restores the optimizer state");
    for (String key :
        List.of(
            "run_id",
            "resume_path",
            "lr_schedule_function",
            "step_lr_update_freq",
            "pre_prediction_callback",
            "max_train_batches",
            "max_valid_batches")) {
      if (hp.raw(key) != null) {
        hp.problem(key, "not supported; remove it (null)");
      }
    }
    JsonNode callbacks = hp.raw("phase_callbacks");
    if (callbacks != null && !(callbacks.isArray() && callbacks.isEmpty())) {
      hp.problem("phase_callbacks", "callbacks are not supported; use []");
    }
    Integer accumulate = hp.integer("batch_accumulate");
    if (accumulate != null && accumulate != 1) {
      hp.problem("batch_accumulate", "gradient accumulation is not supported; use 1");
    }
    fileName(hp, "ckpt_name", "ckpt_latest.pth");
    fileName(hp, "ckpt_best_name", "ckpt_best.pth");
    // No effect here: precise_bn is off; tensorboard is never launched; kdflow trains on one device
    // (sync_bn and kill_ddp_pgroup_on_end act under DDP only); a KD recipe has no test loaders
    // (run_test_freq); torch.compile is off (its options); a resumed kdflow checkpoint always
    // holds every parameter (resume_strict_load); the package list and _convert_ are for
    // SuperGradients' logger and Hydra's instantiate.
    for (String noEffect :
        List.of(
            "precise_bn_batch_size",
            "tensorboard_port",
            "tb_files_user_prompt",
            "sync_bn",
            "kill_ddp_pgroup_on_end",
            "run_test_freq",
            "torch_compile_options",
            "resume_strict_load",
            "log_installed_packages",
            "_convert_")) {
      hp.raw(noEffect);
    }
  }

  private static void fileName(RecipeNode hp, String key, String kdflowName) {
    String name = hp.string(key);
    if (name != null && !name.equals(kdflowName)) {
      hp.problem(
          key,
          "kdflow's checkpoint is "
              + kdflowName.replace(".pth", "")
              + " in the experiment directory; remove it or use "
              + kdflowName);
    }
  }

  private static void metricsList(RecipeNode hp, String key) {
    List<String> names = hp.list(key, n -> n.isTextual() ? n.asText() : null, "metric names");
    if (names == null) {
      return;
    }
    for (String name : names) {
      if (!name.equals("Accuracy") && !name.equals("Top5")) {
        hp.problem(
            key, "kdflow always reports Accuracy (top-1) and Top5; " + name + " is not supported");
      }
    }
  }

  private static void mustBeTrue(RecipeNode node, String key, String why) {
    Boolean v = node.bool(key);
    if (Boolean.FALSE.equals(v)) {
      node.problem(key, why + "; set it to true");
    }
  }

  private static void mustBeFalse(RecipeNode node, String key, String why) {
    Boolean v = node.bool(key);
    if (Boolean.TRUE.equals(v)) {
      node.problem(key, why + "; set it to false");
    }
  }

  /**
   * {@code loss} and {@code criterion_params}: SuperGradients' {@code KDLogitsLoss} (also by its
   * registry name {@code kd_loss}) and kdflow's {@code HintonKD}, {@code DKD} and {@code DIST}.
   * Each reads only its own constructor keys; a key of another type is rejected naming the types
   * that take it.
   */
  private static void lossOf(RecipeNode hp, LossSpec loss) {
    String name = hp.string("loss");
    LossSpec.Type type = LossSpec.Type.KD_LOGITS;
    if (name != null && !name.equals("kd_loss")) {
      type = null;
      for (LossSpec.Type t : LossSpec.Type.values()) {
        if (t.specName().equals(name)) {
          type = t;
        }
      }
      if (type == null) {
        hp.problem(
            "loss",
            "only KDLogitsLoss is supported from SuperGradients (kdflow adds HintonKD, DKD and"
                + " DIST), got "
                + name);
        return;
      }
    }
    loss.setType(type);
    RecipeNode cp = hp.object("criterion_params");
    if (cp == null) {
      return;
    }
    set(cp.number("temperature"), loss::setTemperature);
    boolean kdLogits = type == LossSpec.Type.KD_LOGITS;
    boolean dkd = type == LossSpec.Type.DKD;
    boolean dist = type == LossSpec.Type.DIST;
    boolean weighted = type == LossSpec.Type.HINTON_KD || dist;
    if (onlyFor(cp, "distillation_loss_coeff", kdLogits, "KDLogitsLoss")) {
      set(cp.number("distillation_loss_coeff"), loss::setDistillationLossCoeff);
    }
    if (onlyFor(cp, "task_loss_weight", !kdLogits, "HintonKD, DKD and DIST")) {
      set(cp.number("task_loss_weight"), loss::setTaskLossWeight);
    }
    if (onlyFor(cp, "distillation_loss_weight", weighted, "HintonKD and DIST")) {
      set(cp.number("distillation_loss_weight"), loss::setDistillationLossWeight);
    }
    if (onlyFor(cp, "logit_standardization", !dist, "KDLogitsLoss, HintonKD and DKD")) {
      set(cp.bool("logit_standardization"), loss::setLogitStandardization);
    }
    if (onlyFor(cp, "alpha", dkd, "DKD")) {
      Double alpha = cp.number("alpha");
      if (alpha != null) {
        dkdParams(loss).setAlpha(alpha);
      }
    }
    if (onlyFor(cp, "warmup_epochs", dkd, "DKD")) {
      Integer warmup = cp.integer("warmup_epochs");
      if (warmup != null) {
        dkdParams(loss).setWarmupEpochs(warmup);
      }
    }
    if (onlyFor(cp, "beta", dkd || dist, "DKD and DIST")) {
      Double beta = cp.number("beta");
      if (beta != null && dkd) {
        dkdParams(loss).setBeta(beta);
      } else if (beta != null) {
        distParams(loss).setBeta(beta);
      }
    }
    if (onlyFor(cp, "gamma", dist, "DIST")) {
      Double gamma = cp.number("gamma");
      if (gamma != null) {
        distParams(loss).setGamma(gamma);
      }
    }
    JsonNode task = cp.raw("task_loss_fn");
    if (task == null) {
      return;
    }
    String target = task.isObject() ? task.path("_target_").asText(null) : task.asText(null);
    if (target == null) {
      cp.problem("task_loss_fn", "must name a loss with _target_");
      return;
    }
    if (!target.endsWith("CrossEntropyLoss")) {
      cp.problem(
          "task_loss_fn",
          "only CrossEntropyLoss and LabelSmoothingCrossEntropyLoss are supported, got " + target);
      return;
    }
    loss.setTaskLoss(LossSpec.TaskLoss.CROSS_ENTROPY);
    if (target.endsWith("LabelSmoothingCrossEntropyLoss")) {
      loss.setLabelSmoothing(0.1);
    }
    if (!task.isObject()) {
      return;
    }
    for (String k : (Iterable<String>) task::fieldNames) {
      JsonNode v = task.get(k);
      switch (k) {
        case "_target_" -> {}
        // SuperGradients' CrossEntropyLoss takes smooth_eps (None: none); torch's label_smoothing
        case "smooth_eps", "label_smoothing" -> {
          if (v.isNumber()) {
            loss.setLabelSmoothing(v.asDouble());
          } else if (!v.isNull()) {
            cp.problem("task_loss_fn." + k, "must be a number in [0, 1)");
          }
        }
        case "reduction" -> {
          if (!v.asText().equals("mean")) {
            cp.problem("task_loss_fn.reduction", "kdflow averages over the batch; use mean");
          }
        }
        default -> cp.problem("task_loss_fn." + k, "kdflow does not support this key");
      }
    }
  }

  private static DatasetSpec dataset(RecipeNode root) {
    DatasetSpec d = new DatasetSpec();
    String train = root.string("train_dataloader");
    String val = root.string("val_dataloader");
    if (train != null) {
      d.setType(datasetType(root, "train_dataloader", train));
    }
    if (val != null) {
      DatasetSpec.Type valType = datasetType(root, "val_dataloader", val);
      if (train != null && valType != null && valType != d.getType()) {
        root.problem("val_dataloader", "must use the same dataset as train_dataloader");
      }
      if (train == null && valType != null) {
        d.setType(valType);
      }
    }
    RecipeNode dp = root.object("dataset_params");
    if (dp == null) {
      return d;
    }
    String type = dp.string("type");
    if (type != null) {
      DatasetSpec.Type t = datasetType(dp, "type", type);
      if (t != null) {
        d.setType(t);
      }
    }
    // Only referenced through ${dataset_params.img_mean} etc.; SuperGradients' dataloaders read
    // the *_dataset_params / *_dataloader_params below. train_transform_args and the top-level
    // batch sizes of cifar10_dataset_params are not read by SuperGradients' dataloaders either.
    for (String helper :
        List.of("img_mean", "img_std", "train_transform_args", "batch_size", "val_batch_size")) {
      dp.raw(helper);
    }
    dp.raw("_convert_");
    RecipeNode trainDs = dp.object("train_dataset_params");
    List<Double> trainMean = null;
    List<Double> trainStd = null;
    if (trainDs != null) {
      set(trainDs.string("root"), d::setPath);
      set(trainDs.integer("limit"), d::setTrainLimit);
      set(trainDs.integer("random_crop_padding"), d::setRandomCropPadding);
      set(trainDs.bool("horizontal_flip"), d::setHorizontalFlip);
      set(trainDs.list("mean", RecipeNode::asDouble, "numbers"), d::setMean);
      set(trainDs.list("std", RecipeNode::asDouble, "numbers"), d::setStd);
      set(trainDs.integer("image_size"), d::setImageSize);
      datasetFlags(trainDs);
      List<List<Double>> norm = transforms(trainDs, d, true);
      if (norm != null) {
        trainMean = norm.get(0);
        trainStd = norm.get(1);
      }
    }
    RecipeNode valDs = dp.object("val_dataset_params");
    if (valDs != null) {
      String valRoot = valDs.string("root");
      Path trainDir = d.getPath() == null ? null : Path.of(d.getPath()).normalize();
      Path valDir = valRoot == null ? null : Path.of(valRoot).normalize();
      if (d.getType() == DatasetSpec.Type.IMAGE_FOLDER
          && trainDir != null
          && valDir != null
          && trainDir.getFileName() != null
          && trainDir.getFileName().toString().equals("train")
          && valDir.getFileName() != null
          && valDir.getFileName().toString().equals("val")
          && java.util.Objects.equals(trainDir.getParent(), valDir.getParent())) {
        // SuperGradients' ImageNet roots name the split folders; kdflow names their parent.
        d.setPath(String.valueOf(trainDir.getParent()));
      } else if (valRoot != null && d.getPath() != null && !valRoot.equals(d.getPath())) {
        valDs.problem(
            "root",
            "must equal train_dataset_params.root (one dataset directory), or for an image folder"
                + " be <dir>/val beside train_dataset_params.root <dir>/train");
      } else {
        set(valRoot, d::setPath);
      }
      set(valDs.integer("limit"), d::setValidLimit);
      datasetFlags(valDs);
      List<List<Double>> norm = transforms(valDs, d, false);
      if (norm != null && trainMean != null && !norm.equals(List.of(trainMean, trainStd))) {
        valDs.problem(
            "transforms",
            "Normalize must use the training transforms' mean and std (kdflow normalises both"
                + " splits alike)");
      }
    }
    RecipeNode trainDl = dp.object("train_dataloader_params");
    if (trainDl != null) {
      set(trainDl.integer("batch_size"), d::setBatchSize);
      mustBeTrue(trainDl, "shuffle", "kdflow shuffles the training data every epoch");
      mustBeFalse(trainDl, "drop_last", "kdflow trains on the last, smaller batch too");
      dataloaderCommon(trainDl, d);
    }
    RecipeNode valDl = dp.object("val_dataloader_params");
    if (valDl != null) {
      set(valDl.integer("batch_size"), d::setValidBatchSize);
      // the order of validation batches does not change a validation metric
      valDl.raw("shuffle");
      mustBeFalse(valDl, "drop_last", "kdflow validates on every example");
      dataloaderCommon(valDl, d);
    }
    return d;
  }

  /** Loader keys both splits share: worker count and memory pinning. */
  private static void dataloaderCommon(RecipeNode dl, DatasetSpec d) {
    Integer workers = dl.integer("num_workers");
    if (workers != null) {
      // SuperGradients' worker processes are kdflow's decoding threads (imageFolder); 0 (load in
      // the training process) is one thread here.
      d.setNumWorkers(Math.max(1, Math.min(workers, DatasetSpec.MAX_NUM_WORKERS)));
    }
    Integer prefetch = dl.integer("prefetch_factor");
    if (prefetch != null) {
      d.setPrefetch(Math.max(1, Math.min(prefetch, DatasetSpec.MAX_PREFETCH)));
    }
    // null is the loader's default (batches of the data in order or shuffled, as set above)
    for (String custom : List.of("collate_fn", "sampler", "batch_sampler", "worker_init_fn")) {
      if (dl.raw(custom) != null) {
        dl.problem(
            custom,
            "custom "
                + custom
                + " (mixup, repeated augmentation, ...) is not supported; remove it or set null");
      }
    }
    // Speed only: page-locked host memory and keeping workers alive between epochs.
    dl.raw("pin_memory");
    dl.raw("persistent_workers");
  }

  /** Dataset-constructor keys of SuperGradients' classification datasets. */
  private static void datasetFlags(RecipeNode ds) {
    // torchvision's CIFAR10(train=...) picks the split: the loader's name already says which.
    ds.raw("train");
    // kdflow never downloads: data that is missing is reported, not fetched.
    ds.raw("download");
    ds.reject("target_transform", "label transforms are not supported; use null");
  }

  /**
   * SuperGradients' {@code transforms} list, mapped onto kdflow's augmentation: RandomCrop
   * (padding), RandomResizedCrop(AndInterpolation), RandomHorizontalFlip, ToTensor, Normalize; for
   * validation Resize + CenterCrop of the image size. Returns Normalize's [mean, std], or null.
   */
  private static List<List<Double>> transforms(RecipeNode ds, DatasetSpec d, boolean train) {
    JsonNode list = ds.raw("transforms");
    if (list == null) {
      return null;
    }
    if (!list.isArray()) {
      ds.problem("transforms", "must be a list of transforms");
      return null;
    }
    List<List<Double>> normalize = null;
    Integer resize = null;
    for (int i = 0; i < list.size(); i++) {
      JsonNode t = list.get(i);
      String at = "transforms[" + i + "]";
      String name;
      JsonNode args;
      if (t.isTextual()) {
        name = t.asText();
        args = JSON_EMPTY;
      } else if (t.isObject() && t.size() == 1) {
        name = t.fieldNames().next();
        args = t.get(name) == null || t.get(name).isNull() ? JSON_EMPTY : t.get(name);
      } else {
        ds.problem(at, "must be a transform name or {Name: {args}}");
        continue;
      }
      String where = at + "." + name;
      switch (name) {
        case "ToTensor" -> onlyArgs(ds, where, args);
        case "Normalize" -> {
          onlyArgs(ds, where, args, "mean", "std");
          List<Double> mean = doubles(args.get("mean"));
          List<Double> std = doubles(args.get("std"));
          if (mean == null || std == null) {
            ds.problem(where, "needs mean and std lists of numbers");
          } else {
            normalize = List.of(mean, std);
            d.setMean(mean);
            d.setStd(std);
          }
        }
        case "RandomHorizontalFlip" -> {
          onlyArgs(ds, where, args, "p");
          if (!train) {
            ds.problem(where, "kdflow augments training data only");
          } else if (args.has("p") && args.get("p").asDouble() != 0.5) {
            ds.problem(where + ".p", "kdflow flips with probability 0.5");
          } else {
            d.setHorizontalFlip(true);
          }
        }
        case "RandomCrop" -> {
          onlyArgs(ds, where, args, "size", "padding");
          if (!train) {
            ds.problem(where, "kdflow augments training data only");
          } else if (!args.path("padding").isIntegralNumber()) {
            ds.problem(where + ".padding", "required: zero padding in pixels (an integer)");
          } else {
            // the crop is back to the image's own size (CIFAR's 32)
            d.setRandomCropPadding(args.get("padding").asInt());
          }
        }
        case "RandomResizedCrop", "RandomResizedCropAndInterpolation" -> {
          onlyArgs(ds, where, args, "size", "scale", "interpolation");
          String interpolation = args.path("interpolation").asText("bilinear");
          if (!train) {
            ds.problem(where, "kdflow augments training data only");
          } else if (!args.path("size").isIntegralNumber()) {
            ds.problem(where + ".size", "required: the output size (an integer)");
          } else if (!interpolation.equals("bilinear") && !interpolation.equals("default")) {
            ds.problem(
                where + ".interpolation",
                "kdflow resizes bilinearly; use default or bilinear, got " + interpolation);
          } else {
            d.setRandomResizedCrop(true);
            d.setImageSize(args.get("size").asInt());
            List<Double> scale = doubles(args.get("scale"));
            if (scale != null && (scale.size() != 2 || scale.get(1) != 1.0)) {
              ds.problem(where + ".scale", "must be [min, 1.0]");
            } else if (scale != null) {
              d.setRandomResizedCropMinScale(scale.get(0));
            }
          }
        }
        case "Resize" -> {
          onlyArgs(ds, where, args, "size");
          resize = args.path("size").isIntegralNumber() ? args.get("size").asInt() : null;
          if (train || resize == null) {
            ds.problem(where, "kdflow resizes validation images only (Resize: {size: N})");
          }
        }
        case "CenterCrop" -> {
          onlyArgs(ds, where, args, "size");
          int size = args.path("size").asInt(-1);
          if (train || resize == null || size != resize) {
            ds.problem(
                where,
                "kdflow's validation view is the shorter side resized to the image size and"
                    + " centre-cropped to it: Resize and CenterCrop of the same size (got Resize "
                    + resize
                    + ", CenterCrop "
                    + size
                    + ")");
          } else {
            d.setImageSize(size);
          }
        }
        default ->
            ds.problem(
                at,
                name
                    + " is not supported; kdflow's augmentations are RandomCrop (padding),"
                    + " RandomResizedCrop, RandomHorizontalFlip and Normalize");
      }
    }
    return normalize;
  }

  private static final JsonNode JSON_EMPTY =
      com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();

  private static void onlyArgs(RecipeNode ds, String where, JsonNode args, String... allowed) {
    if (!args.isObject()) {
      ds.problem(where, "arguments must be a mapping");
      return;
    }
    List<String> known = List.of(allowed);
    for (String k : (Iterable<String>) args::fieldNames) {
      if (!known.contains(k)) {
        ds.problem(where + "." + k, "not supported (kdflow reads " + known + ")");
      }
    }
  }

  private static List<Double> doubles(JsonNode n) {
    if (n == null || !n.isArray()) {
      return null;
    }
    List<Double> out = new ArrayList<>();
    for (JsonNode v : n) {
      if (!v.isNumber()) {
        return null;
      }
      out.add(v.asDouble());
    }
    return out;
  }

  private static DatasetSpec.Type datasetType(RecipeNode node, String key, String name) {
    String n = name.toLowerCase(Locale.ROOT).replace("-", "_");
    if (n.startsWith("fashion_mnist") || n.equals("fashionmnist")) {
      return DatasetSpec.Type.FASHION_MNIST;
    }
    if (n.startsWith("mnist")) {
      return DatasetSpec.Type.MNIST;
    }
    if (n.startsWith("cifar10") || n.startsWith("cifar_10")) {
      return DatasetSpec.Type.CIFAR10;
    }
    if (n.startsWith("imagenet") || n.startsWith("image_folder") || n.equals("imagefolder")) {
      return DatasetSpec.Type.IMAGE_FOLDER;
    }
    node.problem(
        key,
        "unknown dataset "
            + name
            + "; use fashion_mnist_*, mnist_*, cifar10_* or imagenet_*/image_folder_*");
    return null;
  }

  /** True when {@code key} may be read for this loss type; else reports it, naming its types. */
  private static boolean onlyFor(RecipeNode cp, String key, boolean applies, String types) {
    if (applies || !cp.has(key)) {
      return applies;
    }
    cp.raw(key);
    cp.problem(key, "applies to " + types + " only; set training_hyperparams.loss accordingly");
    return false;
  }

  private static DKDParams dkdParams(LossSpec loss) {
    if (loss.getDkd() == null) {
      loss.setDkd(new DKDParams());
    }
    return loss.getDkd();
  }

  private static DISTParams distParams(LossSpec loss) {
    if (loss.getDist() == null) {
      loss.setDist(new DISTParams());
    }
    return loss.getDist();
  }

  private static <T> void set(T value, java.util.function.Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }
}
