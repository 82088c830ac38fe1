package dev.kdflow.operator.reconciler;

import static dev.kdflow.operator.testing.Cluster.condition;
import static dev.kdflow.operator.testing.Cluster.withStatus;
import static dev.kdflow.operator.testing.MockCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.testing.Cluster;
import dev.kdflow.operator.testing.Experiments;
import dev.kdflow.operator.testing.MockCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator against the mock API server, with the test playing Job controller and kubelet. */
@EnableKubernetesMockClient(crud = true)
class KDExperimentReconcilerTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  MockCluster cluster;
  KDFlowOperator operator;

  @BeforeEach
  void start() {
    cluster = new MockCluster(client);
    operator = cluster.startOperator();
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.operator().stop();
    }
  }

  KDExperiment create(String name) {
    return cluster.experiments().inNamespace(NS).resource(Experiments.kd(name)).create();
  }

  KDExperimentStatus awaitStatus(String name, Predicate<KDExperimentStatus> p) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              KDExperiment k = cluster.experiment(name);
              return k != null && k.getStatus() != null && p.test(k.getStatus());
            });
    return cluster.experiment(name).getStatus();
  }

  static Predicate<KDExperimentStatus> phase(Phase phase) {
    return s -> s.getPhase() == phase;
  }

  static String conditionStatus(KDExperimentStatus s, String type) {
    return s.condition(type).map(Condition::getStatus).orElse(null);
  }

  static void assertOwnedBy(HasMetadata child, KDExperiment kdx) {
    assertThat(child.getMetadata().getOwnerReferences())
        .extracting(OwnerReference::getUid)
        .containsExactly(kdx.getMetadata().getUid());
    assertThat(child.getMetadata().getLabels())
        .containsEntry("kdflow.dev/experiment", kdx.getMetadata().getName())
        .containsEntry("app.kubernetes.io/managed-by", "kdflow-operator");
  }

  @Test
  void createsChildrenAndFollowsTheJobToSuccess() {
    KDExperiment kdx = create("lifecycle");
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("lifecycle") != null);
    Job job = cluster.job("lifecycle");
    assertOwnedBy(job, kdx);
    assertOwnedBy(cluster.configMap("lifecycle"), kdx);
    assertOwnedBy(cluster.claim("lifecycle"), kdx);
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("kdflow/kdflow-trainer:test");
    assertThat(cluster.configMap("lifecycle").getData()).containsKey("experiment.yaml");

    KDExperimentStatus s = awaitStatus("lifecycle", phase(Phase.PENDING));
    assertThat(s.getJobName()).isEqualTo("lifecycle");
    assertThat(s.getAttempt().getNumber()).isEqualTo(1);

    cluster.putPod(Cluster.pending(job, "a"));
    s =
        awaitStatus(
            "lifecycle", st -> "Unschedulable".equals(st.condition("Ready").get().getReason()));
    assertThat(s.getPhase()).isEqualTo(Phase.PENDING);

    cluster.putPod(Cluster.initializing(job, "a"));
    awaitStatus("lifecycle", phase(Phase.INITIALIZING));

    cluster.putPod(Cluster.running(job, "a"));
    s = awaitStatus("lifecycle", phase(Phase.RUNNING));
    assertThat(conditionStatus(s, "Ready")).isEqualTo("True");
    assertThat(s.getObservedGeneration())
        .isEqualTo(cluster.experiment("lifecycle").getMetadata().getGeneration());

    cluster.putPod(Cluster.terminated(job, "a", 0, "Completed", "done"));
    cluster.putJob(withStatus(cluster.job("lifecycle"), 0, 0, condition("Complete", null, null)));
    s = awaitStatus("lifecycle", phase(Phase.SUCCEEDED));
    assertThat(conditionStatus(s, "Succeeded")).isEqualTo("True");
    assertThat(conditionStatus(s, "Ready")).isEqualTo("True");
    assertThat(s.getCompletionTime()).isNotNull();
    assertThat(s.getProgress().getSummary()).isEqualTo("10/10");

    // a finished experiment never gets a new Job, even when its Job goes away
    client.batch().v1().jobs().inNamespace(NS).withName("lifecycle").delete();
    long before = operator.reconciler().reconciliations();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> operator.reconciler().reconciliations() > before);
    assertThat(cluster.job("lifecycle")).isNull();
    assertThat(cluster.experiment("lifecycle").getStatus().getPhase()).isEqualTo(Phase.SUCCEEDED);

    // ... unless restartNonce changes
    cluster
        .experiments()
        .inNamespace(NS)
        .withName("lifecycle")
        .edit(
            k -> {
              k.getSpec().setRestartNonce("second-run");
              return k;
            });
    s = awaitStatus("lifecycle", st -> st.getAttempt().getNumber() == 2);
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.job("lifecycle") != null);
    assertThat(cluster.job("lifecycle").getMetadata().getAnnotations())
        .containsEntry("kdflow.dev/attempt", "2");
    assertThat(cluster.configMap("lifecycle").getData().get("experiment.yaml"))
        .contains("experimentName: \"lifecycle-attempt-2\"");
    s = awaitStatus("lifecycle", phase(Phase.PENDING));
    assertThat(s.getCompletionTime()).isNull();
    assertThat(s.getObservedRestartNonce()).isEqualTo("second-run");
  }
}
