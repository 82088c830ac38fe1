package dev.kdflow.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.api.PrecomputeSpec;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.operator.dependent.ChildNames;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.Kubelet;
import dev.kdflow.operator.testing.OperatorInNamespace;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import dev.kdflow.operator.testing.TrainerReports;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a cluster user runs into, on a real API server with the real Job controller and garbage
 * collector (the test plays the kubelet): spec edits after the end, a KDExperiment re-created under
 * the same name, a Job deleted by hand, an invalid edit mid-run, quotas and name clashes.
 */
@RealCluster
class ClusterCorrectnessIT {
  static final Duration TIMEOUT = OperatorOnApiServerIT.TIMEOUT;

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

  void apply(String name) {
    cluster.apply(OperatorOnApiServerIT.KD.formatted(name));
  }

  Condition condition(String name, String type) {
    KDExperiment k = cluster.experiment(name);
    return k == null || k.getStatus() == null ? null : k.getStatus().condition(type).orElse(null);
  }

  /** Waits until the condition has the status and reason, for the current generation. */
  Condition awaitCondition(String name, String type, String status, String reason) {
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              KDExperiment k = cluster.experiment(name);
              assertThat(k.getStatus()).isNotNull();
              Condition c = k.getStatus().condition(type).orElse(null);
              assertThat(c).as("condition %s of %s", type, name).isNotNull();
              assertThat(c.getStatus()).as("%s status", type).isEqualTo(status);
              assertThat(c.getReason()).as("%s reason", type).isEqualTo(reason);
              assertThat(c.getObservedGeneration()).isEqualTo(k.getMetadata().getGeneration());
            });
    return condition(name, type);
  }

  void succeed(String name) {
    Pod pod = kubelet.awaitPod(name, TIMEOUT);
    kubelet.running(pod);
    TrainerReport report = TrainerReports.running(10, 1000, 0.87);
    report.setPhase(TrainerReport.Phase.SUCCEEDED);
    kubelet.terminated(pod, 0, "Completed", Serialization.asJson(report));
    awaitCondition(name, "Succeeded", "True", "Succeeded");
  }

  List<Event> events(String name) {
    return ns.client()
        .v1()
        .events()
        .inNamespace(ns.name())
        .withField("involvedObject.name", name)
        .list()
        .getItems();
  }

  String kubectlWait(String condition, String name, Duration timeout) {
    return plane
        .kubectl(
            "wait",
            "-n",
            ns.name(),
            "--for=condition=" + condition,
            "kdx/" + name,
            "--timeout=" + timeout.toSeconds() + "s")
        .orThrow();
  }

  @Test
  void aSpecEditAfterSuccessIsObservedKeepsTheResultAndSaysRestartRequired() {
    apply("edited");
    succeed("edited");
    Job finished = cluster.job("edited");

    cluster.patch("edited", "{\"spec\":{\"resources\":{\"memory\":\"2Gi\"}}}");
    KDExperiment kdx = cluster.experiment("edited");
    assertThat(kdx.getMetadata().getGeneration()).isEqualTo(2L);
    assertThat(kubectlWait("Succeeded", "edited", Duration.ofSeconds(30)))
        .as("kubectl wait sees the condition of the current generation")
        .contains("condition met");
    Condition restart = awaitCondition("edited", "RestartRequired", "True", "SpecChanged");
    assertThat(restart.getMessage()).contains("spec.restartNonce");
    KDExperimentStatus s = cluster.experiment("edited").getStatus();
    assertThat(s.getObservedGeneration()).isEqualTo(2L);
    assertThat(s.getPhase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(s.condition("Ready").orElseThrow().getStatus())
        .as("a finished result stays Ready: RestartRequired is its own condition")
        .isEqualTo("True");
    assertThat(s.condition("Stalled").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(s.getConditions()).allMatch(c -> c.getObservedGeneration() == 2L);
    assertThat(cluster.job("edited").getMetadata().getUid())
        .as("nothing is retrained silently")
        .isEqualTo(finished.getMetadata().getUid());
    assertThat(kubelet.livePods("edited")).isEmpty();
  }

  @Test
  void aReCreatedExperimentWaitsForItsPredecessorsJobInsteadOfAdoptingIt() {
    apply("reborn");
    succeed("reborn");
    Job old = cluster.job("reborn");
    assertThat(old.getMetadata().getOwnerReferences())
        .extracting(OwnerReference::getController, OwnerReference::getBlockOwnerDeletion)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(true, true));
    // Hold the old Job: the garbage collector marks it deleted but cannot remove it yet, as when
    // the KDExperiment is re-created before garbage collection gets to its children.
    ns.client()
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns.name())
        .withName("reborn")
        .edit(
            j ->
                new JobBuilder(j)
                    .editMetadata()
                    .withFinalizers("kdflow.dev/test-hold")
                    .endMetadata()
                    .build());
    plane.kubectl("delete", "kdx", "reborn", "-n", ns.name(), "--wait=true").orThrow();
    await()
        .atMost(TIMEOUT)
        .until(() -> cluster.job("reborn").getMetadata().getDeletionTimestamp() != null);

    apply("reborn");
    Condition ready = awaitCondition("reborn", "Ready", "False", "NameConflict");
    assertThat(ready.getMessage())
        .contains(
            "earlier KDExperiment of the same name",
            old.getMetadata().getOwnerReferences().get(0).getUid());
    KDExperimentStatus s = cluster.experiment("reborn").getStatus();
    assertThat(s.getPhase()).isEqualTo(Phase.PENDING);
    assertThat(s.condition("Succeeded").orElseThrow().getStatus()).isEqualTo("Unknown");
    assertThat(s.condition("Stalled").orElseThrow().getStatus())
        .as("the garbage collector resolves it, not the user")
        .isEqualTo("False");
    Job held = cluster.job("reborn");
    assertThat(held.getMetadata().getUid()).isEqualTo(old.getMetadata().getUid());
    assertThat(held.getMetadata().getOwnerReferences())
        .as("the old Job is not adopted")
        .extracting(OwnerReference::getUid)
        .containsExactly(old.getMetadata().getOwnerReferences().get(0).getUid());

    // The garbage collector finishes: the new experiment gets its own Job and trains.
    ns.client()
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns.name())
        .withName("reborn")
        .edit(
            j -> new JobBuilder(j).editMetadata().withFinalizers(List.of()).endMetadata().build());
    String uid = cluster.experiment("reborn").getMetadata().getUid();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Job own = cluster.job("reborn");
              assertThat(own).isNotNull();
              assertThat(own.getMetadata().getOwnerReferences())
                  .extracting(OwnerReference::getUid)
                  .containsExactly(uid);
            });
    Pod pod = kubelet.awaitPod("reborn", TIMEOUT);
    kubelet.running(pod);
    awaitCondition("reborn", "Ready", "True", "Running");
  }

  @Test
  void anOrphanedJobWithTheNameIsAConflictTheUserMustResolve() {
    apply("orphan");
    succeed("orphan");
    plane
        .kubectl("delete", "kdx", "orphan", "-n", ns.name(), "--cascade=orphan", "--wait=true")
        .orThrow();
    await()
        .atMost(TIMEOUT)
        .until(() -> cluster.job("orphan").getMetadata().getOwnerReferences().isEmpty());
    Job orphaned = cluster.job("orphan");

    apply("orphan");
    Condition stalled = awaitCondition("orphan", "Stalled", "True", "NameConflict");
    assertThat(stalled.getMessage()).contains("Job orphan", "--cascade=orphan");
    assertThat(cluster.experiment("orphan").getStatus().getPhase())
        .as("a Complete Job of someone else never makes this experiment Succeeded")
        .isEqualTo(Phase.PENDING);
    assertThat(cluster.job("orphan").getMetadata().getOwnerReferences()).isEmpty();
    assertThat(cluster.job("orphan").getMetadata().getResourceVersion())
        .isEqualTo(orphaned.getMetadata().getResourceVersion());
    assertThat(events("orphan")).anyMatch(e -> "NameConflict".equals(e.getReason()));
  }

  @Test
  void anUnmanagedConfigMapWithTheChildsNameIsNotTakenOver() {
    ns.client()
        .configMaps()
        .inNamespace(ns.name())
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("taken-experiment")
                .endMetadata()
                .withData(Map.of("mine", "yes"))
                .build())
        .create();
    apply("taken");
    Condition stalled = awaitCondition("taken", "Stalled", "True", "NameConflict");
    assertThat(stalled.getMessage()).contains("ConfigMap taken-experiment");
    assertThat(cluster.experiment("taken").getStatus().getPhase()).isEqualTo(Phase.PENDING);
    ConfigMap untouched =
        ns.client().configMaps().inNamespace(ns.name()).withName("taken-experiment").get();
    assertThat(untouched.getData()).isEqualTo(Map.of("mine", "yes"));
    assertThat(untouched.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(cluster.job("taken")).isNull();
  }

  @Test
  void aJobDeletedMidRunIsRecreatedOnlyAfterItsPodIsGone() {
    apply("lost");
    Pod first = kubelet.awaitPod("lost", TIMEOUT);
    kubelet.running(first);
    awaitCondition("lost", "Ready", "True", "Running");
    Job original = cluster.job("lost");

    // Deleted by hand, leaving its pod running (the trainer keeps writing checkpoints).
    plane
        .kubectl("delete", "job", "lost", "-n", ns.name(), "--cascade=orphan", "--wait=true")
        .orThrow();
    Condition waiting = awaitCondition("lost", "Ready", "False", "JobDeleted");
    assertThat(waiting.getMessage()).contains(first.getMetadata().getName());
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> cluster.job("lost") == null);

    // The old trainer ends: the new Job, same attempt (same checkpoint directory), resumes.
    kubelet.terminated(first, 143, "Error", null);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                cluster.job("lost") != null
                    && !cluster
                        .job("lost")
                        .getMetadata()
                        .getUid()
                        .equals(original.getMetadata().getUid()));
    Job recreated = cluster.job("lost");
    assertThat(recreated.getMetadata().getAnnotations())
        .containsEntry(ChildNames.ATTEMPT_ANNOTATION, "1");
    assertThat(recreated.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand())
        .contains("--resume");
    assertThat(events("lost")).anyMatch(e -> "JobRecreated".equals(e.getReason()));
  }

  /** An experiment whose teacher's soft labels are precomputed by an Indexed Job of 2 pods. */
  KDExperiment createWithPrecompute(String name) {
    KDExperiment kdx =
        Serialization.unmarshal(OperatorOnApiServerIT.KD.formatted(name), KDExperiment.class);
    kdx.getMetadata().setNamespace(ns.name());
    PrecomputeSpec precompute = new PrecomputeSpec();
    precompute.setShards(2);
    kdx.getSpec().getKd().setPrecompute(precompute);
    return ns.client().resources(KDExperiment.class).inNamespace(ns.name()).resource(kdx).create();
  }

  /** The Job's pods, whatever their state (the Job controller creates one per index). */
  List<Pod> podsOf(String jobName) {
    return ns.client()
        .pods()
        .inNamespace(ns.name())
        .withLabel("batch.kubernetes.io/job-name", jobName)
        .list()
        .getItems();
  }

  /** The precompute Job once it and its pods exist; checks the experiment controls it. */
  Job awaitPrecompute(String jobName, KDExperiment owner) {
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> cluster.job(jobName) != null && podsOf(jobName).size() == 2);
    Job pre = cluster.job(jobName);
    assertThat(pre.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getUid()).isEqualTo(owner.getMetadata().getUid());
              assertThat(o.getController()).isTrue();
              assertThat(o.getBlockOwnerDeletion()).isTrue();
            });
    return pre;
  }

  @Test
  void deletingTheExperimentDeletesItsPrecomputeJobAndItsPods() {
    KDExperiment kdx = createWithPrecompute("gone");
    awaitPrecompute("gone-precompute", kdx);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                cluster.experiment("gone").getStatus() != null
                    && cluster.experiment("gone").getStatus().getPrecompute() != null);
    assertThat(cluster.job("gone")).as("no training Job before the shards exist").isNull();

    // kube-controller-manager's garbage collector follows the owner references
    plane.kubectl("delete", "kdx", "gone", "-n", ns.name(), "--wait=true").orThrow();
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> cluster.job("gone-precompute") == null && podsOf("gone-precompute").isEmpty());
    assertThat(
            ns.client()
                .batch()
                .v1()
                .jobs()
                .inNamespace(ns.name())
                .withLabel(ChildNames.EXPERIMENT_LABEL, "gone")
                .list()
                .getItems())
        .isEmpty();
  }

  @Test
  void aNewAttemptDeletesThePreviousAttemptsPrecomputeJob() {
    KDExperiment kdx = createWithPrecompute("again");
    Job first = awaitPrecompute("again-precompute", kdx);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                cluster.experiment("again").getStatus() != null
                    && cluster.experiment("again").getStatus().getAttempt() != null);

    cluster.patch("again", "{\"spec\":{\"restartNonce\":\"2\"}}");
    awaitPrecompute("again-precompute-2", kdx);
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                cluster.job("again-precompute") == null
                    && podsOf("again-precompute").isEmpty()
                    && podsOf("again-precompute-2").size() == 2);
    assertThat(cluster.job("again-precompute-2").getMetadata().getUid())
        .isNotEqualTo(first.getMetadata().getUid());
    assertThat(cluster.experiment("again").getStatus().getAttempt().getNumber()).isEqualTo(2);
    assertThat(cluster.experiment("again").getStatus().getPrecompute().getShards()).isEqualTo(2);
    // and it stays the only one: the first attempt's is not re-created
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> cluster.job("again-precompute") == null);
  }

  @Test
  void aJobHoldingThePrecomputeJobsNameIsAConflictTheUserMustResolve() {
    Job unmanaged =
        ns.client()
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns.name())
            .resource(
                new JobBuilder()
                    .withNewMetadata()
                    .withName("held-precompute")
                    .endMetadata()
                    .withNewSpec()
                    .withSuspend(true)
                    .withNewTemplate()
                    .withNewSpec()
                    .withRestartPolicy("Never")
                    .addNewContainer()
                    .withName("other")
                    .withImage("busybox")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();

    createWithPrecompute("held");
    Condition stalled = awaitCondition("held", "Stalled", "True", "NameConflict");
    assertThat(stalled.getMessage()).contains("Job held-precompute", "delete it or rename");
    assertThat(cluster.experiment("held").getStatus().getPhase()).isEqualTo(Phase.PENDING);
    assertThat(events("held")).anyMatch(e -> "NameConflict".equals(e.getReason()));
    Job untouched = cluster.job("held-precompute");
    assertThat(untouched.getMetadata().getOwnerReferences()).isNullOrEmpty();
    // the Job controller writes its status; its spec and labels stay the user's
    assertThat(untouched.getMetadata().getGeneration())
        .isEqualTo(unmanaged.getMetadata().getGeneration());
    assertThat(untouched.getMetadata().getLabels()).doesNotContainKey(ChildNames.EXPERIMENT_LABEL);
    assertThat(cluster.job("held")).as("no training before the soft labels").isNull();
  }

  @Test
  void anInvalidEditMidRunKeepsTheRunningJobAndStallsTheNewGeneration() {
    apply("midrun");
    Pod pod = kubelet.awaitPod("midrun", TIMEOUT);
    kubelet.running(pod);
    awaitCondition("midrun", "Ready", "True", "Running");

    // Training fields change only with a new restartNonce: an invalid one in the same edit.
    cluster.patch(
        "midrun",
        "{\"spec\":{\"restartNonce\":\"2\",\"student\":{\"architecture\":\"transformer9000\"}}}");
    Condition stalled = awaitCondition("midrun", "Stalled", "True", "InvalidSpec");
    assertThat(stalled.getMessage()).contains("spec.student.architecture");
    KDExperimentStatus s = cluster.experiment("midrun").getStatus();
    assertThat(s.getPhase()).as("the accepted spec keeps running").isEqualTo(Phase.RUNNING);
    assertThat(s.condition("Ready").orElseThrow().getReason()).isEqualTo("InvalidSpec");
    assertThat(s.getAttempt().getNumber()).isEqualTo(1);
    assertThat(kubelet.livePods("midrun"))
        .extracting(p -> p.getMetadata().getName())
        .containsExactly(pod.getMetadata().getName());

    // The pod finishes under the accepted spec: its result is not hidden.
    TrainerReport report = TrainerReports.running(10, 1000, 0.87);
    report.setPhase(TrainerReport.Phase.SUCCEEDED);
    kubelet.terminated(pod, 0, "Completed", Serialization.asJson(report));
    await()
        .atMost(TIMEOUT)
        .until(() -> cluster.experiment("midrun").getStatus().getPhase() == Phase.SUCCEEDED);
  }

  ResourceQuota quota(String name, Map<String, String> hard) {
    ResourceQuota q =
        ns.client()
            .resourceQuotas()
            .inNamespace(ns.name())
            .resource(
                new ResourceQuotaBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .endMetadata()
                    .withNewSpec()
                    .withHard(
                        hard.entrySet().stream()
                            .collect(
                                java.util.stream.Collectors.toMap(
                                    Map.Entry::getKey,
                                    e ->
                                        new io.fabric8.kubernetes.api.model.Quantity(
                                            e.getValue()))))
                    .endSpec()
                    .build())
            .create();
    // Admission enforces a quota once the quota controller has computed its usage.
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              ResourceQuota now =
                  ns.client().resourceQuotas().inNamespace(ns.name()).withName(name).get();
              return now.getStatus() != null && now.getStatus().getHard() != null;
            });
    return q;
  }

  @Test
  void aQuotaRefusingTheJobIsShownAsAConditionAndAnEvent() {
    quota("no-jobs", Map.of("count/jobs.batch", "0"));
    apply("refused");
    Condition ready = awaitCondition("refused", "Ready", "False", "ResourceQuotaExceeded");
    assertThat(ready.getMessage()).contains("exceeded quota", "no-jobs");
    assertThat(cluster.experiment("refused").getStatus().getPhase()).isEqualTo(Phase.PENDING);
    assertThat(plane.kubectl("get", "kdx", "refused", "-n", ns.name()).orThrow())
        .containsPattern("refused\\s+\\S+\\s+False\\s+Pending");
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                events("refused").stream()
                    .anyMatch(e -> "ResourceQuotaExceeded".equals(e.getReason())));
    assertThat(cluster.job("refused")).isNull();

    // the quota lifted, the operator's retries (which never give up) create the Job unprompted
    ns.client().resourceQuotas().inNamespace(ns.name()).withName("no-jobs").delete();
    await().atMost(Duration.ofMinutes(2)).until(() -> cluster.job("refused") != null);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                cluster
                    .experiment("refused")
                    .getStatus()
                    .condition("Ready")
                    .map(c -> !"ResourceQuotaExceeded".equals(c.getReason()))
                    .orElse(false));
  }

  @Test
  void podsTheJobControllerCannotCreateAreShownAsAConditionAndAnEvent() {
    quota("no-pods", Map.of("pods", "0"));
    apply("podless");
    Condition ready = awaitCondition("podless", "Ready", "False", "ResourceQuotaExceeded");
    assertThat(ready.getMessage()).contains("cannot create its pod", "exceeded quota");
    assertThat(cluster.experiment("podless").getStatus().getPhase()).isEqualTo(Phase.PENDING);
    assertThat(cluster.job("podless")).isNotNull();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                events("podless").stream()
                    .anyMatch(e -> "ResourceQuotaExceeded".equals(e.getReason())));
  }

  /** Kueue's Workload CRD, reduced to what this test needs (Kueue itself is not installed). */
  void installWorkloadCrd() {
    var crd =
        new io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder()
            .withNewMetadata()
            .withName("workloads.kueue.x-k8s.io")
            .endMetadata()
            .withNewSpec()
            .withGroup("kueue.x-k8s.io")
            .withScope("Namespaced")
            .withNewNames()
            .withKind("Workload")
            .withPlural("workloads")
            .withSingular("workload")
            .withListKind("WorkloadList")
            .endNames()
            .addNewVersion()
            .withName("v1beta1")
            .withServed(true)
            .withStorage(true)
            .withNewSchema()
            .withNewOpenAPIV3Schema()
            .withType("object")
            .withXKubernetesPreserveUnknownFields(true)
            .endOpenAPIV3Schema()
            .endSchema()
            .endVersion()
            .endSpec()
            .build();
    ns.client().apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
    await()
        .atMost(TIMEOUT)
        .ignoreExceptions()
        .until(
            () -> {
              ns.client()
                  .genericKubernetesResources("kueue.x-k8s.io/v1beta1", "Workload")
                  .inNamespace(ns.name())
                  .list();
              return true;
            });
  }

  io.fabric8.kubernetes.api.model.GenericKubernetesResource workload(String name) {
    return ns.client()
        .genericKubernetesResources("kueue.x-k8s.io/v1beta1", "Workload")
        .inNamespace(ns.name())
        .withName(name)
        .get();
  }

  @Test
  void aUserSuspendOfAQueuedExperimentDeactivatesItsKueueWorkload() {
    installWorkloadCrd();
    plane
        .kubectlWithInput(
            dev.kdflow.operator.testing.Manifests.with(
                OperatorOnApiServerIT.KD.formatted("queued"),
                "spec.scheduling.queueName",
                "team-a"),
            "apply",
            "-n",
            ns.name(),
            "-f",
            "-")
        .orThrow();
    await().atMost(TIMEOUT).until(() -> cluster.job("queued") != null);
    Job created = cluster.job("queued");
    assertThat(created.getSpec().getSuspend()).as("created suspended for admission").isTrue();
    assertThat(created.getMetadata().getLabels())
        .containsEntry("kueue.x-k8s.io/queue-name", "team-a")
        .containsEntry("kueue.x-k8s.io/active", "true");

    // What Kueue does: a Workload owned by the Job; on admission it unsuspends the Job.
    ns.client()
        .genericKubernetesResources("kueue.x-k8s.io/v1beta1", "Workload")
        .inNamespace(ns.name())
        .resource(
            new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("kueue.x-k8s.io/v1beta1")
                .withKind("Workload")
                .withNewMetadata()
                .withName("job-queued")
                .addNewOwnerReference()
                .withApiVersion("batch/v1")
                .withKind("Job")
                .withName("queued")
                .withUid(created.getMetadata().getUid())
                .withController(true)
                .endOwnerReference()
                .endMetadata()
                .withAdditionalProperties(
                    Map.of("spec", Map.of("active", true, "queueName", "team-a")))
                .build())
        .create();
    ns.client()
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns.name())
        .withName("queued")
        .edit(j -> new JobBuilder(j).editSpec().withSuspend(false).endSpec().build());
    kubelet.running(kubelet.awaitPod("queued", TIMEOUT));
    awaitCondition("queued", "Ready", "True", "Running");

    cluster.patch("queued", "{\"spec\":{\"runPolicy\":{\"suspend\":true}}}");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Boolean active = workload("job-queued").get("spec", "active");
              assertThat(active)
                  .as("the Workload is deactivated, Kueue's documented stop")
                  .isFalse();
              Job j = cluster.job("queued");
              assertThat(j.getSpec().getSuspend()).isTrue();
              assertThat(j.getMetadata().getLabels())
                  .containsEntry("kueue.x-k8s.io/active", "false");
            });
    awaitCondition("queued", "Suspended", "True", "Suspended");

    cluster.patch("queued", "{\"spec\":{\"runPolicy\":{\"suspend\":false}}}");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Boolean active = workload("job-queued").get("spec", "active");
              assertThat(active).isTrue();
              Job j = cluster.job("queued");
              assertThat(j.getMetadata().getLabels())
                  .containsEntry("kueue.x-k8s.io/active", "true");
              assertThat(j.getSpec().getSuspend())
                  .as("Kueue, not the operator, unsuspends it on admission")
                  .isTrue();
            });
    awaitCondition("queued", "Ready", "False", "Queued");
  }
}
