package dev.kdflow.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What kubectl explain and server-side apply see of the CRD on a real API server: every level a
 * user explains has a description, and status conditions merge per type.
 */
@RealCluster
class CrdDescriptionsOnApiServerIT {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "kdexperiments",
        "kdexperiments.spec",
        "kdexperiments.status",
        "kdexperiments.status.conditions",
        "kdexperiments.spec.podTemplate",
        "kdexperiments.spec.storage",
        "kdexperiments.spec.resources"
      })
  void kubectlExplainDescribesEveryLevel(String field, ControlPlane plane) {
    String explained = plane.kubectl("explain", field).orThrow();
    assertThat(explained).contains("DESCRIPTION:");
    String description =
        explained.substring(explained.indexOf("DESCRIPTION:") + "DESCRIPTION:".length());
    int fields = description.indexOf("FIELDS:");
    String text = (fields < 0 ? description : description.substring(0, fields)).strip();
    assertThat(text).as("the description of %s", field).isNotEmpty().doesNotContain("<empty>");
  }

  @Test
  void everyFieldOfOurOwnTypesIsDescribed(ControlPlane plane) {
    String explained = plane.kubectl("explain", "kdexperiments", "--recursive").orThrow();
    assertThat(explained).contains("podTemplate", "claimRetention", "gpuResourceName");
    for (String field :
        List.of(
            "kdexperiments.spec.podTemplate.volumeMounts",
            "kdexperiments.spec.storage.claimRetention",
            "kdexperiments.spec.resources.gpuResourceName",
            "kdexperiments.status.conditions.type")) {
      String one = plane.kubectl("explain", field).orThrow();
      String after = one.substring(one.indexOf("DESCRIPTION:") + "DESCRIPTION:".length());
      assertThat(after.strip()).as(field).isNotEmpty().doesNotStartWith("<empty>");
    }
  }

  /**
   * Two writers of one condition type each: with a list keyed by type, server-side apply merges
   * them; an atomic list would let the second writer erase the first one's condition.
   */
  @Test
  void conditionsMergePerTypeUnderServerSideApply(TestNamespace ns, ControlPlane plane) {
    plane.kubectlWithInput(CrdOnApiServerIT.VALID, "apply", "-n", ns.name(), "-f", "-").orThrow();
    String status =
        """
        apiVersion: kdflow.dev/v1alpha1
        kind: KDExperiment
        metadata: {name: malformed}
        status:
          conditions:
          - {type: %s, status: "True", reason: Test, message: m,
             lastTransitionTime: "2026-01-01T00:00:00Z"}
        """;
    for (String[] writer : new String[][] {{"Ready", "operator"}, {"Queued", "queue-manager"}}) {
      plane
          .kubectlWithInput(
              status.formatted(writer[0]),
              "apply",
              "--server-side",
              "--subresource=status",
              "--field-manager=" + writer[1],
              "-n",
              ns.name(),
              "-f",
              "-")
          .orThrow();
    }
    String types =
        plane
            .kubectl(
                "get",
                "kdx/malformed",
                "-n",
                ns.name(),
                "-o",
                "jsonpath={.status.conditions[*].type}")
            .orThrow();
    assertThat(types.split(" ")).containsExactlyInAnyOrder("Ready", "Queued");
  }
}
