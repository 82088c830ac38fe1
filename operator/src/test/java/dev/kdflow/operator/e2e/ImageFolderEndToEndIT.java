package dev.kdflow.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.operator.e2e.LocalKubelet.LocalPod;
import dev.kdflow.operator.testing.RealCluster;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
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
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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

  @RegisterExtension static final LocalCluster cluster = new LocalCluster();
  static Path teacher;
  static Path data;

  /** Writes the ImageFolder onto the claim's directory and trains the teacher on it, locally. */
  @BeforeAll
  static void prepare() throws Exception {
    if (!cluster.ready()) {
      return; // each test reports the skip and why
    }
    data = cluster.kubelet().claim("shapes").resolve("shapes");
    writeImages(data.resolve("train"), PER_CLASS, 1);
    writeImages(data.resolve("val"), 16, 2);
    teacher = cluster.trainTeacher(TEACHER.formatted(data), "shapes-teacher");
  }

  @Test
  void anImageFolderOnItsOwnReadOnlyClaimTrainsFromAKDExperiment() throws Exception {
    String name = "shapes-kd";
    cluster
        .client()
        .persistentVolumeClaims()
        .inNamespace(cluster.namespace())
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
    kdx.getMetadata().setNamespace(cluster.namespace());
    cluster.experiments().resource(kdx).create();
    KDExperimentStatus s = cluster.kubelet().awaitFinished(name, RUN);
    List<LocalPod> pods = cluster.kubelet().podsOf(name);
    assertThat(s.getPhase())
        .as(
            "%s; trainer log: %s",
            s, pods.isEmpty() ? "-" : Files.readString(pods.get(0).sandbox.log))
        .isEqualTo(Phase.SUCCEEDED);
    assertThat(s.getMetrics().getLatest().getEpoch()).isEqualTo(1);
    assertThat(s.getMetrics().getBest().getTop1()).isNotNull();

    // the Job's pod: the claim as a read-only volume, mounted read-only at /data
    PodSpec pod = cluster.jobs().withName(name).get().getSpec().getTemplate().getSpec();
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
    assertThat(pods.get(0).sandbox.readOnly).containsExactly(cluster.kubelet().claim("shapes"));
    Path experimentDir = cluster.kubelet().claim(name + "-checkpoints").resolve(name);
    JsonNode start =
        JSON.readTree(Files.readAllLines(experimentDir.resolve("metrics.jsonl")).get(0));
    assertThat(start.get("trainSize").asInt()).isEqualTo(2 * PER_CLASS);
    assertThat(experimentDir.resolve("ckpt_best/checkpoint.json")).isRegularFile();

    // the trainer wrote nothing next to the data (no index, no cache) and changed nothing there
    assertThat(snapshot(data)).isEqualTo(before);
    try (Stream<Path> claim = Files.list(cluster.kubelet().claim("shapes"))) {
      assertThat(claim.map(p -> p.getFileName().toString())).containsExactly("shapes");
    }
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
