package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.Experiments;
import dev.kdflow.operator.testing.Kubelet;
import dev.kdflow.operator.testing.Manifests;
import dev.kdflow.operator.testing.OperatorInNamespace;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import dev.kdflow.operator.testing.TrainerReports;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Argo CD and Flux health fixtures named {@link #RECORDED} are statuses real runs produced:
 * this test drives each state on the real API server (the operator, the Job controller, the test as
 * kubelet) and compares what the operator wrote with the committed fixture: phase and, for every
 * condition, type, status, reason and observedGeneration. Times, messages and metrics may differ
 * from run to run; the shape may not. Run with {@code -Dkdflow.recordHealthFixtures=true} to write
 * the fixtures from this run instead (then review the expected verdicts in health_test.yaml).
 */
@RealCluster
class HealthFixturesIT {
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final Path TESTDATA = ArgoCdHealthCheckIT.FIXTURES.resolve("testdata");
  static final boolean RECORD = Boolean.getBoolean("kdflow.recordHealthFixtures");

  /** The fixtures this test records: file name (without .yaml) = experiment name. */
  static final List<String> RECORDED =
      List.of(
          "pending",
          "initializing",
          "running",
          "succeeded",
          "failed",
          "suspended",
          "invalid-spec",
          "restart-required",
          "succeeded-then-edited",
          "invalid-while-running",
          "name-conflict");

  static final String KD = Experiments.CPU_KD;

  static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  TestNamespace ns;
  ControlPlane plane;
  @RegisterExtension final OperatorInNamespace cluster = new OperatorInNamespace();
  Kubelet kubelet;

  @BeforeEach
  void setUp(TestNamespace ns, ControlPlane plane) {
    this.ns = ns;
    this.plane = plane;
    kubelet = new Kubelet(ns.client(), ns.name());
  }

  void awaitReason(String name, String type, String status, String reason) {
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              KDExperiment k = cluster.experiment(name);
              Condition c =
                  k == null || k.getStatus() == null
                      ? null
                      : k.getStatus().condition(type).orElse(null);
              return c != null
                  && status.equals(c.getStatus())
                  && reason.equals(c.getReason())
                  && k.getMetadata().getGeneration().equals(c.getObservedGeneration());
            });
  }

  TrainerReport succeededReport() {
    TrainerReport report = TrainerReports.running(10, 1000, 0.87);
    report.setPhase(TrainerReport.Phase.SUCCEEDED);
    return report;
  }

  Pod runningPod(String name) {
    cluster.apply(KD.formatted(name));
    Pod pod = kubelet.awaitPod(name, TIMEOUT);
    kubelet.running(pod);
    awaitReason(name, "Ready", "True", "Running");
    return pod;
  }

  @Test
  void theCommittedFixturesHaveTheShapeTheOperatorWritesNow() throws IOException {
    cluster.apply(KD.formatted("pending"));
    awaitReason("pending", "Ready", "False", "PodPending");
    record("pending");

    cluster.apply(KD.formatted("initializing"));
    kubelet.awaitPod("initializing", TIMEOUT);
    awaitReason("initializing", "Ready", "False", "Initializing");
    record("initializing");

    runningPod("running");
    record("running");

    Pod done = runningPod("succeeded");
    kubelet.terminated(done, 0, "Completed", Serialization.asJson(succeededReport()));
    awaitReason("succeeded", "Succeeded", "True", "Succeeded");
    record("succeeded");

    Pod bad = runningPod("failed");
    kubelet.terminated(bad, 2, "Error", "spec.dataset.path: /data/x does not exist");
    awaitReason("failed", "Stalled", "True", "InvalidInput");
    record("failed");

    cluster.apply(Manifests.with(KD.formatted("suspended"), "spec.runPolicy.suspend", "true"));
    awaitReason("suspended", "Suspended", "True", "Suspended");
    record("suspended");

    cluster.apply(
        Manifests.with(
            KD.formatted("invalid-spec"), "spec.student.architecture", "transformer9000"));
    awaitReason("invalid-spec", "Stalled", "True", "InvalidSpec");
    record("invalid-spec");

    runningPod("restart-required");
    cluster.patch("restart-required", "{\"spec\":{\"resources\":{\"memory\":\"2Gi\"}}}");
    awaitReason("restart-required", "RestartRequired", "True", "SpecChanged");
    record("restart-required");

    Pod edited = runningPod("succeeded-then-edited");
    kubelet.terminated(edited, 0, "Completed", Serialization.asJson(succeededReport()));
    awaitReason("succeeded-then-edited", "Succeeded", "True", "Succeeded");
    cluster.patch("succeeded-then-edited", "{\"spec\":{\"resources\":{\"memory\":\"2Gi\"}}}");
    awaitReason("succeeded-then-edited", "RestartRequired", "True", "SpecChanged");
    record("succeeded-then-edited");

    runningPod("invalid-while-running");
    cluster.patch(
        "invalid-while-running",
        "{\"spec\":{\"restartNonce\":\"2\",\"student\":{\"architecture\":\"transformer9000\"}}}");
    awaitReason("invalid-while-running", "Stalled", "True", "InvalidSpec");
    record("invalid-while-running");

    ns.client()
        .configMaps()
        .inNamespace(ns.name())
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("name-conflict-experiment")
                .endMetadata()
                .build())
        .create();
    cluster.apply(KD.formatted("name-conflict"));
    awaitReason("name-conflict", "Stalled", "True", "NameConflict");
    record("name-conflict");
  }

  /** Writes the fixture (recording) or compares its shape with the committed one. */
  void record(String name) throws IOException {
    Map<String, Object> fixture = fixture(cluster.experiment(name));
    Path file = TESTDATA.resolve(name + ".yaml");
    if (RECORD) {
      Files.writeString(
          file,
          "# Recorded by HealthFixturesIT from a run on a real API server; regenerate with\n"
              + "# -Dkdflow.recordHealthFixtures=true.\n"
              // The namespace of this run appears in messages; fixtures name one fixed namespace.
              + YAML.writeValueAsString(fixture).replace(ns.name(), "kdflow-examples"));
      return;
    }
    assertThat(file).as("fixture %s is committed", name).isRegularFile();
    @SuppressWarnings("unchecked")
    Map<String, Object> committed = YAML.readValue(file.toFile(), Map.class);
    assertThat(shape(committed))
        .as(
            "fixture %s has the shape the operator writes now; rerun with"
                + " -Dkdflow.recordHealthFixtures=true to regenerate",
            name)
        .isEqualTo(shape(fixture));
  }

  /** The experiment as a fixture: what the health checks read, without server bookkeeping. */
  static Map<String, Object> fixture(KDExperiment kdx) throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, Object> all = YAML.readValue(Serialization.asJson(kdx), Map.class);
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", kdx.getMetadata().getName());
    metadata.put("namespace", "kdflow-examples");
    metadata.put("generation", kdx.getMetadata().getGeneration());
    Map<String, Object> fixture = new LinkedHashMap<>();
    fixture.put("apiVersion", all.get("apiVersion"));
    fixture.put("kind", all.get("kind"));
    fixture.put("metadata", metadata);
    fixture.put("spec", all.get("spec"));
    fixture.put("status", all.get("status"));
    return fixture;
  }

  /** Phase and, per condition, type/status/reason/whether it is for the current generation. */
  @SuppressWarnings("unchecked")
  static List<String> shape(Map<String, Object> fixture) {
    Map<String, Object> metadata = (Map<String, Object>) fixture.get("metadata");
    Map<String, Object> status = (Map<String, Object>) fixture.get("status");
    List<String> shape = new ArrayList<>();
    shape.add("phase=" + status.get("phase"));
    shape.add(
        "observedGeneration current="
            + String.valueOf(status.get("observedGeneration"))
                .equals(String.valueOf(metadata.get("generation"))));
    for (Map<String, Object> c : (List<Map<String, Object>>) status.get("conditions")) {
      shape.add(
          c.get("type")
              + "="
              + c.get("status")
              + "/"
              + c.get("reason")
              + " current="
              + String.valueOf(c.get("observedGeneration"))
                  .equals(String.valueOf(metadata.get("generation"))));
    }
    return shape;
  }
}
