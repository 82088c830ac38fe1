package dev.kdflow.operator.e2e;

import dev.kdflow.api.trainer.TrainerImageContract;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a kubelet would make of a training pod, on this machine: each volume a local directory
 * (ConfigMap files written out, a claim a directory that outlives pods, an emptyDir one per pod),
 * the termination-message file a local file, and the container's command and environment with
 * in-pod paths rewritten to those directories, the launcher to the repository's, and the status
 * port to a free local one.
 */
final class PodSandbox {
  final Path dir;
  final Path terminationFile;
  final Path log;
  final Path workingDir;
  final int statusPort;
  final List<String> command;
  final Map<String, String> environment;

  /** In-pod path → local directory, longest first. */
  private final Map<String, Path> mounts;

  private PodSandbox(
      Path dir,
      Path terminationFile,
      Path log,
      Path workingDir,
      int statusPort,
      Map<String, Path> mounts,
      List<String> command,
      Map<String, String> environment) {
    this.dir = dir;
    this.terminationFile = terminationFile;
    this.log = log;
    this.workingDir = workingDir;
    this.statusPort = statusPort;
    this.mounts = mounts;
    this.command = command;
    this.environment = environment;
  }

  /**
   * Lays out the pod's volumes under {@code dir}.
   *
   * @param pod the pod (its first container runs)
   * @param dir the pod's own directory (emptyDirs, termination message, log)
   * @param configMaps the namespace's ConfigMaps by name (null when absent)
   * @param claims the local directory of each claim, by claim name
   * @param image the trainer image as played here
   * @param statusPort the free local port the trainer serves /status on
   * @throws IllegalStateException when a ConfigMap the pod mounts does not exist (yet)
   */
  static PodSandbox prepare(
      Pod pod,
      Path dir,
      Function<String, ConfigMap> configMaps,
      Function<String, Path> claims,
      TrainerDistribution image,
      int statusPort)
      throws IOException {
    Container c = pod.getSpec().getContainers().get(0);
    Map<String, Volume> volumes = new LinkedHashMap<>();
    pod.getSpec().getVolumes().forEach(v -> volumes.put(v.getName(), v));
    Map<String, Path> mounts = new LinkedHashMap<>();
    for (VolumeMount m : c.getVolumeMounts()) {
      Volume v = volumes.get(m.getName());
      Path local;
      if (v.getConfigMap() != null) {
        ConfigMap cm = configMaps.apply(v.getConfigMap().getName());
        if (cm == null) {
          throw new IllegalStateException("configmap " + v.getConfigMap().getName() + " not found");
        }
        local = Files.createDirectories(dir.resolve("volumes").resolve(m.getName()));
        List<KeyToPath> items = v.getConfigMap().getItems();
        if (items == null || items.isEmpty()) {
          items = cm.getData().keySet().stream().map(k -> new KeyToPath(k, null, k)).toList();
        }
        for (KeyToPath item : items) {
          Files.writeString(
              local.resolve(item.getPath()),
              cm.getData().get(item.getKey()),
              StandardCharsets.UTF_8);
        }
      } else if (v.getPersistentVolumeClaim() != null) {
        local = Files.createDirectories(claims.apply(v.getPersistentVolumeClaim().getClaimName()));
      } else {
        local = Files.createDirectories(dir.resolve("volumes").resolve(m.getName()));
      }
      mounts.put(m.getMountPath(), local);
    }
    Map<String, Path> longestFirst = new LinkedHashMap<>();
    mounts.entrySet().stream()
        .sorted(Comparator.comparing((Map.Entry<String, Path> e) -> -e.getKey().length()))
        .forEach(e -> longestFirst.put(e.getKey(), e.getValue()));
    String terminationPath =
        c.getTerminationMessagePath() == null
            ? TrainerImageContract.TERMINATION_MESSAGE_PATH
            : c.getTerminationMessagePath();
    Path termination = Files.createFile(dir.resolve("termination-log"));
    longestFirst.put(terminationPath, termination);
    Path workingDir =
        longestFirst.getOrDefault("/tmp", Files.createDirectories(dir.resolve("cwd")));

    PodSandbox box =
        new PodSandbox(
            dir,
            termination,
            dir.resolve("trainer.log"),
            workingDir,
            statusPort,
            longestFirst,
            new ArrayList<>(),
            new LinkedHashMap<>(image.imageEnvironment()));
    List<String> argv = new ArrayList<>(c.getCommand());
    if (c.getArgs() != null) {
      argv.addAll(c.getArgs());
    }
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i);
      box.command.add(
          i == 0 && a.equals(TrainerImageContract.LAUNCHER)
              ? image.launcher().toString()
              : box.arg(a));
    }
    if (c.getEnv() != null) {
      for (EnvVar e : c.getEnv()) {
        String value =
            e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null
                ? fieldOf(pod, e.getValueFrom().getFieldRef().getFieldPath())
                : box.path(e.getValue());
        if (value != null) {
          box.environment.put(e.getName(), value);
        }
      }
    }
    return box;
  }

  /**
   * The pod field an environment variable's {@code fieldRef} names, as the kubelet resolves it (the
   * Job controller sets {@code JOB_COMPLETION_INDEX} from an annotation this way); null for a field
   * not played here.
   */
  static String fieldOf(Pod pod, String fieldPath) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("metadata\\.(annotations|labels)\\['(.+)'\\]")
            .matcher(fieldPath);
    if (m.matches()) {
      Map<String, String> values =
          m.group(1).equals("annotations")
              ? pod.getMetadata().getAnnotations()
              : pod.getMetadata().getLabels();
      return values == null ? null : values.get(m.group(2));
    }
    return switch (fieldPath) {
      case "metadata.name" -> pod.getMetadata().getName();
      case "metadata.namespace" -> pod.getMetadata().getNamespace();
      default -> null;
    };
  }

  private String arg(String a) {
    if (a.startsWith("--status-port=")) {
      return "--status-port=" + statusPort;
    }
    if (a.startsWith("--") && a.contains("=")) {
      int eq = a.indexOf('=');
      return a.substring(0, eq + 1) + path(a.substring(eq + 1));
    }
    if (!a.startsWith("/") && a.contains("=")) {
      int eq = a.indexOf('=');
      return a.substring(0, eq + 1) + path(a.substring(eq + 1));
    }
    return path(a);
  }

  /** An in-pod path as seen here; anything else unchanged. */
  String path(String inPod) {
    if (inPod == null) {
      return null;
    }
    for (Map.Entry<String, Path> m : mounts.entrySet()) {
      String mount = m.getKey();
      if (inPod.equals(mount)) {
        return m.getValue().toString();
      }
      if (inPod.startsWith(mount + "/")) {
        return m.getValue().resolve(inPod.substring(mount.length() + 1)).toString();
      }
    }
    return inPod;
  }
}
