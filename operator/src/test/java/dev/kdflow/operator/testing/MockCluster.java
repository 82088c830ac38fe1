package dev.kdflow.operator.testing;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.OperatorConfig;
import dev.kdflow.operator.crd.GeneratedCrd;
import dev.kdflow.operator.trainer.HttpTrainerStatusSource;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/** The operator against Fabric8's mock API server (CRUD mode, generated CRD registered first). */
public final class MockCluster {
  /** Namespace of test experiments. */
  public static final String NS = "ml";

  private final KubernetesClient client;

  /** Uses the mock server's client; registers the generated CRD. */
  public MockCluster(KubernetesClient client) {
    this.client = client;
    CustomResourceDefinition crd = GeneratedCrd.load();
    if (client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(crd.getMetadata().getName())
            .get()
        == null) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
  }

  /**
   * A started operator with a short poll interval, without server-side apply; its trainers are
   * asked over the pod network (mock pods have no IP: nothing answers).
   */
  public KDFlowOperator startOperator() {
    return startOperator(HttpTrainerStatusSource.podNetwork());
  }

  /** A started operator that asks the given source for running trainers' progress. */
  public KDFlowOperator startOperator(TrainerStatusSource trainers) {
    return startOperator(trainers, Duration.ofMillis(300));
  }

  /**
   * A started operator that asks the given source for running trainers' progress every {@code
   * pollInterval} (the production default is 15 s; tests shorten it to stay fast).
   */
  public KDFlowOperator startOperator(TrainerStatusSource trainers, Duration pollInterval) {
    OperatorConfig config =
        new OperatorConfig(Set.of(), "kdflow/kdflow-trainer:test", pollInterval, false, null, 0);
    KDFlowOperator kdflow =
        KDFlowOperator.create(
            config,
            client,
            new SimpleMeterRegistry(),
            withoutServerSideApply().andThen(o -> o.withCloseClientOnStop(false)),
            trainers);
    kdflow.start();
    return kdflow;
  }

  /**
   * JOSDK overrides for Fabric8's mock API server, which has no server-side apply. Only tests on
   * the mock use them; production and the tests on the real control plane keep server-side apply.
   */
  public static Consumer<ConfigurationServiceOverrider> withoutServerSideApply() {
    return o ->
        o.withSSABasedCreateUpdateMatchForDependentResources(false)
            .withUseSSAToPatchPrimaryResource(false);
  }

  /** KDExperiments. */
  public MixedOperation<KDExperiment, KubernetesResourceList<KDExperiment>, Resource<KDExperiment>>
      experiments() {
    return client.resources(KDExperiment.class);
  }

  /** An experiment, fresh from the server. */
  public KDExperiment experiment(String name) {
    return experiments().inNamespace(NS).withName(name).get();
  }

  /** The experiment's Job, or null. */
  public Job job(String name) {
    return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
  }

  /** The experiment's ConfigMap, or null. */
  public ConfigMap configMap(String name) {
    return client.configMaps().inNamespace(NS).withName(name + "-experiment").get();
  }

  /** The experiment's claim, or null. */
  public PersistentVolumeClaim claim(String name) {
    return client.persistentVolumeClaims().inNamespace(NS).withName(name + "-checkpoints").get();
  }

  /** Creates or replaces a pod (playing the Job controller and the kubelet). */
  public void putPod(Pod pod) {
    client.pods().inNamespace(NS).resource(pod).createOr(p -> p.update());
  }

  /** Writes the Job's status (playing the Job controller). */
  public void putJob(Job job) {
    job.getMetadata().setResourceVersion(null);
    client.batch().v1().jobs().inNamespace(NS).resource(job).update();
  }

  /** The client. */
  public KubernetesClient client() {
    return client;
  }
}
