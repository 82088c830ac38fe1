package dev.kdflow.trainer.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kdflow.api.validation.InvalidExperimentException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves a SuperGradients recipe the way {@code train_from_kd_recipe} does before it reads it:
 * Hydra's {@code defaults:} list (config groups looked up next to the recipe first, then in the
 * copy of SuperGradients' recipe groups bundled with kdflow), command-line overrides, the {@code
 * variable_setup} shortcuts ({@code lr}, {@code batch_size}, ...) and OmegaConf's {@code ${...}}
 * interpolation (including {@code ${oc.env:NAME[,default]}}).
 *
 * <p>Supported defaults-list entries: {@code _self_}, a config of the same group ({@code -
 * default_train_params}), and {@code group: option} (a null option selects nothing). Hydra's {@code
 * override}, {@code optional} and {@code @package} forms are rejected naming the entry.
 */
public final class HydraRecipe {
  /** Classpath folder of the bundled SuperGradients recipe groups. */
  public static final String BUNDLED_RECIPES = "/dev/kdflow/trainer/recipe/sg-recipes/";

  /**
   * SuperGradients' recipe shortcuts ({@code recipes/variable_setup.yaml} and its {@code
   * RecipeShortcutsCallback}): root key to the keys it sets when not null.
   */
  static final Map<String, List<String>> SHORTCUTS =
      Map.of(
          "lr",
          List.of("training_hyperparams.initial_lr"),
          "batch_size",
          List.of("dataset_params.train_dataloader_params.batch_size"),
          "val_batch_size",
          List.of("dataset_params.val_dataloader_params.batch_size"),
          "resume",
          List.of("training_hyperparams.resume"),
          "epochs",
          List.of("training_hyperparams.max_epochs"),
          "ema",
          List.of("training_hyperparams.ema"),
          "num_workers",
          List.of(
              "dataset_params.train_dataloader_params.num_workers",
              "dataset_params.val_dataloader_params.num_workers"));

  private static final List<String> SHORTCUT_ORDER =
      List.of("lr", "batch_size", "val_batch_size", "resume", "epochs", "ema", "num_workers");

  private static final ObjectMapper YAML = new YAMLMapper();
  private static final Pattern EXPONENT_FLOAT = Pattern.compile("[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+");
  private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([^${}]*)}");

  private final Function<String, JsonNode> source;

  private HydraRecipe(Function<String, JsonNode> source) {
    this.source = source;
  }

  /**
   * Composes a recipe: its {@code defaults:} list resolved, groups looked up in {@code recipeDir}
   * and then in the bundled SuperGradients recipes. Interpolations are left in place (overrides
   * come next, and interpolation reads their values).
   *
   * @param recipe the recipe's root mapping, as read
   * @param recipeDir the recipe's directory
   * @return a new, composed tree
   * @throws InvalidExperimentException naming the defaults entry that cannot be resolved
   */
  public static ObjectNode compose(ObjectNode recipe, Path recipeDir) {
    HydraRecipe hydra = new HydraRecipe(relative -> find(recipeDir, relative));
    ObjectNode composed = hydra.composeConfig(recipe.deepCopy(), "", "defaults");
    // Hydra keeps its own settings out of the job's config.
    composed.remove("hydra");
    return composed;
  }

  /**
   * Applies SuperGradients' recipe shortcuts: a non-null {@code lr}, {@code batch_size}, ... sets
   * its target; a null one takes the target's value (as {@code RecipeShortcutsCallback} does).
   */
  public static void applyShortcuts(ObjectNode root) {
    for (String shortcut : SHORTCUT_ORDER) {
      if (!root.has(shortcut)) {
        continue;
      }
      for (String target : SHORTCUTS.get(shortcut)) {
        JsonNode value = resolved(root, root.get(shortcut), shortcut);
        if (value == null || value.isNull()) {
          JsonNode main = get(root, target);
          value = main == null ? null : resolved(root, main, target);
        }
        JsonNode v = value == null ? JsonNodeFactory.instance.nullNode() : value;
        root.set(shortcut, v.deepCopy());
        if (v.isNull() && get(root, target) == null) {
          continue;
        }
        ObjectNode parent = root;
        for (String part : parentOf(target).split("\\.")) {
          JsonNode child = parent.get(part);
          if (child instanceof ObjectNode object) {
            parent = object;
          } else if (child == null || child.isNull()) {
            parent = parent.putObject(part);
          } else {
            throw new InvalidExperimentException(
                part, "must be a mapping to take the shortcut " + shortcut);
          }
        }
        if (!v.isNull() || parent.has(lastOf(target))) {
          parent.set(lastOf(target), v.deepCopy());
        }
      }
    }
  }

  /**
   * Resolves every {@code ${...}} interpolation in place. A value that is exactly one interpolation
   * takes the referenced node (number, list, mapping); one embedded in text is replaced by the
   * referenced value's text.
   *
   * @throws InvalidExperimentException naming the key whose interpolation cannot be resolved
   */
  public static void interpolate(ObjectNode root) {
    readFloatsAsOmegaConf(root);
    resolveAll(root, root, "");
  }

  /**
   * OmegaConf reads {@code 5e-3} (an exponent without a decimal point) as a float; YAML 1.1, and so
   * Jackson, reads it as text. Without this a recipe's {@code initial_lr: 5e-3} would be a string
   * here and a number in SuperGradients.
   */
  private static void readFloatsAsOmegaConf(JsonNode node) {
    if (node instanceof ObjectNode object) {
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        object.set(name, omegaConfFloat(object.get(name)));
        readFloatsAsOmegaConf(object.get(name));
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        array.set(i, omegaConfFloat(array.get(i)));
        readFloatsAsOmegaConf(array.get(i));
      }
    }
  }

  private static JsonNode omegaConfFloat(JsonNode value) {
    if (value.isTextual() && EXPONENT_FLOAT.matcher(value.asText()).matches()) {
      return DoubleNode.valueOf(Double.parseDouble(value.asText().replace("_", "")));
    }
    return value;
  }

  private static void resolveAll(ObjectNode root, JsonNode node, String path) {
    if (node instanceof ObjectNode object) {
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        String at = path.isEmpty() ? name : path + "." + name;
        object.set(name, resolved(root, object.get(name), at));
        resolveAll(root, object.get(name), at);
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        String at = path + "[" + i + "]";
        array.set(i, resolved(root, array.get(i), at));
        resolveAll(root, array.get(i), at);
      }
    }
  }

  private static JsonNode resolved(ObjectNode root, JsonNode value, String path) {
    return resolved(root, value, path, new HashSet<>());
  }

  private static JsonNode resolved(
      ObjectNode root, JsonNode value, String path, Set<String> visiting) {
    if (value == null || !value.isTextual() || !value.asText().contains("${")) {
      return value;
    }
    if (!visiting.add(path)) {
      throw new InvalidExperimentException(path, "interpolation refers to itself: " + value);
    }
    String text = value.asText();
    Matcher whole = INTERPOLATION.matcher(text);
    if (whole.matches()) {
      JsonNode target = lookup(root, whole.group(1).strip(), path, visiting);
      visiting.remove(path);
      return target;
    }
    Matcher m = INTERPOLATION.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      JsonNode target = lookup(root, m.group(1).strip(), path, visiting);
      if (target != null && target.isContainerNode()) {
        throw new InvalidExperimentException(
            path, "${" + m.group(1) + "} is a mapping or list and cannot be part of a string");
      }
      m.appendReplacement(
          out,
          Matcher.quoteReplacement(target == null || target.isNull() ? "None" : target.asText()));
    }
    m.appendTail(out);
    if (out.indexOf("${") >= 0) {
      throw new InvalidExperimentException(path, "nested interpolation is not supported: " + text);
    }
    visiting.remove(path);
    return TextNode.valueOf(out.toString());
  }

  private static JsonNode lookup(ObjectNode root, String expr, String path, Set<String> visiting) {
    if (expr.startsWith("oc.env:")) {
      String[] parts = expr.substring("oc.env:".length()).split(",", 2);
      String value = System.getenv(parts[0].strip());
      if (value != null) {
        return TextNode.valueOf(value);
      }
      if (parts.length == 2) {
        return scalar(parts[1].strip(), path);
      }
      throw new InvalidExperimentException(
          path,
          "${"
              + expr
              + "}: environment variable "
              + parts[0].strip()
              + " is not set and no default is given (${oc.env:NAME,default})");
    }
    if (expr.contains(":")) {
      throw new InvalidExperimentException(
          path,
          "${"
              + expr
              + "}: kdflow resolves plain ${a.b.c} references and ${oc.env:...} only; write the"
              + " value instead");
    }
    if (expr.startsWith(".")) {
      throw new InvalidExperimentException(
          path,
          "${" + expr + "}: write the absolute path (relative interpolation is not supported)");
    }
    JsonNode target = get(root, expr);
    if (target == null) {
      throw new InvalidExperimentException(
          path, "${" + expr + "}: the recipe has no key " + expr + " to interpolate");
    }
    return resolved(root, target, expr, visiting);
  }

  private static JsonNode scalar(String text, String path) {
    String t = text;
    if (t.length() >= 2
        && (t.startsWith("'") && t.endsWith("'") || t.startsWith("\"") && t.endsWith("\""))) {
      return TextNode.valueOf(t.substring(1, t.length() - 1));
    }
    try {
      JsonNode n = YAML.readTree(t);
      return n == null || n.isMissingNode() ? TextNode.valueOf(t) : n;
    } catch (JsonProcessingException e) {
      throw new InvalidExperimentException(path, "cannot read the default '" + t + "'");
    }
  }

  /** The node at a dotted path (list elements by index), or null. */
  static JsonNode get(JsonNode root, String dotted) {
    JsonNode n = root;
    if (dotted.isEmpty()) {
      return n;
    }
    for (String part : dotted.split("\\.")) {
      if (n == null) {
        return null;
      }
      n = n.isArray() && part.matches("\\d+") ? n.get(Integer.parseInt(part)) : n.get(part);
    }
    return n;
  }

  private static String parentOf(String dotted) {
    int dot = dotted.lastIndexOf('.');
    return dot < 0 ? "" : dotted.substring(0, dot);
  }

  private static String lastOf(String dotted) {
    return dotted.substring(dotted.lastIndexOf('.') + 1);
  }

  /**
   * Composes one config: its defaults list merged in order, its own content at {@code _self_} (at
   * the end when the list has no {@code _self_}, as Hydra 1.1+ does).
   *
   * @param group the config's group folder ("" for the recipe itself)
   */
  private ObjectNode composeConfig(ObjectNode config, String group, String where) {
    JsonNode defaults = config.remove("defaults");
    if (defaults == null || defaults.isNull()) {
      return config;
    }
    if (!defaults.isArray()) {
      throw new InvalidExperimentException(where, "must be a list (Hydra's defaults list)");
    }
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    boolean self = false;
    for (int i = 0; i < defaults.size(); i++) {
      JsonNode entry = defaults.get(i);
      String at = where + "[" + i + "]";
      if (entry.isTextual() && entry.asText().equals("_self_")) {
        merge(result, config);
        self = true;
      } else if (entry.isTextual()) {
        String file = (group.isEmpty() ? "" : group + "/") + entry.asText();
        merge(result, composeConfig(load(file, at), group, file + ".yaml: defaults"));
      } else if (entry.isObject() && entry.size() == 1) {
        Map.Entry<String, JsonNode> choice = entry.properties().iterator().next();
        String key = choice.getKey();
        if (key.contains(" ") || key.contains("@")) {
          throw new InvalidExperimentException(
              at,
              "Hydra's override/optional/@package defaults are not supported ("
                  + key
                  + "); list the group as 'group: option'");
        }
        if (choice.getValue().isNull()) {
          continue;
        }
        if (!choice.getValue().isTextual()) {
          throw new InvalidExperimentException(
              at, "the option of group " + key + " must be a config name");
        }
        String childGroup = (group.isEmpty() ? "" : group + "/") + key;
        String file = childGroup + "/" + choice.getValue().asText();
        ObjectNode child = composeConfig(load(file, at), childGroup, file + ".yaml: defaults");
        ObjectNode wrapped = JsonNodeFactory.instance.objectNode();
        ObjectNode inner = wrapped;
        String[] parts = key.split("/");
        for (int p = 0; p < parts.length - 1; p++) {
          inner = inner.putObject(parts[p]);
        }
        inner.set(parts[parts.length - 1], child);
        merge(result, wrapped);
      } else {
        throw new InvalidExperimentException(
            at, "a defaults entry is _self_, a config name, or 'group: option'; got " + entry);
      }
    }
    if (!self) {
      merge(result, config);
    }
    return result;
  }

  private ObjectNode load(String relative, String at) {
    JsonNode node = source.apply(relative + ".yaml");
    if (node == null) {
      throw new InvalidExperimentException(
          at,
          "no config "
              + relative
              + ".yaml next to the recipe nor among the SuperGradients recipe groups kdflow"
              + " bundles (training_hyperparams/default_train_params,"
              + " imagenet_resnet50_kd_train_params, dataset_params/imagenet_dataset_params,"
              + " checkpoint_params/default_checkpoint_params, variable_setup, ...)");
    }
    if (!node.isObject()) {
      throw new InvalidExperimentException(at, relative + ".yaml must hold a YAML mapping");
    }
    return (ObjectNode) node;
  }

  /** OmegaConf's merge: mappings merge key by key, anything else (lists too) is replaced. */
  static void merge(ObjectNode into, JsonNode from) {
    for (Map.Entry<String, JsonNode> f : from.properties()) {
      JsonNode existing = into.get(f.getKey());
      if (existing instanceof ObjectNode e && f.getValue().isObject()) {
        merge(e, f.getValue());
      } else {
        into.set(f.getKey(), f.getValue().deepCopy());
      }
    }
  }

  private static JsonNode find(Path recipeDir, String relative) {
    Path local = recipeDir == null ? null : recipeDir.resolve(relative);
    try {
      if (local != null && Files.isRegularFile(local)) {
        return YAML.readTree(local.toFile());
      }
      try (InputStream in = HydraRecipe.class.getResourceAsStream(BUNDLED_RECIPES + relative)) {
        return in == null ? null : YAML.readTree(in);
      }
    } catch (IOException e) {
      throw new InvalidExperimentException(relative, "cannot read: " + e.getMessage());
    }
  }
}
