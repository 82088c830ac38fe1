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
import dev.kdflow.api.validation.ValidationProblem;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps a SuperGradients KD recipe (snake_case keys, as {@code train_from_config} reads them) onto
 * the {@code api} types, so a recipe and a KDExperiment manifest run through the same trainer.
 * Every key is either honoured or reported with its path: nothing is silently ignored.
 */
public final class SGRecipeMapper {
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

    KDSpec kd = new KDSpec();
    RecipeNode kdArch = root.object("arch_params");
    if (kdArch != null) {
      kd.setTeacherInputAdapter(adapter(kdArch.object("teacher_input_adapter")));
      Boolean onEval = kdArch.bool("run_teacher_on_eval");
      if (onEval != null) {
        kd.setRunTeacherOnEval(onEval);
      }
    }
    Boolean onEval = root.bool("run_teacher_on_eval");
    if (onEval != null) {
      kd.setRunTeacherOnEval(onEval);
    }
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
            "kdflow cannot resolve SuperGradients' built-in config groups ("
                + d
                + "); inline those values into this recipe");
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
    root.string("device");
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
    JsonNode strict = node.raw("strict_load");
    if (strict != null) {
      if (strict.isBoolean()) {
        params.setStrictLoad(strict.asBoolean());
      } else {
        String s = strict.asText().toLowerCase(Locale.ROOT);
        switch (s) {
          case "on", "true" -> params.setStrictLoad(true);
          case "off", "false", "no_key_matching" -> params.setStrictLoad(false);
          default ->
              node.problem("strict_load", "must be true/false (or on/off), got " + strict.asText());
        }
      }
    }
    Boolean backbone = node.bool("load_backbone");
    if (Boolean.TRUE.equals(backbone)) {
      node.problem("load_backbone", "loading a backbone only is not supported; use false");
    }
    JsonNode pretrained = node.raw("pretrained_weights");
    if (pretrained != null) {
      node.problem(
          "pretrained_weights",
          "kdflow never downloads weights; export them and set checkpoint_path instead");
    }
    return params.getCheckpointPath() == null ? null : params;
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
    String lrMode = hp.string("lr_mode");
    if (lrMode != null) {
      switch (lrMode.toLowerCase(Locale.ROOT).replace("_", "")) {
        case "step", "steplrscheduler" -> t.setLrMode(TrainingSpec.LrMode.STEP);
        case "cosine", "cosinelrscheduler" -> t.setLrMode(TrainingSpec.LrMode.COSINE);
        case "constant", "constantlrscheduler" -> t.setLrMode(TrainingSpec.LrMode.CONSTANT);
        default -> hp.problem("lr_mode", "must be step, cosine or constant (got " + lrMode + ")");
      }
    }
    set(hp.list("lr_updates", RecipeNode::asInt, "integers"), t::setLrUpdates);
    set(hp.number("lr_decay_factor"), t::setLrDecayFactor);
    set(hp.number("cosine_final_lr_ratio"), t::setCosineFinalLrRatio);
    set(hp.integer("lr_warmup_epochs"), t::setLrWarmupEpochs);
    set(hp.number("warmup_initial_lr"), t::setWarmupInitialLr);
    Integer warmupSteps = hp.integer("lr_warmup_steps");
    if (warmupSteps != null && warmupSteps != 0) {
      hp.problem("lr_warmup_steps", "step-based warm-up is not supported; use lr_warmup_epochs");
    }
    String warmupMode = hp.string("warmup_mode");
    if (warmupMode != null && !warmupMode.toLowerCase(Locale.ROOT).contains("linear")) {
      hp.problem("warmup_mode", "only linear epoch warm-up is supported, got " + warmupMode);
    }
    String optimizer = hp.string("optimizer");
    if (optimizer != null) {
      switch (optimizer.toLowerCase(Locale.ROOT)) {
        case "sgd" -> t.setOptimizer(TrainingSpec.Optimizer.SGD);
        case "adam" -> t.setOptimizer(TrainingSpec.Optimizer.Adam);
        case "adamw" -> t.setOptimizer(TrainingSpec.Optimizer.AdamW);
        default -> hp.problem("optimizer", "must be SGD, Adam or AdamW (got " + optimizer + ")");
      }
    }
    RecipeNode op = hp.object("optimizer_params");
    if (op != null) {
      OptimizerParams p = t.getOptimizerParams();
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
    set(hp.bool("ema"), t::setEma);
    RecipeNode ema = hp.object("ema_params");
    if (ema != null) {
      EmaParams e = t.getEmaParams();
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
    mustBeFalse(hp, "mixed_precision", "mixed precision is not supported");
    mustBeFalse(hp, "average_best_models", "averaging best models is not supported");
    mustBeFalse(hp, "launch_tensorboard", "kdflow writes metrics.jsonl and kdflow report instead");
    String logger = hp.string("sg_logger");
    if (logger != null && !logger.equals("base_sg_logger")) {
      hp.problem("sg_logger", "only base_sg_logger (metrics.jsonl) is supported");
    }
    lossOf(hp, loss);
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
    if (target.endsWith("CrossEntropyLoss") && !target.contains("LabelSmoothing")) {
      loss.setTaskLoss(LossSpec.TaskLoss.CROSS_ENTROPY);
    } else if (target.endsWith("LabelSmoothingCrossEntropyLoss")) {
      loss.setTaskLoss(LossSpec.TaskLoss.CROSS_ENTROPY);
      JsonNode eps = task.path("smooth_eps");
      loss.setLabelSmoothing(eps.isNumber() ? eps.asDouble() : 0.1);
    } else {
      cp.problem(
          "task_loss_fn",
          "only CrossEntropyLoss and LabelSmoothingCrossEntropyLoss are supported, got " + target);
    }
    if (task.isObject()) {
      task.fieldNames()
          .forEachRemaining(
              k -> {
                if (!k.equals("_target_") && !k.equals("smooth_eps")) {
                  cp.problem("task_loss_fn." + k, "kdflow does not support this key");
                }
              });
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
    RecipeNode trainDs = dp.object("train_dataset_params");
    if (trainDs != null) {
      set(trainDs.string("root"), d::setPath);
      set(trainDs.integer("limit"), d::setTrainLimit);
      set(trainDs.integer("random_crop_padding"), d::setRandomCropPadding);
      set(trainDs.bool("horizontal_flip"), d::setHorizontalFlip);
      set(trainDs.list("mean", RecipeNode::asDouble, "numbers"), d::setMean);
      set(trainDs.list("std", RecipeNode::asDouble, "numbers"), d::setStd);
      set(trainDs.integer("image_size"), d::setImageSize);
    }
    RecipeNode valDs = dp.object("val_dataset_params");
    if (valDs != null) {
      String valRoot = valDs.string("root");
      if (valRoot != null && d.getPath() != null && !valRoot.equals(d.getPath())) {
        valDs.problem("root", "must equal train_dataset_params.root (one dataset directory)");
      }
      set(valRoot, d::setPath);
      set(valDs.integer("limit"), d::setValidLimit);
    }
    RecipeNode trainDl = dp.object("train_dataloader_params");
    if (trainDl != null) {
      set(trainDl.integer("batch_size"), d::setBatchSize);
      trainDl.bool("shuffle");
      trainDl.bool("drop_last");
      trainDl.integer("num_workers");
    }
    RecipeNode valDl = dp.object("val_dataloader_params");
    if (valDl != null) {
      set(valDl.integer("batch_size"), d::setValidBatchSize);
      valDl.integer("num_workers");
    }
    return d;
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
