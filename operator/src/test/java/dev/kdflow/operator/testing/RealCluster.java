package dev.kdflow.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.TestAbortedException;

/**
 * Runs a test class against the JVM's real {@link ControlPlane}: disabled with the reason when its
 * binaries are not installed (failed instead when {@link ControlPlane#REQUIRE_ENV} is set). Test
 * and lifecycle methods may take a {@link ControlPlane} and a {@link TestNamespace}: a fresh
 * namespace for each test method, or one for the whole class when a {@code @BeforeAll} method takes
 * it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RealCluster.Extension.class)
public @interface RealCluster {

  /** A namespace created for one test, with the admin client. */
  record TestNamespace(String name, KubernetesClient client) {}

  /** Starts the control plane before the class and resolves the parameters. */
  final class Extension implements ExecutionCondition, ParameterResolver {
    private static final ExtensionContext.Namespace STORE =
        ExtensionContext.Namespace.create(RealCluster.class);

    /** Disabled, with the reason in the report, when the control plane is not installed. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      try {
        ControlPlane.get();
        return ConditionEvaluationResult.enabled("control plane running");
      } catch (TestAbortedException e) {
        return ConditionEvaluationResult.disabled(e.getMessage());
      }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      Class<?> type = parameter.getParameter().getType();
      return type == ControlPlane.class || type == TestNamespace.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      ControlPlane plane = ControlPlane.get();
      if (parameter.getParameter().getType() == ControlPlane.class) {
        return plane;
      }
      return namespace(context);
    }

    /**
     * The namespace of the test (or class) {@code context} runs: one per test method, shared by its
     * {@code @BeforeEach}, test, {@code @AfterEach} and the extensions that run around them.
     */
    public static TestNamespace namespace(ExtensionContext context) {
      ControlPlane plane = ControlPlane.get();
      return context
          .getStore(STORE)
          .getOrComputeIfAbsent(
              "namespace",
              k ->
                  new TestNamespace(
                      plane.createNamespace(namespacePrefix(context.getRequiredTestClass())),
                      plane.client()),
              TestNamespace.class);
    }

    /** The start of the names of a test class's namespaces: its name, hyphenated. */
    public static String namespacePrefix(Class<?> testClass) {
      String name = testClass.getSimpleName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
      return name.length() > 40 ? name.substring(0, 40) : name;
    }
  }
}
