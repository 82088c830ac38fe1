package dev.kdflow.trainer.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.validation.ValidationProblem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A view of one mapping of a recipe that remembers which keys were read, so that every key kdflow
 * does not honour can be reported with its path instead of being silently ignored. Type errors are
 * collected, not thrown, so one pass reports every problem.
 */
final class RecipeNode {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonNode node;
  private final String path;
  private final List<ValidationProblem> problems;
  private final Set<String> consumed = new HashSet<>();
  private final List<RecipeNode> children = new ArrayList<>();

  RecipeNode(JsonNode node, String path, List<ValidationProblem> problems) {
    this.node = node;
    this.path = path;
    this.problems = problems;
  }

  /** The mapping itself (to tell an explicit null from an absent key). */
  JsonNode node() {
    return node;
  }

  String path() {
    return path;
  }

  String at(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    JsonNode v = node.get(key);
    return v != null && !v.isNull();
  }

  /** Marks a key as understood without reading it (e.g. a value that must merely be absent). */
  JsonNode raw(String key) {
    consumed.add(key);
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  void problem(String key, String message) {
    problems.add(ValidationProblem.error(at(key), message));
  }

  RecipeNode object(String key) {
    JsonNode v = raw(key);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      problem(key, "must be a mapping, got " + describe(v));
      return null;
    }
    RecipeNode child = new RecipeNode(v, at(key), problems);
    children.add(child);
    return child;
  }

  /** Reports {@code key} as unsupported, with the fix in {@code message}, when it is present. */
  void reject(String key, String message) {
    if (raw(key) != null) {
      problem(key, message);
    }
  }

  String string(String key) {
    return typed(key, JsonNode::isTextual, "a string", JsonNode::asText);
  }

  Integer integer(String key) {
    return typed(
        key,
        v -> v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble())),
        "an integer",
        JsonNode::asInt);
  }

  Double number(String key) {
    return typed(key, JsonNode::isNumber, "a number", JsonNode::asDouble);
  }

  Boolean bool(String key) {
    return typed(key, JsonNode::isBoolean, "true or false", JsonNode::asBoolean);
  }

  /**
   * The value at {@code key} when it is of the expected kind; null when absent, and null plus a
   * problem naming the key when it is of another kind.
   */
  private <T> T typed(
      String key, Predicate<JsonNode> accepts, String expected, Function<JsonNode, T> value) {
    JsonNode v = raw(key);
    if (v == null) {
      return null;
    }
    if (!accepts.test(v)) {
      problem(key, "must be " + expected + ", got " + describe(v));
      return null;
    }
    return value.apply(v);
  }

  <T> List<T> list(String key, Function<JsonNode, T> element, String elementKind) {
    JsonNode v = raw(key);
    if (v == null) {
      return null;
    }
    if (!v.isArray()) {
      problem(key, "must be a list of " + elementKind + ", got " + describe(v));
      return null;
    }
    List<T> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      T t = element.apply(v.get(i));
      if (t == null) {
        problem(key + "[" + i + "]", "must be " + elementKind + ", got " + describe(v.get(i)));
        return null;
      }
      out.add(t);
    }
    return out;
  }

  static Integer asInt(JsonNode n) {
    return n.isIntegralNumber() ? Integer.valueOf(n.asInt()) : null;
  }

  static Double asDouble(JsonNode n) {
    return n.isNumber() ? Double.valueOf(n.asDouble()) : null;
  }

  /** A free-form mapping (architecture parameters), converted to plain Java values. */
  @SuppressWarnings("unchecked")
  Map<String, Object> map(String key) {
    JsonNode v = raw(key);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      problem(key, "must be a mapping, got " + describe(v));
      return null;
    }
    return JSON.convertValue(v, LinkedHashMap.class);
  }

  /** Reports every key of this mapping and its read children that nobody read. */
  void reportUnread(String hint) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!consumed.contains(name)) {
        problem(name, "kdflow does not support this key" + hint);
      }
    }
    for (RecipeNode child : children) {
      child.reportUnread(hint);
    }
  }

  static String describe(JsonNode v) {
    if (v == null || v.isNull()) {
      return "null";
    }
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    if (v.isTextual()) {
      return "'" + v.asText() + "'";
    }
    return v.toString();
  }
}
