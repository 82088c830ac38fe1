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
 *
 * <p>The process has no mount namespace of its own, so in-pod paths written in a ConfigMap's files
 * (the experiment manifest's {@code dataset.path: /data/...}) are rewritten too, under mount paths
 * that do not exist on this machine (an existing one, such as {@code /tmp}, is taken as shared with
 * the host, as the other tests' dataset and teacher paths are). A claim mounted read-only ({@code
 * readOnly} on the mount or on the claim volume, as Kubernetes forces it) is read-only for the
 * process: a read-only bind mount of its directory in a private mount namespace where the machine
 * allows one ({@link #READ_ONLY_BY_MOUNT}), its files' write permissions removed otherwise.
 */
final class PodSandbox {
  final Path dir;
  final Path terminationFile;
  final Path log;
  final Path workingDir;
  final int statusPort;
  final List<String> command;
  final Map<String, String> environment;

  /** Local directories of the claims mounted read-only. */
  final List<Path> readOnly;

  /** In-pod path → local directory, longest first. */
  private final Map<String, Path> mounts;

  /**
   * Whether this machine lets the sandbox make a read-only bind mount in a private mount namespace
   * ({@code unshare -m}, root or CAP_SYS_ADMIN); without it, read-only means no write permission,
   * which binds every user but root.
   */
  static final boolean READ_ONLY_BY_MOUNT = canBindReadOnly();

  private PodSandbox(
      Path dir,
      Path terminationFile,
      Path log,
      Path workingDir,
      int statusPort,
      Map<String, Path> mounts,
      List<Path> readOnly,
      List<String> command,
      Map<String, String> environment) {
    this.readOnly = readOnly;
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
    Map<Path, Map<String, String>> configMapFiles = new LinkedHashMap<>();
    List<Path> readOnly = new ArrayList<>();
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
        Map<String, String> files = new LinkedHashMap<>();
        for (KeyToPath item : items) {
          files.put(item.getPath(), cm.getData().get(item.getKey()));
        }
        configMapFiles.put(local, files);
      } else if (v.getPersistentVolumeClaim() != null) {
        local = Files.createDirectories(claims.apply(v.getPersistentVolumeClaim().getClaimName()));
        if (Boolean.TRUE.equals(m.getReadOnly())
            || Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly())) {
          readOnly.add(local);
        }
      } else {
        local = Files.createDirectories(dir.resolve("volumes").resolve(m.getName()));
      }
      mounts.put(m.getMountPath(), local);
    }
    Map<String, Path> longestFirst = new LinkedHashMap<>();
    mounts.entrySet().stream()
        .sorted(Comparator.comparing((Map.Entry<String, Path> e) -> -e.getKey().length()))
        .forEach(e -> longestFirst.put(e.getKey(), e.getValue()));
    for (Map.Entry<Path, Map<String, String>> volume : configMapFiles.entrySet()) {
      for (Map.Entry<String, String> file : volume.getValue().entrySet()) {
        Files.writeString(
            volume.getKey().resolve(file.getKey()),
            inPodPathsMapped(file.getValue(), longestFirst),
            StandardCharsets.UTF_8);
      }
    }
    if (!READ_ONLY_BY_MOUNT) {
      for (Path claim : readOnly) {
        removeWritePermissions(claim);
      }
    }
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
            List.copyOf(readOnly),
            new ArrayList<>(),
            new LinkedHashMap<>(image.imageEnvironment()));
    if (READ_ONLY_BY_MOUNT && !readOnly.isEmpty()) {
      // the same process (unshare and sh exec), so signals reach the trainer as before
      StringBuilder script = new StringBuilder();
      for (int i = 0; i < readOnly.size(); i++) {
        script.append("mount --bind -o ro \"$").append(i + 1).append("\" \"$").append(i + 1);
        script.append("\" && ");
      }
      script.append("shift ").append(readOnly.size()).append(" && exec \"$@\"");
      box.command.addAll(
          List.of(
              "unshare", "-m", "--propagation", "private", "sh", "-c", script.toString(), "sh"));
      readOnly.forEach(r -> box.command.add(r.toString()));
    }
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
   * {@code text} with each path under an in-pod mount path that does not exist on this machine
   * moved under the mount's local directory (a path inside another word or path is left alone). The
   * mount paths themselves stay: the manifest's {@code volumeMounts} and {@code storage.mountPath}
   * keep the values the trainer validates.
   */
  static String inPodPathsMapped(String text, Map<String, Path> longestFirst) {
    if (text == null) {
      return null;
    }
    String mapped = text;
    for (Map.Entry<String, Path> m : longestFirst.entrySet()) {
      String mount = m.getKey();
      if (mount.equals("/") || Files.exists(Path.of(mount))) {
        continue;
      }
      mapped =
          java.util.regex.Pattern.compile(
                  "(?<![\\w./-])" + java.util.regex.Pattern.quote(mount) + "(?=/[^\\s\"'])")
              .matcher(mapped)
              .replaceAll(java.util.regex.Matcher.quoteReplacement(m.getValue().toString()));
    }
    return mapped;
  }

  private static void removeWritePermissions(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
            new java.util.HashSet<>(Files.getPosixFilePermissions(p));
        perms.removeAll(
            List.of(
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
                java.nio.file.attribute.PosixFilePermission.GROUP_WRITE,
                java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE));
        Files.setPosixFilePermissions(p, perms);
      }
    }
  }

  private static boolean canBindReadOnly() {
    try {
      Process p =
          new ProcessBuilder(
                  "unshare",
                  "-m",
                  "--propagation",
                  "private",
                  "sh",
                  "-c",
                  "d=$(mktemp -d) || exit 1; mount --bind -o ro \"$d\" \"$d\" && umount \"$d\"; r=$?;"
                      + " rmdir \"$d\"; exit $r")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
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
