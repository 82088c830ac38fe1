package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Resolves the defaults of the {@code api} types, whose field initialisers are the only place a
 * default is written. A spec built in Java, read from a manifest with explicit {@code null}s, or
 * with whole sections left out gets, field by field, exactly what {@code new TrainingSpec()} (and
 * so on) holds; code that reads a resolved spec never needs a fallback of its own.
 */
public final class SpecDefaults {
  /**
   * Writes only set fields; reads into fresh objects, so every unset field keeps its initialiser.
   */
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .defaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS))
          .defaultSetterInfo(JsonSetter.Value.forValueNulls(Nulls.SKIP))
          .build();

  private SpecDefaults() {}

  /**
   * A copy of {@code value} with every unset ({@code null}) field, nested sections included, set to
   * its {@code api} default. Fields whose default is "unset" (e.g. {@code clipGradNorm}) stay null.
   *
   * @param value a spec or one of its sections; null gives the type's defaults
   * @param type the value's type
   */
  public static <T> T resolve(T value, Class<T> type) {
    try {
      return MAPPER.treeToValue(
          value == null ? MAPPER.createObjectNode() : MAPPER.valueToTree(value), type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot copy a " + type.getSimpleName() + ": " + e, e);
    }
  }
}
