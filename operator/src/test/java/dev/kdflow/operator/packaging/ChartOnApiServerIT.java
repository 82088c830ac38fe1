package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.OperatorConfig;
import dev.kdflow.operator.dependent.ChildNames;
import dev.kdflow.operator.packaging.RbacUsage.Permission;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.Experiments;
import dev.kdflow.operator.testing.Manifests;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * helm/kdflow installed into a real API server (RBAC authorization on) by helm-java, and the
 * operator run with a token of the chart's ServiceAccount, as in its pod, with the configuration
 * the chart's Deployment gives it. It goes through everything that makes API requests: new children
 * (a new claim, an existing one), suspend, a restart (children deleted), a ConfigMap left from an
 * earlier attempt (replaced), an invalid spec (status and a Warning event) and leader election. The
 * API server's audit log then shows that no request was refused (the RBAC is enough) and that every
 * permission the chart grants was used (nothing granted for nothing).
 *
 * <p>The operator runs with the chart watching one namespace (a Role there), so it never touches
 * other tests' experiments on the shared control plane. The default, cluster-wide install (the same
 * rules in a ClusterRole) is checked with the API server's SubjectAccessReview instead.
 */
@RealCluster
class ChartOnApiServerIT {
  static final String RELEASE = "kdflow";
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  static final String KD = Experiments.CPU_KD;

  @Test
  void theOperatorRunsAsTheChartsServiceAccountAndUsesEveryPermissionItIsGranted(ControlPlane plane)
      throws IOException {
    KubernetesClient admin = plane.client();
    String releaseNamespace = plane.createNamespace("kdflow-system");
    String watched = plane.createNamespace("ml");

    Release release =
        new Helm(RenderedChart.chartDir())
            .install()
            .withName(RELEASE)
            .withNamespace(releaseNamespace)
            .withKubeConfig(plane.kubeconfig())
            .set("watchNamespaces[0]", watched)
            .call();
    assertThat(release.getStatus()).isEqualTo("deployed");

    Deployment deployment =
        admin.apps().deployments().inNamespace(releaseNamespace).withName(RELEASE).get();
    String serviceAccount = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
    String username = "system:serviceaccount:" + releaseNamespace + ":" + serviceAccount;
    List<PolicyRule> rules = rulesBoundTo(admin, Set.of(serviceAccount), releaseNamespace, watched);
    // What the account may do in all: also what the cluster's default bindings give the groups
    // every service account is in (system:basic-user: self-reviews of its own permissions).
    List<PolicyRule> allowed =
        rulesBoundTo(
            admin,
            Set.of(
                serviceAccount,
                "system:authenticated",
                "system:serviceaccounts",
                "system:serviceaccounts:" + releaseNamespace),
            releaseNamespace,
            watched);
    assertThat(rules)
        .as("exact rules: no wildcard verbs or resources, no resourceNames")
        .allSatisfy(
            rule -> {
              assertThat(rule.getVerbs()).doesNotContain("*");
              assertThat(rule.getResources()).doesNotContain("*");
              assertThat(rule.getResourceNames()).isNullOrEmpty();
            });

    OperatorConfig config = configOf(deployment, releaseNamespace);
    assertThat(config.watchNamespaces()).containsExactly(watched);
    assertThat(config.leaderElection()).isTrue();

    try (KubernetesClient asServiceAccount =
        clientWithToken(admin, serviceAccountToken(admin, releaseNamespace, serviceAccount))) {
      // The chart's settings, but stopping the operator must not end the test JVM: JOSDK exits
      // the process when a leader stops leading (right in production, where the pod restarts).
      LeaderElectionConfiguration election =
          LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(OperatorConfig.LEASE_NAME)
              .withLeaseNamespace(config.leaderElectionNamespace())
              .withExitOnStopLeading(false)
              .build();
      KDFlowOperator operator =
          KDFlowOperator.create(
              config,
              asServiceAccount,
              new SimpleMeterRegistry(),
              o -> o.withLeaderElectionConfiguration(election),
              TrainerStatusSource.NONE);
      operator.start();
      try {
        try {
          runEveryKindOfReconciliation(plane, admin, watched);
        } catch (ConditionTimeoutException e) {
          // Most likely the operator was refused something it needed: say what.
          List<RbacUsage.Request> refused =
              RbacUsage.of(username, Files.readAllLines(plane.auditLog())).forbidden();
          if (!refused.isEmpty()) {
            throw new AssertionError(
                "refused to the operator (grant them in helm/kdflow/templates/_rbac-rules.tpl): "
                    + refused.stream()
                        .map(r -> r.permission() + " (" + r.uri() + ")")
                        .distinct()
                        .collect(Collectors.joining(", ")),
                e);
          }
          // Otherwise the experiments' own statuses say what they wait for.
          throw new AssertionError(
              "the scenario stalled; experiments: "
                  + admin
                      .resources(KDExperiment.class)
                      .inNamespace(watched)
                      .list()
                      .getItems()
                      .stream()
                      .map(k -> k.getMetadata().getName() + " " + k.getStatus())
                      .collect(Collectors.joining("; ")),
              e);
        }
        awaitEveryGrantedPermissionUsed(plane, username, rules, admin, watched);
      } finally {
        operator.operator().stop();
      }
    }

    RbacUsage usage = RbacUsage.of(username, Files.readAllLines(plane.auditLog()));
    assertThat(usage.forbidden()).as("requests refused to the operator").isEmpty();
    assertThat(usedPermissions(usage, admin, watched))
        .as("permissions the operator used, all granted")
        .isSubsetOf(RbacUsage.granted(allowed));
  }

  /**
   * The default install (every namespace): the API server's authorizer lets the ServiceAccount do
   * what the chart grants in any namespace, leases only in the release namespace, nothing else.
   */
  @Test
  void theClusterWideInstallGrantsTheSameInEveryNamespaceAndLeasesOnlyAtHome(ControlPlane plane) {
    KubernetesClient admin = plane.client();
    String releaseNamespace = plane.createNamespace("kdflow-all");
    String anyNamespace = plane.createNamespace("team");
    String release = "kdflow-cluster-wide";
    new Helm(RenderedChart.chartDir())
        .install()
        .withName(release)
        .withNamespace(releaseNamespace)
        .withKubeConfig(plane.kubeconfig())
        .call();
    String serviceAccount =
        admin
            .apps()
            .deployments()
            .inNamespace(releaseNamespace)
            .withName(release)
            .get()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getServiceAccountName();
    String username = "system:serviceaccount:" + releaseNamespace + ":" + serviceAccount;

    for (Permission p : RbacUsage.granted(HelmChartIT.WATCHED_NAMESPACE_RULES)) {
      assertThat(allowed(admin, username, anyNamespace, p)).as(p + " in " + anyNamespace).isTrue();
    }
    for (Permission p : RbacUsage.granted(HelmChartIT.LEADER_ELECTION_RULES)) {
      assertThat(allowed(admin, username, releaseNamespace, p)).as(p + " at home").isTrue();
      assertThat(allowed(admin, username, anyNamespace, p)).as(p + " elsewhere").isFalse();
    }
    for (Permission p :
        List.of(
            new Permission("get", "", "secrets"),
            new Permission("delete", "", "persistentvolumeclaims"),
            new Permission("update", "kdflow.dev", "kdexperiments"),
            new Permission("create", "", "pods"))) {
      assertThat(allowed(admin, username, anyNamespace, p)).as(p.toString()).isFalse();
    }
  }

  /** The API server's answer to a SubjectAccessReview for this user. */
  private static boolean allowed(
      KubernetesClient admin, String username, String namespace, Permission permission) {
    String[] resource = permission.resource().split("/", 2);
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(username)
            .withNewResourceAttributes()
            .withNamespace(namespace)
            .withVerb(permission.verb())
            .withGroup(permission.group())
            .withResource(resource[0])
            .withSubresource(resource.length > 1 ? resource[1] : null)
            .endResourceAttributes()
            .endSpec()
            .build();
    return admin.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }

  /**
   * Creates experiments (a new claim, an existing one), suspends and restarts one, has a ConfigMap
   * of an earlier attempt replaced and one spec found invalid; waits for each outcome.
   */
  private static void runEveryKindOfReconciliation(
      ControlPlane plane, KubernetesClient admin, String namespace) {
    apply(plane, namespace, KD.formatted("new-claim"));
    // A claim the spec names must exist before its Job is created (the operator reads it: get).
    admin
        .persistentVolumeClaims()
        .inNamespace(namespace)
        .resource(
            new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("team-checkpoints")
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build())
        .create();
    apply(
        plane,
        namespace,
        Manifests.with(
            KD.formatted("existing-claim"), "spec.storage", "{existingClaim: team-checkpoints}"));
    awaitJob(admin, namespace, "new-claim", job -> true);
    awaitJob(admin, namespace, "existing-claim", job -> true);
    assertThat(
            admin
                .persistentVolumeClaims()
                .inNamespace(namespace)
                .withName("new-claim-checkpoints")
                .get())
        .isNotNull();

    // Suspend: the Job is updated in place.
    patch(plane, namespace, "new-claim", "{\"spec\":{\"runPolicy\":{\"suspend\":true}}}");
    awaitJob(admin, namespace, "new-claim", job -> Boolean.TRUE.equals(job.getSpec().getSuspend()));

    // Restart: the Job and ConfigMap of attempt 1 are deleted, attempt 2's are created.
    patch(plane, namespace, "new-claim", "{\"spec\":{\"restartNonce\":\"2\"}}");
    awaitJob(
        admin,
        namespace,
        "new-claim",
        job -> "2".equals(job.getMetadata().getAnnotations().get(ChildNames.ATTEMPT_ANNOTATION)));

    // A ConfigMap of an earlier attempt is replaced in place. The experiment is invalid at first,
    // so the operator creates nothing before the old ConfigMap is there.
    apply(
        plane,
        namespace,
        Manifests.with(
            KD.formatted("stale-config"), "spec.student.architecture", "transformer9000"));
    awaitStalled(admin, namespace, "stale-config");
    KDExperiment stale =
        admin.resources(KDExperiment.class).inNamespace(namespace).withName("stale-config").get();
    admin
        .configMaps()
        .inNamespace(namespace)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(ChildNames.configMap(stale))
                .withLabels(ChildNames.labels(stale))
                .addToAnnotations(ChildNames.ATTEMPT_ANNOTATION, "0")
                .addNewOwnerReference()
                .withApiVersion(KDExperiment.API_VERSION)
                .withKind(KDExperiment.KIND)
                .withName(stale.getMetadata().getName())
                .withUid(stale.getMetadata().getUid())
                .endOwnerReference()
                .endMetadata()
                .addToData("experiment.yaml", "# an earlier attempt")
                .build())
        .create();
    patch(
        plane,
        namespace,
        "stale-config",
        "{\"spec\":{\"restartNonce\":\"fixed\",\"student\":{\"architecture\":\"mlp\"}}}");
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              ConfigMap config =
                  admin
                      .configMaps()
                      .inNamespace(namespace)
                      .withName(ChildNames.configMap(stale))
                      .get();
              return config != null
                  && !"0"
                      .equals(
                          config.getMetadata().getAnnotations().get(ChildNames.ATTEMPT_ANNOTATION));
            });

    // Invalid for the operator (not for the schema): status Stalled and a Warning event.
    apply(
        plane,
        namespace,
        Manifests.with(KD.formatted("invalid"), "spec.student.architecture", "transformer9000"));
    awaitStalled(admin, namespace, "invalid");
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                admin.v1().events().inNamespace(namespace).list().getItems().stream()
                    .anyMatch(
                        e ->
                            "invalid".equals(e.getInvolvedObject().getName())
                                && "Warning".equals(e.getType())));

    // Pods the Job controller cannot create (a pod quota): the operator reads the Job's
    // FailedCreate events (list) into the status. Last, since the quota holds for the namespace.
    admin
        .resourceQuotas()
        .inNamespace(namespace)
        .resource(
            new io.fabric8.kubernetes.api.model.ResourceQuotaBuilder()
                .withNewMetadata()
                .withName("no-pods")
                .endMetadata()
                .withNewSpec()
                .addToHard("pods", new io.fabric8.kubernetes.api.model.Quantity("0"))
                .endSpec()
                .build())
        .create();
    // admission enforces a quota once the quota controller has computed its usage
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              var q = admin.resourceQuotas().inNamespace(namespace).withName("no-pods").get();
              return q.getStatus() != null && q.getStatus().getUsed() != null;
            });
    apply(plane, namespace, KD.formatted("podless"));
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              KDExperiment k =
                  admin
                      .resources(KDExperiment.class)
                      .inNamespace(namespace)
                      .withName("podless")
                      .get();
              return k != null
                  && k.getStatus() != null
                  && k.getStatus()
                      .condition(KDExperimentStatus.READY)
                      .map(c -> "ResourceQuotaExceeded".equals(c.getReason()))
                      .orElse(false);
            });
  }

  /**
   * Waits until the audit log shows every granted permission used; fails naming those never used
   * (grant less) after the time limit.
   */
  private static void awaitEveryGrantedPermissionUsed(
      ControlPlane plane,
      String username,
      List<PolicyRule> rules,
      KubernetesClient admin,
      String namespace) {
    Set<Permission> granted = RbacUsage.granted(rules);
    List<Permission> unused = new ArrayList<>();
    try {
      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                RbacUsage usage = RbacUsage.of(username, Files.readAllLines(plane.auditLog()));
                Set<Permission> missing = new TreeSet<>(granted);
                missing.removeAll(usedPermissions(usage, admin, namespace));
                unused.clear();
                unused.addAll(missing);
                return missing.isEmpty();
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "granted by helm/kdflow/templates/_rbac-rules.tpl but never used by the operator"
              + " (remove them): "
              + unused,
          e);
    }
  }

  /**
   * What the audit log shows, plus permissions checked without a request of their own verb: {@code
   * update} on kdexperiments/finalizers when a child carries {@code blockOwnerDeletion} (the API
   * server's OwnerReferencesPermissionEnforcement admission, on in the test control plane as on
   * OpenShift, checks exactly that), and get, create and update on leases once the operator asked
   * for a SelfSubjectRulesReview (JOSDK's leader election does not start without those three).
   */
  private static Set<Permission> usedPermissions(
      RbacUsage usage, KubernetesClient admin, String namespace) {
    Set<Permission> used = new TreeSet<>(usage.used());
    boolean blocksOwnerDeletion =
        Stream.of(
                admin.configMaps().inNamespace(namespace).list().getItems(),
                admin.batch().v1().jobs().inNamespace(namespace).list().getItems(),
                admin.persistentVolumeClaims().inNamespace(namespace).list().getItems())
            .flatMap(List::stream)
            .map(HasMetadata::getMetadata)
            .filter(m -> m.getOwnerReferences() != null)
            .flatMap(m -> m.getOwnerReferences().stream())
            .filter(ref -> KDExperiment.KIND.equals(ref.getKind()))
            .map(OwnerReference::getBlockOwnerDeletion)
            .anyMatch(Boolean.TRUE::equals);
    if (blocksOwnerDeletion) {
      used.add(new Permission("update", "kdflow.dev", "kdexperiments/finalizers"));
    }
    boolean checkedLeaseAccess =
        usage.requests().stream()
            .anyMatch(
                r ->
                    r.code() == 201
                        && r.permission()
                            .equals(
                                new Permission(
                                    "create", "authorization.k8s.io", "selfsubjectrulesreviews")));
    if (checkedLeaseAccess) {
      for (String verb : List.of("get", "create", "update")) {
        used.add(new Permission(verb, "coordination.k8s.io", "leases"));
      }
    }
    return used;
  }

  /**
   * The rules of every (Cluster)Role bound, in these namespaces or cluster-wide, to the service
   * account or to one of these groups (subject names).
   */
  private static List<PolicyRule> rulesBoundTo(
      KubernetesClient admin, Set<String> subjects, String accountNamespace, String... others) {
    List<PolicyRule> rules = new ArrayList<>();
    List<String> namespaces = new ArrayList<>(List.of(others));
    namespaces.add(accountNamespace);
    for (String namespace : namespaces) {
      for (RoleBinding binding :
          admin.rbac().roleBindings().inNamespace(namespace).list().getItems()) {
        if (binds(binding.getSubjects(), subjects, accountNamespace)) {
          rules.addAll(
              "ClusterRole".equals(binding.getRoleRef().getKind())
                  ? admin
                      .rbac()
                      .clusterRoles()
                      .withName(binding.getRoleRef().getName())
                      .get()
                      .getRules()
                  : admin
                      .rbac()
                      .roles()
                      .inNamespace(namespace)
                      .withName(binding.getRoleRef().getName())
                      .get()
                      .getRules());
        }
      }
    }
    admin.rbac().clusterRoleBindings().list().getItems().stream()
        .filter(b -> binds(b.getSubjects(), subjects, accountNamespace))
        .forEach(
            b ->
                rules.addAll(
                    admin
                        .rbac()
                        .clusterRoles()
                        .withName(b.getRoleRef().getName())
                        .get()
                        .getRules()));
    assertThat(rules).as("rules bound to " + subjects).isNotEmpty();
    return rules;
  }

  private static boolean binds(List<Subject> subjects, Set<String> names, String namespace) {
    return subjects != null
        && subjects.stream()
            .anyMatch(
                s ->
                    names.contains(s.getName())
                        && ("Group".equals(s.getKind())
                            || "ServiceAccount".equals(s.getKind())
                                && namespace.equals(s.getNamespace())));
  }

  /** The operator's configuration from the Deployment's environment, as its pod would see it. */
  private static OperatorConfig configOf(Deployment deployment, String podNamespace) {
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, String> env = new HashMap<>();
    for (EnvVar variable : container.getEnv()) {
      if (variable.getValue() != null) {
        env.put(variable.getName(), variable.getValue());
      } else if (variable.getValueFrom() != null
          && variable.getValueFrom().getFieldRef() != null
          && "metadata.namespace".equals(variable.getValueFrom().getFieldRef().getFieldPath())) {
        env.put(variable.getName(), podNamespace);
      }
    }
    return OperatorConfig.fromEnvironment(env);
  }

  /** A token for the service account (TokenRequest API), as the kubelet mounts into its pod. */
  private static String serviceAccountToken(
      KubernetesClient admin, String namespace, String serviceAccount) {
    return admin
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(serviceAccount)
        .tokenRequest(
            new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus()
        .getToken();
  }

  /** A client that authenticates with the token only (no client certificate of the admin). */
  private static KubernetesClient clientWithToken(KubernetesClient admin, String token) {
    Config adminConfig = admin.getConfiguration();
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(adminConfig.getMasterUrl())
            .withCaCertData(adminConfig.getCaCertData())
            .withOauthToken(token)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static void apply(ControlPlane plane, String namespace, String manifest) {
    var result = plane.kubectlWithInput(manifest, "apply", "-n", namespace, "-f", "-");
    assertThat(result.exitCode()).as(result.stderr()).isZero();
  }

  private static void patch(ControlPlane plane, String namespace, String name, String mergePatch) {
    var result =
        plane.kubectl("patch", "-n", namespace, "kdx", name, "--type=merge", "-p", mergePatch);
    assertThat(result.exitCode()).as(result.stderr()).isZero();
  }

  private static void awaitStalled(KubernetesClient admin, String namespace, String name) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              KDExperiment kdx =
                  admin.resources(KDExperiment.class).inNamespace(namespace).withName(name).get();
              return kdx.getStatus() != null
                  && kdx.getStatus()
                      .condition("Stalled")
                      .filter(c -> "InvalidSpec".equals(c.getReason()))
                      .isPresent();
            });
  }

  private static void awaitJob(
      KubernetesClient admin,
      String namespace,
      String name,
      java.util.function.Predicate<Job> condition) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              Job job = admin.batch().v1().jobs().inNamespace(namespace).withName(name).get();
              return job != null && condition.test(job);
            });
  }
}
