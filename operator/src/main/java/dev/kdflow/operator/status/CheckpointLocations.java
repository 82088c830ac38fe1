package dev.kdflow.operator.status;

import dev.kdflow.api.CheckpointRef;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.StorageSpec;
import dev.kdflow.operator.dependent.ChildNames;
import dev.kdflow.operator.dependent.ChildResources;

/**
 * Where an experiment's checkpoints are, as a user can reach them: the path inside the training pod
 * and, when the checkpoint volume is a claim, {@code pvc://CLAIM/PATH}. Pure.
 *
 * <p>The locations are derived from what the operator put in the Job (mount path, checkpoint
 * directory name, claim), taking only the checkpoint's own name ({@code ckpt_best}, {@code
 * ckpt_latest}, {@code ckpt_epoch_N}) from the trainer's report, so they are right however the
 * trainer's file system looked from inside.
 *
 * @param mountPath where the checkpoint volume is mounted in the pod
 * @param directory the experiment's directory under the mount path
 * @param claim the claim holding the volume, or null for an emptyDir
 */
public record CheckpointLocations(String mountPath, String directory, String claim) {

  /** The locations of the experiment's current attempt. */
  public static CheckpointLocations of(KDExperiment kdx) {
    StorageSpec storage = kdx.getSpec().getStorage();
    String claim = null;
    if (storage != null && storage.getExistingClaim() != null) {
      claim = storage.getExistingClaim();
    } else if (ChildResources.wantsNewClaim(kdx)) {
      claim = ChildNames.claim(kdx);
    }
    return new CheckpointLocations(
        ChildResources.mountPath(kdx.getSpec()), ChildResources.checkpointDirName(kdx), claim);
  }

  /**
   * The checkpoint the trainer reported at {@code reportedPath}, with its epoch and metric value.
   * Null when no path is given.
   */
  public CheckpointRef ref(String reportedPath, Integer epoch, Double metric) {
    String name = fileName(reportedPath);
    if (name == null) {
      return null;
    }
    String relative = directory + "/" + name;
    CheckpointRef ref = new CheckpointRef();
    String root = stripTrailingSlash(mountPath);
    ref.setPath((root.equals("/") ? "" : root) + "/" + relative);
    ref.setPvcPath(claim == null ? null : "pvc://" + claim + "/" + relative);
    ref.setEpoch(epoch);
    ref.setMetric(metric);
    return ref;
  }

  private static String fileName(String path) {
    if (path == null) {
      return null;
    }
    String p = stripTrailingSlash(path.strip());
    int slash = p.lastIndexOf('/');
    String name = slash < 0 ? p : p.substring(slash + 1);
    return name.isEmpty() ? null : name;
  }

  private static String stripTrailingSlash(String p) {
    String s = p;
    while (s.length() > 1 && s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }
}
