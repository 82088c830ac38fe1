package dev.kdflow.operator.testing;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.operator.KDFlowOperator;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The operator of a {@link RealCluster} test, registered as an instance {@code @RegisterExtension}
 * field: started on the test's namespace (the one its {@link TestNamespace} parameters get) before
 * each test's {@code @BeforeEach} methods, stopped after its {@code @AfterEach} methods. Trainers
 * here are not processes, so nothing is polled: a pod's termination message is its result. Also the
 * calls every such test makes on its namespace.
 */
public final class OperatorInNamespace implements BeforeEachCallback, AfterEachCallback {
  private TestNamespace ns;
  private ControlPlane plane;
  private KDFlowOperator operator;

  @Override
  public void beforeEach(ExtensionContext context) {
    plane = ControlPlane.get();
    ns = RealCluster.Extension.namespace(context);
    operator = plane.startOperator(ns.name(), TrainerStatusSource.NONE, Duration.ofMillis(500));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (operator != null) {
      operator.operator().stop();
      operator = null;
    }
  }

  /** The running operator. */
  public KDFlowOperator operator() {
    return operator;
  }

  /**
   * {@code kubectl apply -f -} of a manifest into the test's namespace; fails the test if refused.
   */
  public void apply(String manifest) {
    plane.kubectlWithInput(manifest, "apply", "-n", ns.name(), "-f", "-").orThrow();
  }

  /** {@code kubectl patch kdx NAME --type=merge}; fails the test if refused. */
  public void patch(String name, String mergePatch) {
    plane
        .kubectl("patch", "kdx", name, "-n", ns.name(), "--type=merge", "-p", mergePatch)
        .orThrow();
  }

  /** The experiment as the API server has it now; null when absent. */
  public KDExperiment experiment(String name) {
    return ns.client().resources(KDExperiment.class).inNamespace(ns.name()).withName(name).get();
  }

  /** The Job as the API server has it now; null when absent. */
  public Job job(String name) {
    return ns.client().batch().v1().jobs().inNamespace(ns.name()).withName(name).get();
  }
}
