package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Lints and renders helm/kdflow with default and non-default values and checks the manifests. */
class HelmChartIT {

  /** Everything the operator does in a namespace it watches, and nothing more. */
  static final List<PolicyRule> WATCHED_NAMESPACE_RULES =
      List.of(
          rule("kdflow.dev", "kdexperiments", "list", "watch"),
          rule("kdflow.dev", "kdexperiments/status", "patch"),
          rule("kdflow.dev", "kdexperiments/finalizers", "update"),
          rule("", "configmaps", "get", "list", "watch", "create", "update", "delete"),
          // Never delete: the claims hold the checkpoints.
          rule("", "persistentvolumeclaims", "get", "list", "watch", "create", "patch"),
          rule("", "pods", "list", "watch"),
          rule("", "events", "create", "list"),
          rule("batch", "jobs", "get", "list", "watch", "create", "update", "patch", "delete"));

  static final List<PolicyRule> LEADER_ELECTION_RULES =
      List.of(rule("coordination.k8s.io", "leases", "get", "create", "update", "patch"));

  @Test
  void lintsCleanlyEvenInStrictMode() {
    LintResult result = new Helm(RenderedChart.chartDir()).lint().strict().call();

    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void defaultsInstallAClusterWideOperatorWithLeastPrivilege() {
    RenderedChart chart = RenderedChart.render(Map.of());

    assertThat(chart.kinds())
        .containsExactly(
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "Role",
            "RoleBinding",
            "Service",
            "ServiceAccount");
    ClusterRole clusterRole = chart.one(ClusterRole.class);
    assertThat(clusterRole.getRules()).containsExactlyElementsOf(WATCHED_NAMESPACE_RULES);

    ClusterRoleBinding binding = chart.one(ClusterRoleBinding.class);
    assertThat(binding.getRoleRef().getName()).isEqualTo(clusterRole.getMetadata().getName());
    assertThat(binding.getSubjects()).containsExactly(operatorServiceAccount(chart));

    assertLeaderElectionRoleInReleaseNamespace(chart);
  }

  @Test
  void watchedNamespacesGetOneRoleEachAndNothingClusterWide() {
    RenderedChart chart =
        RenderedChart.render(
            Map.of("watchNamespaces[0]", "team-a", "watchNamespaces[1]", "team-b"));

    assertThat(chart.all(ClusterRole.class)).isEmpty();
    assertThat(chart.all(ClusterRoleBinding.class)).isEmpty();
    assertThat(chart.yaml).doesNotContain("customresourcedefinitions");
    Map<String, Role> rolesByNamespace =
        chart.all(Role.class).stream()
            .filter(role -> !role.getMetadata().getName().endsWith("-leader-election"))
            .collect(Collectors.toMap(role -> role.getMetadata().getNamespace(), role -> role));
    assertThat(rolesByNamespace).containsOnlyKeys("team-a", "team-b");
    rolesByNamespace
        .values()
        .forEach(
            role -> assertThat(role.getRules()).containsExactlyElementsOf(WATCHED_NAMESPACE_RULES));
    for (String namespace : List.of("team-a", "team-b")) {
      RoleBinding binding =
          chart.all(RoleBinding.class).stream()
              .filter(b -> namespace.equals(b.getMetadata().getNamespace()))
              .collect(onlyElement());
      assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
      assertThat(binding.getRoleRef().getName())
          .isEqualTo(rolesByNamespace.get(namespace).getMetadata().getName());
      assertThat(binding.getSubjects()).containsExactly(operatorServiceAccount(chart));
    }
    assertLeaderElectionRoleInReleaseNamespace(chart);
    assertThat(env(operatorContainer(chart), "KDFLOW_WATCH_NAMESPACES")).isEqualTo("team-a,team-b");
  }

  @Test
  void deploymentPassesTheOperatorContractAndRunsLocked() {
    RenderedChart chart = RenderedChart.render(Map.of());
    Deployment deployment = chart.one(Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container container = operatorContainer(chart);

    assertThat(deployment.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    assertThat(pod.getServiceAccountName())
        .isEqualTo(chart.one(ServiceAccount.class).getMetadata().getName());
    assertThat(container.getImage()).isEqualTo("kdflow/kdflow-operator:0.1.0");
    assertThat(env(container, "KDFLOW_WATCH_NAMESPACES")).isEmpty();
    assertThat(env(container, "KDFLOW_TRAINER_IMAGE")).isEqualTo("kdflow/kdflow-trainer:0.1.0");
    assertThat(env(container, "KDFLOW_POLL_INTERVAL")).isEqualTo("PT15S");
    assertThat(env(container, "KDFLOW_LEADER_ELECTION")).isEqualTo("true");
    EnvVar leaseNamespace = envVar(container, "KDFLOW_LEADER_ELECTION_NAMESPACE");
    assertThat(leaseNamespace.getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");

    assertThat(container.getPorts())
        .singleElement()
        .satisfies(
            port -> {
              assertThat(port.getContainerPort()).isEqualTo(8080);
              assertThat(port.getName()).isEqualTo("http");
            });
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(container.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(container.getResources().getLimits()).containsKey("memory");

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getVolumeMounts())
        .anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/tmp"));

    Service service = chart.one(Service.class);
    assertThat(service.getSpec().getSelector())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(
            port -> {
              assertThat(port.getName()).isEqualTo("metrics");
              assertThat(port.getPort()).isEqualTo(8080);
              assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
            });
  }

  @Test
  void nonDefaultValuesReachTheManifests() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("operator.image.repository", "registry.example.com/ml/kdflow-operator");
    values.put("operator.image.tag", "1.2.3");
    values.put("trainer.image.repository", "registry.example.com/ml/kdflow-trainer");
    values.put("trainer.image.tag", "1.2.3-cpu");
    values.put("pollInterval", "PT1M");
    values.put("replicaCount", 2);
    values.put("nodeSelector.kubernetes\\.io/os", "linux");
    values.put("metrics.serviceMonitor.enabled", true);
    values.put("metrics.serviceMonitor.labels.release", "prometheus");
    RenderedChart chart = RenderedChart.render(values);
    Deployment deployment = chart.one(Deployment.class);
    Container container = operatorContainer(chart);

    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(container.getImage()).isEqualTo("registry.example.com/ml/kdflow-operator:1.2.3");
    assertThat(env(container, "KDFLOW_TRAINER_IMAGE"))
        .isEqualTo("registry.example.com/ml/kdflow-trainer:1.2.3-cpu");
    assertThat(env(container, "KDFLOW_POLL_INTERVAL")).isEqualTo("PT1M");
    assertThat(deployment.getSpec().getTemplate().getSpec().getNodeSelector())
        .containsEntry("kubernetes.io/os", "linux");

    GenericKubernetesResource monitor =
        chart.all(GenericKubernetesResource.class).stream()
            .filter(o -> "ServiceMonitor".equals(o.getKind()))
            .collect(onlyElement());
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Map<String, Object> endpoint =
        monitor.<List<Map<String, Object>>>get("spec", "endpoints").get(0);
    assertThat(endpoint).containsEntry("port", "metrics").containsEntry("path", "/metrics");
    assertThat(monitor.<Map<String, String>>get("spec", "selector", "matchLabels"))
        .isEqualTo(chart.one(Service.class).getSpec().getSelector());
  }

  @Test
  void withKueueTheOperatorMayDeactivateWorkloadsAndOtherwiseNot() {
    PolicyRule workloads = rule("kueue.x-k8s.io", "workloads", "list", "patch");
    assertThat(RenderedChart.render(Map.of()).one(ClusterRole.class).getRules())
        .doesNotContain(workloads);
    assertThat(
            RenderedChart.render(Map.of("kueue.enabled", true)).one(ClusterRole.class).getRules())
        .containsExactlyElementsOf(
            java.util.stream.Stream.concat(
                    WATCHED_NAMESPACE_RULES.stream(), java.util.stream.Stream.of(workloads))
                .toList());
  }

  @Test
  void withoutLeaderElectionThereIsNoLeaseRoleAndOnlyOneReplica() {
    RenderedChart chart = RenderedChart.render(Map.of("leaderElection.enabled", false));

    assertThat(chart.all(Role.class)).isEmpty();
    assertThat(chart.yaml).doesNotContain("leases");
    assertThat(env(operatorContainer(chart), "KDFLOW_LEADER_ELECTION")).isEqualTo("false");
    assertThatThrownBy(
            () -> RenderedChart.render(Map.of("leaderElection.enabled", false, "replicaCount", 2)))
        .hasMessageContaining("replicaCount > 1 needs leaderElection.enabled=true");
  }

  @Test
  void anExistingServiceAccountIsBoundInsteadOfANewOne() {
    RenderedChart chart =
        RenderedChart.render(
            Map.of("serviceAccount.create", false, "serviceAccount.name", "ml-platform-operator"));

    assertThat(chart.all(ServiceAccount.class)).isEmpty();
    assertThat(
            chart.one(Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("ml-platform-operator");
    assertThat(chart.one(ClusterRoleBinding.class).getSubjects())
        .extracting(Subject::getName)
        .containsExactly("ml-platform-operator");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("serviceAccount.create", false)))
        .hasMessageContaining("serviceAccount.name is required");
  }

  @Test
  void withoutRbacCreationTheChartGrantsNothing() {
    RenderedChart chart = RenderedChart.render(Map.of("rbac.create", false));

    assertThat(chart.kinds()).containsExactly("Deployment", "Service", "ServiceAccount");
  }

  @Test
  void theSchemaRejectsBadValues() {
    assertThatThrownBy(() -> RenderedChart.render(Map.of("pollInterval", "soon")))
        .hasMessageContaining("pollInterval");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("watchNamespaces[0]", "Team_A")))
        .hasMessageContaining("watchNamespaces");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("replicas", 2)))
        .hasMessageContaining("replicas");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("replicaCount", -1)))
        .hasMessageContaining("replicaCount");
  }

  @Test
  void notesTellTheNextCommands() {
    Release release =
        new Helm(RenderedChart.chartDir())
            .install()
            .withName(RenderedChart.RELEASE)
            .withNamespace(RenderedChart.NAMESPACE)
            .withKubeVersion(RenderedChart.KUBE_VERSION)
            .dryRun()
            .clientOnly()
            .call();

    assertThat(release.getOutput())
        .contains("kubectl -n kdflow-system rollout status deployment/kdflow")
        .contains("kubectl apply -k examples/gitops/teacher")
        .contains("kubectl apply -k examples/gitops\n")
        .contains("kubectl get kdx -A -w")
        .contains("wait --for=condition=Succeeded kdx/fashion-mnist-kd")
        .contains("{.status.checkpoints.best.pvcPath}");
  }

  private static void assertLeaderElectionRoleInReleaseNamespace(RenderedChart chart) {
    Role lease =
        chart.all(Role.class).stream()
            .filter(role -> role.getMetadata().getName().endsWith("-leader-election"))
            .collect(onlyElement());
    assertThat(lease.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(lease.getRules()).containsExactlyElementsOf(LEADER_ELECTION_RULES);
    RoleBinding binding =
        chart.all(RoleBinding.class).stream()
            .filter(b -> b.getRoleRef().getName().equals(lease.getMetadata().getName()))
            .collect(onlyElement());
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(binding.getSubjects()).containsExactly(operatorServiceAccount(chart));
    // Leases appear nowhere else: leader election is confined to the release namespace.
    long leaseRules =
        chart.objects.stream()
            .flatMap(HelmChartIT::rulesOf)
            .filter(rule -> rule.getResources().contains("leases"))
            .count();
    assertThat(leaseRules).isEqualTo(1);
  }

  private static java.util.stream.Stream<PolicyRule> rulesOf(HasMetadata object) {
    if (object instanceof Role role) {
      return role.getRules().stream();
    }
    if (object instanceof ClusterRole role) {
      return role.getRules().stream();
    }
    return java.util.stream.Stream.empty();
  }

  private static Subject operatorServiceAccount(RenderedChart chart) {
    ServiceAccount account = chart.one(ServiceAccount.class);
    Subject subject = new Subject();
    subject.setKind("ServiceAccount");
    subject.setName(account.getMetadata().getName());
    subject.setNamespace(RenderedChart.NAMESPACE);
    return subject;
  }

  private static Container operatorContainer(RenderedChart chart) {
    return chart.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().stream()
        .collect(onlyElement());
  }

  private static EnvVar envVar(Container container, String name) {
    return container.getEnv().stream()
        .filter(env -> env.getName().equals(name))
        .collect(onlyElement());
  }

  private static String env(Container container, String name) {
    return envVar(container, name).getValue();
  }

  private static <T> java.util.stream.Collector<T, ?, T> onlyElement() {
    return Collectors.collectingAndThen(
        Collectors.toList(),
        list -> {
          assertThat(list).hasSize(1);
          return list.get(0);
        });
  }

  private static PolicyRule rule(String apiGroup, String resource, String... verbs) {
    return rule(List.of(apiGroup), List.of(resource), verbs);
  }

  private static PolicyRule rule(List<String> apiGroups, List<String> resources, String... verbs) {
    return new PolicyRuleBuilder()
        .withApiGroups(apiGroups)
        .withResources(resources)
        .withVerbs(verbs)
        .build();
  }
}
