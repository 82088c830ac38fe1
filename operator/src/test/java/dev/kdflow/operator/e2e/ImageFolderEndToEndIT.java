package dev.kdflow.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.e2e.LocalKubelet.LocalPod;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dataset on its own read-only claim: an ImageFolder (two classes of 16x16 PNGs, generated here)
 * on the claim {@code shapes}, mounted through {@code spec.podTemplate} at {@code /data} with
 * {@code readOnly} on the claim volume and on the mount, trains a KD student end to end (streamed,
 * augmented) on the real control plane. {@link LocalKubelet} maps the claim to its local directory
 * and makes it read-only for the trainer as a kubelet's read-only mount does ({@link PodSandbox});
 * the test also checks the trainer wrote nothing there: everything it writes belongs under the
 * experiment directory on the checkpoint claim.
 */
@RealCluster
class ImageFolderEndToEndIT {
  static final Duration RUN = Duration.ofSeconds(240);
  static final int PER_CLASS = 60;
  static final ObjectMapper JSON = new ObjectMapper();

  static final String TEACHER =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: shapes-teacher
      spec:
        student:
          architecture: mlp
          archParams: {hiddenSizes: [16], numClasses: 2}
        training: {maxEpochs: 2, initialLr: 0.05, seed: 1}
        dataset: {type: imageFolder, path: "%s", imageSize: 16, batchSize: 20}
      """;

  static final String KD =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: %s
      spec:
        student:
          architecture: mlp
          archParams: {hiddenSizes: [4], numClasses: 2}
        teacher:
          architecture: mlp
          archParams: {hiddenSizes: [16], numClasses: 2}
          checkpoint: {checkpointPath: "%s"}
        kd:
          loss: {distillationLossCoeff: 0.5, temperature: 2.0}
        training: {maxEpochs: 1, initialLr: 0.05, seed: 1}
        dataset:
          type: imageFolder
          path: /data/shapes
          imageSize: 16
          batchSize: 20
          horizontalFlip: true
          numWorkers: 2
          prefetch: 2
        resources: {gpus: 0, cpu: "1", memory: 2Gi}
        storage: {size: 1Gi}
        runPolicy: {backoffLimit: 0}
        podTemplate:
          volumes:
          - name: dataset
            persistentVolumeClaim: {claimName: shapes, readOnly: true}
          volumeMounts:
          - {name: dataset, mountPath: /data, readOnly: true}
      """;

  static KubernetesClient client;
  static String ns;
  static ControlPlane plane;
  @TempDir static Path work;
  static TrainerDistribution image;
  static Path teacher;
  static Path data;
  static LocalKubelet kubelet;

  KDFlowOperator operator;

  /** Writes the ImageFolder onto the claim's directory and trains the teacher on it, locally. */
  @BeforeAll
  static void prepare(TestNamespace namespace, ControlPlane controlPlane) throws Exception {
    client = namespace.client();
    ns = namespace.name();
    plane = controlPlane;
    image = TrainerDistribution.locate();
    if (!image.ready()) {
      return; // each test reports the skip and why
    }
    kubelet = new LocalKubelet(client, ns, work.resolve("cluster"), image);
    data = kubelet.claim("shapes").resolve("shapes");
    writeImages(data.resolve("train"), PER_CLASS, 1);
    writeImages(data.resolve("val"), 16, 2);
    teacher = trainTeacher();
    kubelet.start();
  }

  @AfterAll
  static void stopKubelet() {
    if (kubelet != null) {
      kubelet.close();
    }
  }

  @BeforeEach
  void startOperator() {
    image.assumeBuilt();
    operator = plane.startOperator(ns, kubelet.statusSource(), Duration.ofMillis(300));
  }

  @AfterEach
  void stopOperator() {
    if (operator != null) {
      operator.operator().stop();
    }
    if (kubelet != null) {
      assertThat(kubelet.errors()).as("kubelet errors").isEmpty();
    }
  }

  @Test
  void anImageFolderOnItsOwnReadOnlyClaimTrainsFromAKDExperiment() throws Exception {
    String name = "shapes-kd";
    client
        .persistentVolumeClaims()
        .inNamespace(ns)
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("shapes")
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadOnlyMany")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build())
        .create();
    Map<String, String> before = snapshot(data);

    KDExperiment kdx = Serialization.unmarshal(KD.formatted(name, teacher), KDExperiment.class);
    kdx.getMetadata().setNamespace(ns);
    client.resources(KDExperiment.class).inNamespace(ns).resource(kdx).create();
    KDExperimentStatus s = kubelet.awaitFinished(name, RUN);
    List<LocalPod> pods = kubelet.podsOf(name);
    assertThat(s.getPhase())
        .as(
            "%s; trainer log: %s",
            s, pods.isEmpty() ? "-" : Files.readString(pods.get(0).sandbox.log))
        .isEqualTo(Phase.SUCCEEDED);
    assertThat(s.getMetrics().getLatest().getEpoch()).isEqualTo(1);
    assertThat(s.getMetrics().getBest().getTop1()).isNotNull();

    // the Job's pod: the claim as a read-only volume, mounted read-only at /data
    PodSpec pod =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns)
            .withName(name)
            .get()
            .getSpec()
            .getTemplate()
            .getSpec();
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getName().equals("dataset"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("shapes");
              assertThat(v.getPersistentVolumeClaim().getReadOnly()).isTrue();
            });
    Container trainer = pod.getContainers().get(0);
    assertThat(trainer.getVolumeMounts())
        .filteredOn(m -> m.getName().equals("dataset"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/data");
              assertThat(m.getReadOnly()).isTrue();
            });

    // one pod, which saw the claim read-only and streamed all of it
    assertThat(pods).hasSize(1);
    assertThat(pods.get(0).sandbox.readOnly).containsExactly(kubelet.claim("shapes"));
    Path experimentDir = kubelet.claim(name + "-checkpoints").resolve(name);
    JsonNode start =
        JSON.readTree(Files.readAllLines(experimentDir.resolve("metrics.jsonl")).get(0));
    assertThat(start.get("trainSize").asInt()).isEqualTo(2 * PER_CLASS);
    assertThat(experimentDir.resolve("ckpt_best/checkpoint.json")).isRegularFile();

    // the trainer wrote nothing next to the data (no index, no cache) and changed nothing there
    assertThat(snapshot(data)).isEqualTo(before);
    try (Stream<Path> claim = Files.list(kubelet.claim("shapes"))) {
      assertThat(claim.map(p -> p.getFileName().toString())).containsExactly("shapes");
    }
  }

  /** Trains the teacher with the launcher outside the cluster; returns its {@code ckpt_best}. */
  private static Path trainTeacher() throws Exception {
    Path yaml = Files.writeString(work.resolve("teacher.yaml"), TEACHER.formatted(data));
    Path log = work.resolve("teacher.log");
    ProcessBuilder pb =
        new ProcessBuilder(
                image.launcher().toString(),
                "run",
                yaml.toString(),
                "checkpoints.rootDir=" + work.resolve("teachers"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().clear();
    pb.environment().putAll(image.imageEnvironment());
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("teacher trained in time").isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isZero();
    return work.resolve("teachers/shapes-teacher/ckpt_best");
  }

  /** Every file and directory under {@code root}: its size and modification time, by path. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> entries = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        entries.put(
            root.relativize(p).toString(),
            Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis());
      }
    }
    return entries;
  }

  /** Two classes of PNGs: reddish and bluish noise. */
  private static void writeImages(Path split, int perClass, long seed) throws IOException {
    Random random = new Random(seed);
    for (String cls : List.of("blue", "red")) {
      Path folder = Files.createDirectories(split.resolve(cls));
      for (int i = 0; i < perClass; i++) {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
          for (int x = 0; x < 16; x++) {
            int strong = 160 + random.nextInt(96);
            int weak = random.nextInt(96);
            int g = random.nextInt(128);
            img.setRGB(
                x,
                y,
                cls.equals("red") ? strong << 16 | g << 8 | weak : weak << 16 | g << 8 | strong);
          }
        }
        ImageIO.write(img, "png", folder.resolve(String.format("%03d.png", i)).toFile());
      }
    }
  }
}
