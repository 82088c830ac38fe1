package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every manifest under examples/ and gitops/ applies to a real API server with the release's own
 * kubectl, client-side and server-side, as the READMEs tell users to apply them: single files with
 * {@code -f}, kustomizations with {@code -k}. The Argo CD and Flux manifests apply against those
 * tools' own CRDs.
 */
@RealCluster
class ExamplesOnApiServerIT {
  static final Pattern OBJECT = Pattern.compile("(?m)^apiVersion:.*$[\\s\\S]*^kind:");
  static final Pattern HAS_NAMESPACE = Pattern.compile("(?m)^  namespace:");
  static final List<String> FIXED_NAMESPACES = List.of("argocd", "flux-system", "kdflow-examples");

  @BeforeAll
  static void installGitOpsCrdsAndNamespaces(ControlPlane plane) {
    plane.kubectl("apply", "--server-side", "-f", plane.gitopsCrds().toString()).orThrow();
    // kubectl wait fails at once while a new CRD has no status.conditions yet: ask again.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                plane
                        .kubectl(
                            "wait",
                            "--for=condition=Established",
                            "crd/applications.argoproj.io",
                            "crd/gitrepositories.source.toolkit.fluxcd.io",
                            "crd/kustomizations.kustomize.toolkit.fluxcd.io",
                            "--timeout=10s")
                        .exitCode()
                    == 0);
    for (String namespace : FIXED_NAMESPACES) {
      plane.kubectl("create", "namespace", namespace).orThrow();
    }
  }

  /** Manifest files (Kubernetes objects), except kustomization.yaml files. */
  static List<Path> manifestFiles() {
    try (Stream<Path> files =
        Stream.concat(
            Files.walk(RepositoryFiles.resolve("examples")),
            Files.walk(RepositoryFiles.resolve("gitops")))) {
      return files
          .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
          .filter(f -> OBJECT.matcher(read(f)).find())
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Directories with a kustomization.yaml. */
  static List<Path> kustomizations() {
    try (Stream<Path> files =
        Stream.concat(
            Files.walk(RepositoryFiles.resolve("examples")),
            Files.walk(RepositoryFiles.resolve("gitops")))) {
      return files
          .filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
          .map(Path::getParent)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * kubectl's namespace arguments for a file: objects without a namespace go to the test's; kubectl
   * refuses {@code -n} that differs from a namespace the file names.
   */
  private static String[] namespaceArgs(Path file, TestNamespace ns) {
    return HAS_NAMESPACE.matcher(read(file)).find()
        ? new String[0]
        : new String[] {"-n", ns.name()};
  }

  private static String[] args(String[] head, String[] namespace, String... tail) {
    return Stream.of(head, namespace, tail).flatMap(Stream::of).toArray(String[]::new);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void theRepositoryHasTheManifestsThisTestIsAbout() {
    assertThat(manifestFiles())
        .extracting(f -> RepositoryFiles.root().relativize(f).toString())
        .contains(
            "examples/fashion-mnist/kd.yaml",
            "examples/fashion-mnist/teacher.yaml",
            "examples/imagefolder/kd-readonly-claim.yaml",
            "examples/gitops/fashion-mnist-kd.yaml",
            "gitops/argocd/application-kdflow-examples.yaml",
            "gitops/argocd/argocd-cm-health-patch.yaml",
            "gitops/flux/kdflow-examples.yaml")
        .doesNotContain("examples/fashion-mnist/kd-recipe.yaml");
    assertThat(kustomizations()).hasSizeGreaterThanOrEqualTo(3);
  }

  @Test
  void everyManifestFileAppliesClientSideThenServerSide(TestNamespace ns, ControlPlane plane) {
    for (Path file : manifestFiles()) {
      String[] namespace = namespaceArgs(file, ns);
      String clientSide =
          plane.kubectl(args(new String[] {"apply"}, namespace, "-f", file.toString())).orThrow();
      assertThat(clientSide).as(file.toString()).containsPattern("created|configured|unchanged");
      String serverSide =
          plane
              .kubectl(
                  args(new String[] {"apply", "--server-side"}, namespace, "-f", file.toString()))
              .orThrow();
      assertThat(serverSide).as(file.toString()).contains("serverside-applied");
    }
    assertThat(plane.kubectl("get", "kdx", "-n", ns.name(), "-o", "name").orThrow())
        .contains(
            "kdexperiment.kdflow.dev/fashion-mnist-kd",
            "kdexperiment.kdflow.dev/fashion-mnist-teacher");
  }

  @Test
  void everyManifestFileAppliesServerSideFirst(TestNamespace ns, ControlPlane plane) {
    for (Path file : manifestFiles()) {
      assertThat(
              plane
                  .kubectl(
                      args(
                          new String[] {"apply", "--server-side", "--field-manager=gitops"},
                          namespaceArgs(file, ns),
                          "-f",
                          file.toString()))
                  .orThrow())
          .as(file.toString())
          .contains("serverside-applied");
    }
  }

  @Test
  void everyKustomizationAppliesClientSideThenServerSide(ControlPlane plane) {
    for (Path dir : kustomizations()) {
      assertThat(plane.kubectl("apply", "-k", dir.toString()).orThrow())
          .as(dir.toString())
          .containsPattern("created|configured|unchanged");
      assertThat(plane.kubectl("apply", "--server-side", "-k", dir.toString()).orThrow())
          .as(dir.toString())
          .contains("serverside-applied");
    }
    assertThat(plane.kubectl("get", "kdx", "-n", "kdflow-examples", "-o", "name").orThrow())
        .contains(
            "kdexperiment.kdflow.dev/fashion-mnist-kd",
            "kdexperiment.kdflow.dev/fashion-mnist-teacher");
  }

  @Test
  void theArgoCdHealthPatchPatchesTheConfigMapAsDocumented(ControlPlane plane) {
    // What an Argo CD installation has: its ConfigMap (other tests here may have applied it).
    plane
        .kubectl("delete", "configmap", "argocd-cm", "-n", "argocd", "--ignore-not-found")
        .orThrow();
    plane.kubectl("create", "configmap", "argocd-cm", "-n", "argocd").orThrow();
    Path patch = RepositoryFiles.resolve("gitops/argocd/argocd-cm-health-patch.yaml");
    assertThat(
            plane
                .kubectl(
                    "-n",
                    "argocd",
                    "patch",
                    "configmap",
                    "argocd-cm",
                    "--patch-file",
                    patch.toString())
                .orThrow())
        .contains("patched");
    assertThat(
            plane
                .client()
                .configMaps()
                .inNamespace("argocd")
                .withName("argocd-cm")
                .get()
                .getData()
                .get("resource.customizations.health.kdflow.dev_KDExperiment"))
        .isEqualTo(read(RepositoryFiles.resolve("gitops/argocd/health-kdexperiment.lua")));
  }
}
