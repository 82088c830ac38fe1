package dev.kdflow.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.StorageSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/**
 * The claim's dependent resource, called directly. Why the mock: it needs only storage of one
 * object, no API server semantics.
 */
@EnableKubernetesMockClient(crud = true)
class CheckpointClaimDependentTest {
  KubernetesClient client;

  @Test
  @SuppressWarnings("unchecked")
  void aDeleteRequestFromTheWorkflowLeavesTheCheckpointClaimInPlace() {
    KDExperiment kdx = new KDExperiment();
    kdx.setMetadata(new ObjectMetaBuilder().withName("kd").withNamespace("ml").build());
    kdx.setSpec(new KDExperimentSpec());
    StorageSpec storage = new StorageSpec();
    storage.setSize("1Gi");
    kdx.getSpec().setStorage(storage);
    PersistentVolumeClaim claim = ChildResources.claim(kdx);
    client.persistentVolumeClaims().inNamespace("ml").resource(claim).create();
    // Any call on the context means the dependent tried to reach the cluster.
    Context<KDExperiment> context =
        (Context<KDExperiment>)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {Context.class},
                (proxy, method, args) -> {
                  throw new AssertionError("the claim dependent used " + method.getName());
                });

    // What JOSDK does when the reconcile precondition (storage.size set) stops holding.
    new CheckpointClaimDependent().delete(kdx, context);

    assertThat(client.persistentVolumeClaims().inNamespace("ml").withName("kd-checkpoints").get())
        .isNotNull();
  }
}
