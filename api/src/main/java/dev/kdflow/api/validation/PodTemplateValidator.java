package dev.kdflow.api.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.PodTemplateOverrides;
import dev.kdflow.api.SchedulingSpec;
import dev.kdflow.api.StorageSpec;
import dev.kdflow.api.trainer.TrainerImageContract;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules for {@code spec.podTemplate}: what a user adds to the training pod may not replace or
 * shadow what the operator sets (its volumes, mounts, environment variables and labels), and must
 * be what the API server would accept, so a bad value is reported at its field path before any Job
 * exists. Pure.
 */
final class PodTemplateValidator {
  /** Paths the operator mounts or the trainer image needs; user mounts may not cover them. */
  static final List<String> OPERATOR_PATHS =
      List.of(
          TrainerImageContract.CONFIG_DIR,
          "/tmp",
          "/dev/shm",
          TrainerImageContract.TERMINATION_MESSAGE_PATH,
          "/opt/kdflow");

  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile(SchedulingSpec.DNS_SUBDOMAIN_PATTERN);
  private static final Pattern LABEL_VALUE = Pattern.compile(SchedulingSpec.LABEL_VALUE_PATTERN);
  private static final Pattern KEY_NAME =
      Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");

  /** Kubernetes 1.34 accepts any printable ASCII character but '=' in an environment name. */
  private static final Pattern ENV_NAME = Pattern.compile("^[!-<>-~]+$");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<ValidationProblem> problems;
  private final String p = "spec.podTemplate";

  private PodTemplateValidator(List<ValidationProblem> problems) {
    this.problems = problems;
  }

  /** Adds the problems of {@code spec.podTemplate} (and of dataset.path against it). */
  static void validate(KDExperimentSpec spec, List<ValidationProblem> problems) {
    PodTemplateOverrides t = spec.getPodTemplate();
    if (t == null) {
      return;
    }
    PodTemplateValidator v = new PodTemplateValidator(problems);
    v.labels(t.getLabels());
    v.annotations(t.getAnnotations());
    v.name(v.p + ".serviceAccountName", t.getServiceAccountName());
    v.name(v.p + ".runtimeClassName", t.getRuntimeClassName());
    v.imagePullSecrets(t.getImagePullSecrets());
    v.env(t.getEnv());
    v.envFrom(t.getEnvFrom());
    Set<String> volumes = v.volumes(t.getVolumes());
    v.volumeMounts(t.getVolumeMounts(), volumes, checkpointMountPath(spec));
    v.datasetPath(spec, t.getVolumeMounts(), t.getVolumes());
  }

  private static String checkpointMountPath(KDExperimentSpec spec) {
    StorageSpec s = spec.getStorage();
    return s == null || s.getMountPath() == null
        ? StorageSpec.DEFAULT_MOUNT_PATH
        : s.getMountPath();
  }

  private void labels(Map<String, String> labels) {
    if (labels == null) {
      return;
    }
    labels.forEach(
        (k, v) -> {
          String at = p + ".labels." + k;
          if (!qualifiedName(k)) {
            add(at, "must be a label key ([prefix/]name, name at most 63 characters)");
          } else if (PodTemplateOverrides.OPERATOR_LABELS.contains(k) || operatorPrefix(k)) {
            add(
                at,
                "is set by the operator, the Job controller or Kueue (they select the pod by it);"
                    + " choose another key");
          }
          if (v == null || !LABEL_VALUE.matcher(v).matches()) {
            add(
                at,
                "must be a label value (at most 63 letters, digits, '-', '_', '.'), got '"
                    + v
                    + "'");
          }
        });
  }

  private void annotations(Map<String, String> annotations) {
    if (annotations == null) {
      return;
    }
    annotations.forEach(
        (k, v) -> {
          String at = p + ".annotations." + k;
          if (!qualifiedName(k)) {
            add(at, "must be an annotation key ([prefix/]name, name at most 63 characters)");
          } else if (operatorPrefix(k)) {
            add(
                at,
                "keys under "
                    + String.join(", ", PodTemplateOverrides.OPERATOR_LABEL_PREFIXES)
                    + " are the operator's, the Job controller's or Kueue's; choose another key");
          }
          if (v == null) {
            add(at, "must be a string (quote it), got null");
          }
        });
  }

  private static boolean operatorPrefix(String key) {
    return PodTemplateOverrides.OPERATOR_LABEL_PREFIXES.stream().anyMatch(key::startsWith);
  }

  private static boolean qualifiedName(String key) {
    if (key == null || key.isEmpty()) {
      return false;
    }
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    return (prefix == null
            || (!prefix.isEmpty()
                && prefix.length() <= 253
                && DNS_SUBDOMAIN.matcher(prefix).matches()))
        && KEY_NAME.matcher(name).matches();
  }

  private void imagePullSecrets(List<LocalObjectReference> secrets) {
    if (secrets == null) {
      return;
    }
    for (int i = 0; i < secrets.size(); i++) {
      LocalObjectReference s = secrets.get(i);
      String at = p + ".imagePullSecrets[" + i + "].name";
      if (s == null || s.getName() == null || s.getName().isEmpty()) {
        add(at, "required: the name of a Secret of type kubernetes.io/dockerconfigjson");
      } else {
        name(at, s.getName());
      }
    }
  }

  private void env(List<EnvVar> env) {
    if (env == null) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < env.size(); i++) {
      EnvVar e = env.get(i);
      String at = p + ".env[" + i + "]";
      if (e == null || e.getName() == null || e.getName().isEmpty()) {
        add(at + ".name", "required");
        continue;
      }
      String n = e.getName();
      if (!ENV_NAME.matcher(n).matches()) {
        add(at + ".name", "must be printable ASCII without '=' or spaces, got '" + n + "'");
      } else if (PodTemplateOverrides.OPERATOR_ENV.contains(n)
          || n.startsWith(PodTemplateOverrides.OPERATOR_ENV_PREFIX)) {
        add(
            at + ".name",
            "'"
                + n
                + "' is set by the operator (HOME and KDFLOW_* belong to it); choose another"
                + " name");
      } else if (!seen.add(n)) {
        add(at + ".name", "'" + n + "' is given twice");
      }
      if (e.getValue() != null && e.getValueFrom() != null) {
        add(at, "set value or valueFrom, not both");
      }
    }
  }

  private void envFrom(List<EnvFromSource> envFrom) {
    if (envFrom == null) {
      return;
    }
    for (int i = 0; i < envFrom.size(); i++) {
      EnvFromSource e = envFrom.get(i);
      String at = p + ".envFrom[" + i + "]";
      boolean cm = e != null && e.getConfigMapRef() != null;
      boolean secret = e != null && e.getSecretRef() != null;
      if (cm == secret) {
        add(at, "set exactly one of configMapRef or secretRef");
        continue;
      }
      String n = cm ? e.getConfigMapRef().getName() : e.getSecretRef().getName();
      String field = at + (cm ? ".configMapRef.name" : ".secretRef.name");
      if (n == null || n.isEmpty()) {
        add(field, "required");
      } else {
        name(field, n);
      }
      if (e.getPrefix() != null
          && e.getPrefix().startsWith(PodTemplateOverrides.OPERATOR_ENV_PREFIX)) {
        add(
            at + ".prefix",
            "variables starting with KDFLOW_ are the operator's; choose another prefix");
      }
    }
  }

  /** Checks the volumes; returns the names of the well-formed ones. */
  private Set<String> volumes(List<Volume> volumes) {
    Set<String> names = new HashSet<>();
    if (volumes == null) {
      return names;
    }
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      String at = p + ".volumes[" + i + "]";
      if (v == null || v.getName() == null || v.getName().isEmpty()) {
        add(at + ".name", "required");
        continue;
      }
      String n = v.getName();
      if (n.length() > 63 || !DNS_LABEL.matcher(n).matches()) {
        add(
            at + ".name",
            "must be lower-case letters, digits and '-' (at most 63), got '" + n + "'");
      } else if (PodTemplateOverrides.OPERATOR_VOLUMES.contains(n)) {
        add(
            at + ".name",
            "'"
                + n
                + "' is one of the operator's volumes ("
                + String.join(
                    ", ", PodTemplateOverrides.OPERATOR_VOLUMES.stream().sorted().toList())
                + "); choose another name");
      } else if (!names.add(n)) {
        add(at + ".name", "'" + n + "' is given twice");
      }
      Map<?, ?> fields = JSON.convertValue(v, LinkedHashMap.class);
      fields.remove("name");
      fields.values().removeIf(x -> x == null);
      if (fields.size() != 1) {
        add(
            at,
            "set exactly one volume source (e.g. persistentVolumeClaim, configMap, secret), got "
                + (fields.isEmpty() ? "none" : String.join(", ", keys(fields))));
      }
    }
    return names;
  }

  private static List<String> keys(Map<?, ?> m) {
    List<String> k = new ArrayList<>();
    m.keySet().forEach(x -> k.add(String.valueOf(x)));
    return k;
  }

  private void volumeMounts(List<VolumeMount> mounts, Set<String> volumes, String checkpoints) {
    if (mounts == null) {
      return;
    }
    Set<String> paths = new HashSet<>();
    for (int i = 0; i < mounts.size(); i++) {
      VolumeMount m = mounts.get(i);
      String at = p + ".volumeMounts[" + i + "]";
      if (m == null) {
        add(at, "must not be null");
        continue;
      }
      if (m.getName() == null || m.getName().isEmpty()) {
        add(at + ".name", "required: a volume from podTemplate.volumes");
      } else if (PodTemplateOverrides.OPERATOR_VOLUMES.contains(m.getName())) {
        add(
            at + ".name",
            "'"
                + m.getName()
                + "' is the operator's volume; mount a volume from podTemplate.volumes");
      } else if (!volumes.contains(m.getName())) {
        add(
            at + ".name",
            "no volume '" + m.getName() + "' in podTemplate.volumes; declare it there");
      }
      String path = m.getMountPath();
      if (path == null || path.isEmpty()) {
        add(at + ".mountPath", "required: an absolute path such as /data");
        continue;
      }
      String normalized = normalize(path);
      if (!path.startsWith("/")
          || path.chars().anyMatch(Character::isWhitespace)
          || path.contains(":")
          || List.of(path.split("/")).contains("..")) {
        add(
            at + ".mountPath",
            "must be an absolute path without spaces, ':' or '..', got '" + path + "'");
      } else {
        List<String> taken = new ArrayList<>(OPERATOR_PATHS);
        taken.add(normalize(checkpoints));
        for (String r : taken) {
          if (normalized.equals("/") || overlaps(normalized, r)) {
            add(
                at + ".mountPath",
                "'"
                    + path
                    + "' covers or lies under "
                    + r
                    + (r.equals(normalize(checkpoints))
                        ? ", the checkpoint volume (storage.mountPath)"
                        : ", which the operator or the trainer image uses")
                    + "; mount it elsewhere, e.g. /data");
            break;
          }
        }
        if (!paths.add(normalized)) {
          add(at + ".mountPath", "'" + path + "' is mounted twice");
        }
      }
      String sub = m.getSubPath();
      if (sub != null && (sub.startsWith("/") || List.of(sub.split("/")).contains(".."))) {
        add(at + ".subPath", "must be a relative path without '..', got '" + sub + "'");
      }
    }
  }

  /**
   * On a cluster the trainer reads dataset.path inside the pod: say so when it is under no volume
   * (the data would have to be in the image), and when it is on a writable mount (a read-only
   * dataset claim cannot be changed by a training bug). A mount of a claim volume with {@code
   * persistentVolumeClaim.readOnly: true} is read-only whatever the mount says: Kubernetes forces
   * it.
   */
  private void datasetPath(KDExperimentSpec spec, List<VolumeMount> mounts, List<Volume> volumes) {
    DatasetSpec d = spec.getDataset();
    if (d == null || d.getPath() == null || mounts == null || mounts.isEmpty()) {
      return;
    }
    String path = normalize(d.getPath());
    if (!path.startsWith("/")) {
      return;
    }
    boolean underCheckpoints = overlaps(path, normalize(checkpointMountPath(spec)));
    VolumeMount under =
        mounts.stream()
            .filter(m -> m != null && m.getMountPath() != null)
            .filter(
                m -> {
                  String mp = normalize(m.getMountPath());
                  return path.equals(mp) || path.startsWith(mp + "/");
                })
            .findFirst()
            .orElse(null);
    if (under == null && !underCheckpoints) {
      problems.add(
          ValidationProblem.warning(
              "spec.dataset.path",
              "'"
                  + d.getPath()
                  + "' is under none of podTemplate.volumeMounts nor the checkpoint volume, so"
                  + " the trainer image must contain it; mount the dataset's volume above it"));
    } else if (under != null && !readOnly(under, volumes)) {
      problems.add(
          ValidationProblem.warning(
              "spec.dataset.path",
              "'"
                  + d.getPath()
                  + "' is on the writable mount "
                  + under.getMountPath()
                  + "; set readOnly: true on it so training cannot change the dataset"));
    }
  }

  /**
   * Whether the container sees the mount read-only: the mount says so, or its claim volume does.
   */
  private static boolean readOnly(VolumeMount mount, List<Volume> volumes) {
    if (Boolean.TRUE.equals(mount.getReadOnly())) {
      return true;
    }
    return volumes != null
        && volumes.stream()
            .anyMatch(
                v ->
                    v != null
                        && mount.getName() != null
                        && mount.getName().equals(v.getName())
                        && v.getPersistentVolumeClaim() != null
                        && Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly()));
  }

  private static String normalize(String path) {
    String n = path;
    while (n.length() > 1 && n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    return n;
  }

  /** True when one path is the other or lies under it. */
  private static boolean overlaps(String a, String b) {
    return a.equals(b) || a.startsWith(b + "/") || b.startsWith(a + "/");
  }

  private void name(String path, String value) {
    if (value != null
        && (value.isEmpty() || value.length() > 253 || !DNS_SUBDOMAIN.matcher(value).matches())) {
      add(
          path,
          "must be a Kubernetes name (lower-case letters, digits, '-' and '.'), got '"
              + value
              + "'");
    }
  }

  private void add(String path, String message) {
    problems.add(ValidationProblem.error(path, message));
  }
}
