package dev.kdflow.api;

import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/**
 * Schema stand-in for free-form maps such as {@code archParams}: the CRD declares an object whose
 * values may be numbers, booleans or lists (a plain {@code Map<String, Object>} would be generated
 * as a map of objects). The values are checked by {@code
 * KDExperimentValidator.validateArchitecture}.
 */
@PreserveUnknownFields
public final class FreeFormObject {
  private FreeFormObject() {}
}
