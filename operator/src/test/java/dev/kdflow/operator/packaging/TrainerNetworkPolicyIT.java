package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.trainer.TrainerImageContract;
import dev.kdflow.operator.dependent.ChildResources;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.Experiments;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chart's NetworkPolicy: rendered in each namespace where experiments run, it admits to the
 * trainers' status port only the operator's pods, and it selects exactly the pods the operator
 * creates. The real API server stores NetworkPolicies and evaluates their label selectors, but
 * nothing on it enforces them (that is the network plugin's job): the test checks what is selected,
 * not packets.
 */
class TrainerNetworkPolicyIT {

  static Map<String, String> trainerPodLabels() {
    KDExperiment kdx = Experiments.kd("fmnist");
    kdx.getMetadata().setNamespace("team-a");
    return ChildResources.job(kdx, "kdflow/kdflow-trainer:test")
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getLabels();
  }

  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    assertThat(selector.getMatchExpressions()).as("only matchLabels are used").isNullOrEmpty();
    return selector.getMatchLabels().entrySet().stream()
        .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  @Test
  void onePolicyPerNamespaceWhereExperimentsRun() {
    RenderedChart watched =
        RenderedChart.render(
            Map.of("watchNamespaces[0]", "team-a", "watchNamespaces[1]", "team-b"));
    assertThat(watched.all(NetworkPolicy.class))
        .extracting(p -> p.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b");

    RenderedChart listed =
        RenderedChart.render(
            Map.of(
                "watchNamespaces[0]", "team-a",
                "networkPolicy.namespaces[0]", "team-a",
                "networkPolicy.namespaces[1]", "kdflow-examples"));
    assertThat(listed.all(NetworkPolicy.class))
        .extracting(p -> p.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "kdflow-examples");

    // Cluster-wide, the chart cannot know where experiments will run: nothing until listed.
    assertThat(RenderedChart.render(Map.of()).all(NetworkPolicy.class)).isEmpty();
    assertThat(
            RenderedChart.render(
                    Map.of("watchNamespaces[0]", "team-a", "networkPolicy.enabled", false))
                .all(NetworkPolicy.class))
        .isEmpty();
  }

  @Test
  void onlyTheOperatorsPodsReachTheTrainersStatusPort() {
    RenderedChart chart = RenderedChart.render(Map.of("watchNamespaces[0]", "team-a"));
    NetworkPolicy policy = chart.one(NetworkPolicy.class);
    Map<String, String> operatorPodLabels =
        chart.one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels();

    assertThat(selects(policy.getSpec().getPodSelector(), trainerPodLabels()))
        .as("selects the training pods the operator creates")
        .isTrue();
    assertThat(selects(policy.getSpec().getPodSelector(), operatorPodLabels))
        .as("leaves the operator's own pods alone")
        .isFalse();
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");

    NetworkPolicyIngressRule rule = policy.getSpec().getIngress().get(0);
    assertThat(policy.getSpec().getIngress()).hasSize(1);
    assertThat(rule.getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getPort().getIntVal()).isEqualTo(TrainerImageContract.STATUS_PORT);
              assertThat(p.getProtocol()).isEqualTo("TCP");
            });
    NetworkPolicyPeer peer = rule.getFrom().get(0);
    assertThat(rule.getFrom()).hasSize(1);
    assertThat(selects(peer.getPodSelector(), operatorPodLabels)).isTrue();
    assertThat(selects(peer.getPodSelector(), trainerPodLabels())).isFalse();
    assertThat(
            selects(
                peer.getNamespaceSelector(),
                Map.of("kubernetes.io/metadata.name", RenderedChart.NAMESPACE)))
        .as("the operator's namespace, by the label Kubernetes sets on every namespace")
        .isTrue();
    assertThat(selects(peer.getNamespaceSelector(), Map.of("kubernetes.io/metadata.name", "x")))
        .isFalse();
  }

  @Test
  void morePeersMayBeLetInForMetricsScraping() {
    NetworkPolicy policy =
        RenderedChart.render(
                Map.of(
                    "watchNamespaces[0]",
                    "team-a",
                    "networkPolicy.additionalIngressFrom[0].namespaceSelector.matchLabels.name",
                    "monitoring"))
            .one(NetworkPolicy.class);
    assertThat(policy.getSpec().getIngress()).hasSize(2);
    NetworkPolicyIngressRule extra = policy.getSpec().getIngress().get(1);
    assertThat(extra.getFrom().get(0).getNamespaceSelector().getMatchLabels())
        .containsExactly(Map.entry("name", "monitoring"));
    assertThat(extra.getPorts().get(0).getPort().getIntVal())
        .isEqualTo(TrainerImageContract.STATUS_PORT);
  }

  @Test
  void theSchemaRejectsBadNetworkPolicyValues() {
    assertThatThrownBy(() -> RenderedChart.render(Map.of("networkPolicy.trainerPort", 0)))
        .hasMessageContaining("trainerPort");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("networkPolicy.namespaces[0]", "Team_A")))
        .hasMessageContaining("namespaces");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("networkPolicy.enable", true)))
        .hasMessageContaining("enable");
  }

  /**
   * On the real API server: the policy is accepted as rendered, and its pod selector, evaluated by
   * the server, lists the training pod and not the operator's pod beside it.
   */
  @Test
  void theApiServerAcceptsThePolicyAndItsSelectorListsOnlyTrainingPods() {
    ControlPlane plane = ControlPlane.get();
    KubernetesClient client = plane.client();
    String ns = plane.createNamespace("network-policy");
    NetworkPolicy rendered =
        RenderedChart.render(Map.of("watchNamespaces[0]", ns)).one(NetworkPolicy.class);
    NetworkPolicy stored = client.resource(rendered).create();
    assertThat(stored.getSpec()).isEqualTo(rendered.getSpec());

    Map<String, String> operatorLabels =
        RenderedChart.render(Map.of())
            .one(Deployment.class)
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getLabels();
    client.resource(pod(ns, "trainer", trainerPodLabels())).create();
    client.resource(pod(ns, "operator", operatorLabels)).create();
    List<String> selected =
        client
            .pods()
            .inNamespace(ns)
            .withLabelSelector(stored.getSpec().getPodSelector())
            .list()
            .getItems()
            .stream()
            .map(p -> p.getMetadata().getName())
            .toList();
    assertThat(selected).containsExactly("trainer");
  }

  static Pod pod(String namespace, String name, Map<String, String> labels) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("c")
        .withImage("example.invalid/none:1")
        .endContainer()
        .endSpec()
        .build();
  }
}
