package dev.kdflow.operator.reconciler;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.operator.dependent.ControllerReference;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether an object named as one of an experiment's children really is its child: matched by the
 * owner's UID, never by name, so a KDExperiment deleted and re-created under the same name never
 * adopts the Job of its predecessor before the garbage collector removes it.
 */
final class ChildOwnership {
  private ChildOwnership() {}

  /** Why a child's name cannot be used, and whether only the user can resolve it. */
  record Clash(String message, boolean needsUser) {}

  /** True when the object has an owner reference to this experiment's UID. */
  static boolean ownedBy(HasMetadata child, KDExperiment kdx) {
    return ControllerReference.isOwnedBy(child, kdx);
  }

  /**
   * The clash when {@code existing} (the object holding a child's name, or null) is not this
   * experiment's; empty when the name is free or the object is its own.
   */
  static Optional<Clash> clash(HasMetadata existing, KDExperiment kdx) {
    if (existing == null || ownedBy(existing, kdx)) {
      return Optional.empty();
    }
    String what =
        existing.getKind()
            + " "
            + existing.getMetadata().getName()
            + " in namespace "
            + kdx.getMetadata().getNamespace();
    Optional<OwnerReference> controller =
        owners(existing).stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst();
    Optional<OwnerReference> owner = controller.or(() -> owners(existing).stream().findFirst());
    if (owner.isPresent()
        && KDExperiment.class.getSimpleName().equals(owner.get().getKind())
        && Objects.equals(owner.get().getName(), kdx.getMetadata().getName())) {
      return Optional.of(
          new Clash(
              what
                  + " belongs to an earlier KDExperiment of the same name (uid "
                  + owner.get().getUid()
                  + "); waiting for the garbage collector to delete it before creating this"
                  + " experiment's own",
              false));
    }
    if (owner.isPresent()) {
      return Optional.of(
          new Clash(
              what
                  + " is owned by "
                  + owner.get().getKind()
                  + " "
                  + owner.get().getName()
                  + ", not by this KDExperiment; rename the experiment or delete that object",
              true));
    }
    return Optional.of(
        new Clash(
            what
                + " exists and is not owned by this KDExperiment (created by hand, or left by a"
                + " deletion with --cascade=orphan); delete it or rename the experiment",
            true));
  }

  private static List<OwnerReference> owners(HasMetadata o) {
    return o.getMetadata().getOwnerReferences() == null
        ? List.of()
        : o.getMetadata().getOwnerReferences();
  }
}
