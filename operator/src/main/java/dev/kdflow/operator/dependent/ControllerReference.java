package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The owner reference every child carries: the experiment as its controller ({@code controller:
 * true}, {@code blockOwnerDeletion: true}), so {@code kubectl} and the garbage collector see one
 * managing owner, and children are matched to their experiment by its UID, never by name.
 */
public final class ControllerReference {
  private ControllerReference() {}

  /** Sets the experiment as the only owner and controller of {@code child}. */
  public static void set(HasMetadata child, KDExperiment kdx) {
    OwnerReference ref =
        new OwnerReferenceBuilder()
            .withApiVersion(kdx.getApiVersion())
            .withKind(kdx.getKind())
            .withName(kdx.getMetadata().getName())
            .withUid(kdx.getMetadata().getUid())
            .withController(true)
            .withBlockOwnerDeletion(true)
            .build();
    child.getMetadata().setOwnerReferences(new ArrayList<>(List.of(ref)));
  }

  /**
   * The object named {@code name} among {@code candidates} that this experiment owns (by UID), if
   * any. Both are checked on every candidate: an experiment owns several objects of one kind (the
   * training Job and the precompute Job), and the first owned one of a set is any of them.
   */
  public static <R extends HasMetadata> Optional<R> ownedBy(
      Set<R> candidates, KDExperiment kdx, String name) {
    return candidates.stream()
        .filter(r -> name.equals(r.getMetadata().getName()))
        .filter(r -> isOwnedBy(r, kdx))
        .findFirst();
  }

  /** True when {@code child} has an owner reference to this experiment's UID. */
  public static boolean isOwnedBy(HasMetadata child, KDExperiment kdx) {
    String uid = kdx.getMetadata().getUid();
    return uid != null
        && child.getMetadata().getOwnerReferences() != null
        && child.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid()));
  }
}
