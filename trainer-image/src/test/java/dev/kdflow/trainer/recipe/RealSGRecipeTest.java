package dev.kdflow.trainer.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.ValidationProblem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SuperGradients' own {@code imagenet_resnet50_kd} recipe, unmodified: every key of its resolved
 * tree either maps or is rejected naming the key, and the rejections are exactly the settings
 * kdflow lacks.
 */
class RealSGRecipeTest {
  static final Path RECIPE = HydraRecipeGoldenTest.SG_RECIPES.resolve("imagenet_resnet50_kd.yaml");

  @Test
  void everySettingKdflowLacksIsNamedAtOnce() throws IOException {
    InvalidExperimentException e =
        catchThrowableOfType(
            InvalidExperimentException.class, () -> ExperimentLoader.loadRecipe(RECIPE, List.of()));

    List<String> paths = e.problems().stream().map(ValidationProblem::fieldPath).toList();
    assertThat(paths)
        .containsExactlyInAnyOrder(
            "multi_gpu",
            "num_gpus",
            "teacher_architecture",
            "teacher_checkpoint_params.pretrained_weights",
            "checkpoint_params.teacher_pretrained_weights",
            "training_hyperparams.optimizer",
            "training_hyperparams.lr_cooldown_epochs",
            "training_hyperparams.zero_weight_decay_on_bias_and_bn",
            "training_hyperparams.average_best_models",
            "training_hyperparams.mixed_precision",
            "dataset_params.train_dataset_params.transforms[0].RandomResizedCropAndInterpolation"
                + ".interpolation",
            "dataset_params.train_dataset_params.transforms[2]",
            "dataset_params.val_dataset_params.transforms[1].CenterCrop",
            "dataset_params.train_dataloader_params.collate_fn",
            "dataset_params.train_dataloader_params.sampler");
    // each names a key of the tree SuperGradients itself resolves the recipe to
    JsonNode resolved = goldenResolved();
    for (String path : paths) {
      String key =
          path.replaceAll("\\[(\\d+)]", ".$1").replaceAll("\\.[A-Z][A-Za-z]*(\\..*)?$", "");
      assertThat(HydraRecipe.get(resolved, key)).as(path).isNotNull();
    }
  }

  static JsonNode goldenResolved() throws IOException {
    try (InputStream in =
        RealSGRecipeTest.class.getResourceAsStream("/golden/sg_recipe_golden.json")) {
      return new ObjectMapper().readTree(in).path("cases").get(0).path("resolved");
    }
  }
}
