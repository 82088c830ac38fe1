package dev.kdflow.operator.status;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.KDExperimentStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Claims the user names (spec.storage.existingClaim, persistentVolumeClaim volumes in
 * spec.podTemplate) must exist before the training Job is made: a pod on a missing claim stays
 * Pending without a word in the experiment's status. Pure: the caller says which claims exist.
 */
public final class MissingClaims {
  /** Condition reason while a claim the spec names does not exist. */
  public static final String CLAIM_NOT_FOUND = "ClaimNotFound";

  private MissingClaims() {}

  /** The claims the spec names, by the field path that names them, in spec order. */
  public static Map<String, String> namedClaims(KDExperimentSpec spec) {
    Map<String, String> claims = new LinkedHashMap<>();
    if (spec.getStorage() != null && spec.getStorage().getExistingClaim() != null) {
      claims.put("spec.storage.existingClaim", spec.getStorage().getExistingClaim());
    }
    List<Volume> volumes =
        spec.getPodTemplate() == null || spec.getPodTemplate().getVolumes() == null
            ? List.of()
            : spec.getPodTemplate().getVolumes();
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      if (v != null && v.getPersistentVolumeClaim() != null) {
        claims.put(
            "spec.podTemplate.volumes[" + i + "].persistentVolumeClaim.claimName",
            v.getPersistentVolumeClaim().getClaimName());
      }
    }
    return claims;
  }

  /**
   * The status while the first missing claim is missing, or empty when every named claim exists.
   * The experiment is Pending, Ready=False with reason {@link #CLAIM_NOT_FOUND} and a message that
   * names the field, the claim and the namespace.
   *
   * @param kdx the experiment, with its current status
   * @param exists whether a claim of that name exists in the experiment's namespace
   * @param now the time, for condition transitions
   */
  public static Optional<KDExperimentStatus> waiting(
      KDExperiment kdx, Predicate<String> exists, Instant now) {
    Optional<Map.Entry<String, String>> missing =
        namedClaims(kdx.getSpec()).entrySet().stream()
            .filter(e -> !exists.test(e.getValue()))
            .findFirst();
    if (missing.isEmpty()) {
      return Optional.empty();
    }
    String message =
        missing.get().getKey()
            + ": PersistentVolumeClaim '"
            + missing.get().getValue()
            + "' does not exist in namespace '"
            + kdx.getMetadata().getNamespace()
            + "'; create it (the training Job starts once it exists)"
            + (missing.get().getKey().startsWith("spec.storage")
                ? " or set storage.size instead to let the operator create one"
                : "");
    KDExperimentStatus s = StatusResolver.resolve(kdx, null, List.of(), now);
    s.setConditions(
        s.getConditions().stream()
            .map(
                c ->
                    KDExperimentStatus.READY.equals(c.getType())
                            || KDExperimentStatus.SUCCEEDED.equals(c.getType())
                        ? withReason(c, message)
                        : c)
            .toList());
    return Optional.of(s);
  }

  private static Condition withReason(Condition c, String message) {
    return new ConditionBuilder(c).withReason(CLAIM_NOT_FOUND).withMessage(message).build();
  }

  /** True when the status says a claim is missing. */
  public static boolean isWaiting(KDExperimentStatus status) {
    return status != null
        && status
            .condition(KDExperimentStatus.READY)
            .map(c -> CLAIM_NOT_FOUND.equals(c.getReason()))
            .orElse(false);
  }
}
