package dev.kdflow.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.operator.e2e.LocalKubelet.LocalPod;
import dev.kdflow.operator.testing.RealCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Teacher soft labels precomputed on the cluster: with {@code kd.precompute.shards: 2} the operator
 * first runs an Indexed Job whose two pods (kube-controller-manager's Job controller gives each its
 * completion index; {@link LocalKubelet} runs the real {@code kdflow precompute-teacher}) write one
 * shard each, shows their progress on the status, and creates the training Job only when both
 * exist; the trainer of the training Job then reads them instead of running the teacher.
 */
@RealCluster
class PrecomputeEndToEndIT {
  static final Duration RUN = Duration.ofSeconds(300);

  @RegisterExtension static final LocalCluster cluster = new LocalCluster();
  static Path teacher;

  @BeforeAll
  static void trainTeacher() throws Exception {
    if (cluster.ready()) {
      teacher = cluster.trainTeacher(EndToEndIT.TEACHER.formatted(EndToEndIT.data()), "teacher");
    }
  }

  private KDExperiment experiment(String name) {
    return cluster.experiments().withName(name).get();
  }

  private Job job(String name) {
    return cluster.jobs().withName(name).get();
  }

  private static String condition(KDExperimentStatus s, String type) {
    return s.condition(type).map(Condition::getStatus).orElse(null);
  }

  @Test
  void softLabelsPrecomputedByAnIndexedJobAreUsedByTheTrainingJob() throws Exception {
    String name = "soft";
    KDExperiment kdx =
        Serialization.unmarshal(
            EndToEndIT.KD.formatted(name, teacher, EndToEndIT.data()), KDExperiment.class);
    kdx.getMetadata().setNamespace(cluster.namespace());
    kdx.getSpec().getTraining().setMaxEpochs(2);
    // an augmented student: every epoch's views differ, and were precomputed view by view
    kdx.getSpec().getDataset().setHorizontalFlip(true);
    dev.kdflow.api.PrecomputeSpec precompute = new dev.kdflow.api.PrecomputeSpec();
    precompute.setShards(2);
    kdx.getSpec().getKd().setPrecompute(precompute);

    List<KDExperimentStatus> seen = new CopyOnWriteArrayList<>();
    Watch watch =
        cluster
            .experiments()
            .withName(name)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, KDExperiment k) {
                    if (k.getStatus() != null) {
                      seen.add(k.getStatus());
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    try {
      cluster.experiments().resource(kdx).create();
      cluster.kubelet().awaitFinished(name, RUN);
    } finally {
      watch.close();
    }
    KDExperimentStatus s = experiment(name).getStatus();
    assertThat(s.getPhase()).as("%s", s).isEqualTo(Phase.SUCCEEDED);

    // the Indexed Job: one pod per shard, each given its own completion index
    Job pre = job(name + "-precompute");
    assertThat(pre.getSpec().getCompletionMode()).isEqualTo("Indexed");
    assertThat(pre.getSpec().getCompletions()).isEqualTo(2);
    assertThat(pre.getSpec().getParallelism()).isEqualTo(2);
    assertThat(pre.getSpec().getBackoffLimitPerIndex()).isEqualTo(2);
    assertThat(pre.getStatus().getSucceeded()).isEqualTo(2);
    assertThat(pre.getStatus().getCompletedIndexes()).isEqualTo("0,1");
    List<LocalPod> shardPods = cluster.kubelet().podsOf(name + "-precompute");
    assertThat(shardPods).hasSize(2);
    for (LocalPod p : shardPods) {
      assertThat(p.sandbox.environment).containsKey("JOB_COMPLETION_INDEX");
      assertThat(Files.readString(p.sandbox.log))
          .contains(
              "precomputed shard " + p.sandbox.environment.get("JOB_COMPLETION_INDEX") + " of 2");
    }
    Path softLabels =
        cluster.kubelet().claim(name + "-checkpoints").resolve(name).resolve("softlabels");
    try (Stream<Path> files = Files.list(softLabels)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "epochs-0-2-shard-00000-of-00002.bin",
              "epochs-0-2-shard-00000-of-00002.json",
              "epochs-0-2-shard-00001-of-00002.bin",
              "epochs-0-2-shard-00001-of-00002.json");
    }

    // the training Job came only after every shard existed, and read them
    Job training = job(name);
    Instant shardsDone = Instant.parse(pre.getStatus().getCompletionTime());
    assertThat(Instant.parse(training.getMetadata().getCreationTimestamp()))
        .isAfterOrEqualTo(shardsDone.minusSeconds(1));
    List<LocalPod> trainingPods = cluster.kubelet().podsOf(name);
    assertThat(trainingPods).hasSize(1);
    assertThat(Files.readString(trainingPods.get(0).sandbox.log))
        .contains("soft labels: 2 shard(s) in use")
        .doesNotContain("the teacher runs in the loop");

    // progress on the status: shards done of total, then the Precomputed condition
    assertThat(seen)
        .as("the status while the shards were computed")
        .anySatisfy(
            st -> {
              assertThat(st.getPrecompute().getShards()).isEqualTo(2);
              assertThat(st.getPrecompute().getSucceeded()).isLessThan(2);
              assertThat(condition(st, KDExperimentStatus.PRECOMPUTED)).isEqualTo("False");
              assertThat(st.getPhase()).isEqualTo(Phase.PENDING);
            });
    assertThat(s.getPrecompute().getSummary()).isEqualTo("2/2");
    assertThat(condition(s, KDExperimentStatus.PRECOMPUTED)).isEqualTo("True");
    assertThat(condition(s, KDExperimentStatus.SUCCEEDED)).isEqualTo("True");
  }
}
