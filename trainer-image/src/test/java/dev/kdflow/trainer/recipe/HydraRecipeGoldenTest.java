package dev.kdflow.trainer.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kdflow resolves SuperGradients' own KD recipe (Hydra defaults, overrides, recipe shortcuts,
 * interpolation) to the very tree SuperGradients 3.7.1 resolves it to ({@code
 * tools/gen_sg_recipe_golden.py}).
 */
class HydraRecipeGoldenTest {
  static final Path SG_RECIPES = resource("/sg-recipes");

  static Stream<JsonNode> cases() throws IOException {
    try (InputStream in =
        HydraRecipeGoldenTest.class.getResourceAsStream("/golden/sg_recipe_golden.json")) {
      JsonNode golden = new ObjectMapper().readTree(in);
      assertThat(golden.path("super_gradients").asText()).isEqualTo("3.7.1");
      List<JsonNode> cases = new ArrayList<>();
      golden.path("cases").forEach(cases::add);
      return cases.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void resolvesTheRecipeAsSuperGradientsDoes(JsonNode goldenCase) throws IOException {
    String name = goldenCase.path("recipe").asText();
    List<String> overrides = new ArrayList<>();
    goldenCase.path("overrides").forEach(o -> overrides.add(o.asText()));
    ObjectNode recipe =
        (ObjectNode) new YAMLMapper().readTree(SG_RECIPES.resolve(name + ".yaml").toFile());

    ObjectNode resolved = ExperimentLoader.resolveRecipe(recipe, overrides, SG_RECIPES);

    // equal as JSON trees: 0.005 and 5e-3 are both doubles, 8 an int on both sides
    assertThat(normalised(resolved)).isEqualTo(normalised(goldenCase.path("resolved")));
  }

  /** Integral doubles and ints compare equal in both trees (JSON keeps 1.0 a double). */
  private static JsonNode normalised(JsonNode node) throws IOException {
    ObjectMapper json = new ObjectMapper();
    return json.readTree(json.writeValueAsString(node).replaceAll("(\\d)\\.0([,}\\]])", "$1$2"));
  }

  static Path resource(String name) {
    try {
      return Path.of(HydraRecipeGoldenTest.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
