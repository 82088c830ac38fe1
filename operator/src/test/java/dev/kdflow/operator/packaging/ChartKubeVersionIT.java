package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.operator.dependent.ChildResources;
import dev.kdflow.operator.testing.Experiments;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chart's {@code kubeVersion} admits exactly the Kubernetes releases that keep every field the
 * operator sets in a training Job. An API server drops a field whose feature is off without an
 * error, so on an older release a Job would silently lose, for example, its podFailurePolicy (exit
 * code 2 retried {@code backoffLimit} times instead of failing at once).
 */
class ChartKubeVersionIT {

  /**
   * For each Job spec field, the first Kubernetes minor release that serves it by default (GA, or
   * beta and on by default). A field the operator starts to set must be added here.
   */
  static final Map<String, Integer> JOB_SPEC_FIELD_SINCE =
      Map.ofEntries(
          // batch/v1 Job as of Kubernetes 1.21, the oldest release this table considers.
          Map.entry("template", 21),
          Map.entry("parallelism", 21),
          Map.entry("completions", 21),
          Map.entry("activeDeadlineSeconds", 21),
          Map.entry("backoffLimit", 21),
          Map.entry("selector", 21),
          Map.entry("manualSelector", 21),
          Map.entry("ttlSecondsAfterFinished", 21),
          Map.entry("completionMode", 22),
          Map.entry("suspend", 22),
          // JobPodFailurePolicy (and PodDisruptionConditions, its DisruptionTarget rule): alpha
          // 1.25, beta on by default 1.26, GA 1.31.
          Map.entry("podFailurePolicy", 26),
          Map.entry("podReplacementPolicy", 29),
          Map.entry("backoffLimitPerIndex", 29),
          Map.entry("maxFailedIndexes", 29),
          Map.entry("successPolicy", 31),
          Map.entry("managedBy", 32));

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void kubeVersionIsTheFirstReleaseThatServesEveryJobFieldTheOperatorSets() throws IOException {
    List<String> fields = jobSpecFieldsTheOperatorSets();
    assertThat(fields)
        .as("Job spec fields without a first release in JOB_SPEC_FIELD_SINCE")
        .allMatch(JOB_SPEC_FIELD_SINCE::containsKey);
    String newest =
        fields.stream().max(Comparator.comparing(JOB_SPEC_FIELD_SINCE::get)).orElseThrow();
    int minor = JOB_SPEC_FIELD_SINCE.get(newest);

    JsonNode chart = YAML.readTree(RenderedChart.chartDir().resolve("Chart.yaml").toFile());
    assertThat(chart.path("kubeVersion").asText())
        .as("helm/kdflow/Chart.yaml kubeVersion (spec." + newest + " needs 1." + minor + ")")
        .isEqualTo(">=1." + minor + ".0-0");
  }

  @Test
  void helmRefusesAnOlderClusterAndAcceptsTheFirstRelease() {
    assertThatThrownBy(() -> template("1.25.16"))
        .hasMessageContaining("kubeVersion")
        .hasMessageContaining("1.25.16");
    assertThat(template("1.26.0")).contains("kind: Deployment");
  }

  /** Every spec field of the Job for an experiment that uses every option that shapes the Job. */
  private static List<String> jobSpecFieldsTheOperatorSets() {
    KDExperiment kdx = Experiments.kd("all-options");
    kdx.getSpec().getRunPolicy().setSuspend(true);
    kdx.getSpec().getRunPolicy().setTtlSecondsAfterFinished(60);
    kdx.getSpec().getScheduling().setQueueName("team-queue");
    Job job = ChildResources.job(kdx, "kdflow/kdflow-trainer:test");
    JsonNode spec = YAML.valueToTree(job.getSpec());
    List<String> fields = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : spec.properties()) {
      if (!field.getValue().isNull()) {
        fields.add(field.getKey());
      }
    }
    assertThat(fields).contains("podFailurePolicy", "suspend", "template");
    return fields;
  }

  private static String template(String kubeVersion) {
    return new Helm(RenderedChart.chartDir())
        .template()
        .withName(RenderedChart.RELEASE)
        .withNamespace(RenderedChart.NAMESPACE)
        .withKubeVersion(kubeVersion)
        .call();
  }
}
