package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.EmaParams;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.recipe.ExperimentLoader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SuperGradients' own {@code imagenet_resnet50_kd} recipe runs through {@code kdflow train
 * --recipe} unmodified: its Hydra defaults and interpolations resolved, SuperGradients' meaning of
 * each key kept, and only the settings kdflow rejects (and the data) changed by overrides.
 */
class SGRecipeTrainIT {
  @TempDir Path tmp;

  /** The overrides that replace what kdflow rejects (see RealSGRecipeTest) and point at data. */
  private List<String> overrides(Path data, Path root) {
    String normalize =
        "{Normalize: {mean: '${dataset_params.img_mean}', std: '${dataset_params.img_std}'}}";
    return List.of(
        "multi_gpu=Off",
        "num_gpus=1",
        "teacher_architecture=resnet18",
        "teacher_arch_params={num_classes: 2}",
        "student_arch_params={num_classes: 2}",
        "teacher_checkpoint_params.pretrained_weights=null",
        "checkpoint_params.teacher_pretrained_weights=null",
        "training_hyperparams.optimizer=SGD",
        "training_hyperparams.lr_cooldown_epochs=0",
        "training_hyperparams.lr_warmup_epochs=0",
        "training_hyperparams.zero_weight_decay_on_bias_and_bn=false",
        "training_hyperparams.average_best_models=false",
        "training_hyperparams.mixed_precision=false",
        "epochs=1",
        "batch_size=8",
        "val_batch_size=8",
        "num_workers=1",
        "dataset_params.train_dataset_params.root=" + data.resolve("train"),
        "dataset_params.val_dataset_params.root=" + data.resolve("val"),
        "dataset_params.train_dataset_params.transforms=[{RandomResizedCropAndInterpolation:"
            + " {size: 32, interpolation: default}}, RandomHorizontalFlip, ToTensor, "
            + normalize
            + "]",
        "dataset_params.val_dataset_params.transforms=[{Resize: {size: 32}}, {CenterCrop: {size:"
            + " 32}}, ToTensor, "
            + normalize
            + "]",
        "dataset_params.train_dataloader_params.collate_fn=null",
        "dataset_params.train_dataloader_params.sampler=null",
        "ckpt_root_dir=" + root);
  }

  @Test
  void superGradientsKdRecipeTrainsWithItsOwnSettings() throws Exception {
    Path recipe = Path.of(getClass().getResource("/sg-recipes/imagenet_resnet50_kd.yaml").toURI());
    Path data = tmp.resolve("imagenet");
    writeImages(data.resolve("train"), 8);
    writeImages(data.resolve("val"), 4);
    Path root = tmp.resolve("checkpoints");
    List<String> overrides = overrides(data, root);

    // SuperGradients' meaning of the keys nobody overrode
    KDExperimentSpec spec = ExperimentLoader.loadRecipe(recipe, overrides).getSpec();
    assertThat(spec.getKd().getLoss().getDistillationLossCoeff()).isEqualTo(0.8);
    assertThat(spec.getKd().getTeacherInputAdapter().getMeanRequired())
        .containsExactly(0.5, 0.5, 0.5);
    assertThat(spec.getKd().getTeacherTrainMode()).isFalse(); // run_teacher_on_eval: True
    assertThat(spec.getTraining().getEma()).isTrue();
    assertThat(spec.getTraining().getEmaParams().getDecayType()).isEqualTo(EmaParams.DecayType.EXP);
    assertThat(spec.getTraining().getLrMode()).isEqualTo(TrainingSpec.LrMode.COSINE);
    assertThat(spec.getTraining().getInitialLr()).isEqualTo(5e-3);
    assertThat(spec.getTraining().getOptimizerParams().getWeightDecay()).isEqualTo(0.02);
    assertThat(spec.getStudent().getArchitecture()).isEqualTo("resnet50");
    assertThat(spec.getDataset().getPath()).isEqualTo(data.toString());
    assertThat(spec.getDataset().getMean()).containsExactly(0.485, 0.456, 0.406);

    List<String> args = new ArrayList<>(List.of("train", "--recipe", recipe.toString()));
    args.addAll(overrides);
    args.add("--progress=plain");
    CliRun run = CliRun.of(args.toArray(String[]::new));

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
    Path metrics;
    try (Stream<Path> files = Files.walk(root)) {
      metrics = files.filter(p -> p.endsWith("metrics.jsonl")).findFirst().orElseThrow();
    }
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> epochs = new ArrayList<>();
    for (String line : Files.readAllLines(metrics)) {
      JsonNode r = json.readTree(line);
      if (r.path("type").asText().equals("epoch")) {
        epochs.add(r);
      }
    }
    assertThat(epochs).hasSize(1);
    assertThat(epochs.get(0).path("valid").path("top1").isNumber()).isTrue();
    assertThat(metrics.resolveSibling("ckpt_best")).isDirectory();
  }

  /** Two classes of 8x8 JPEGs: reddish and bluish noise. */
  private static void writeImages(Path split, int perClass) throws IOException {
    Random random = new Random(7);
    for (String cls : List.of("blue", "red")) {
      Path folder = Files.createDirectories(split.resolve(cls));
      for (int i = 0; i < perClass; i++) {
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 8; y++) {
          for (int x = 0; x < 8; x++) {
            int strong = 160 + random.nextInt(96);
            int weak = random.nextInt(96);
            image.setRGB(x, y, cls.equals("red") ? strong << 16 | weak : weak << 16 | strong);
          }
        }
        ImageIO.write(image, "jpg", folder.resolve(String.format("%05d.jpg", i)).toFile());
      }
    }
  }

  static Path resource(String name) throws URISyntaxException {
    return Path.of(SGRecipeTrainIT.class.getResource(name).toURI());
  }
}
