package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.Release;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.KDExperimentStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Runs docs/cluster-quickstart.md as far as a machine without a cluster can: every shell command in
 * it is checked against what it would act on — the Dockerfile, the Jib configuration, the chart
 * (installed in dry-run mode), and an in-memory API server the examples are applied to. A command
 * this test has no check for fails it, so the document cannot grow unchecked commands. Why the
 * mock: it checks the document's commands, not API server semantics; {@code ExamplesOnApiServerIT}
 * applies the same manifests to the real API server.
 */
@EnableKubernetesMockClient(crud = true)
class QuickstartDocIT {
  static final Path DOC = RepositoryFiles.resolve("docs/cluster-quickstart.md");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The claim the quick start's dataset lives on (examples/gitops/base). */
  static final String DATASET_CLAIM = "fashion-mnist-data";

  static final Set<String> OPTIONS_WITH_VALUES =
      Set.of(
          "-n",
          "--namespace",
          "-f",
          "-k",
          "--set",
          "--build-arg",
          "-t",
          "-o",
          "-p",
          "-l",
          "--patch-file",
          "-pl",
          "--checkpoint");

  KubernetesClient client;
  CustomResourceDefinition crd;

  // What earlier commands left behind, for later ones to check against.
  final Set<String> builtImages = new HashSet<>();
  String releaseName;
  String releaseNamespace;
  Deployment operatorDeployment;
  String bestCheckpointPvcPath;
  String copiedCheckpoint;

  @Test
  void everyCommandActsOnSomethingThatExists() throws Exception {
    crd = ExampleCluster.installCrd(client);
    List<ShellCommands.Command> commands = ShellCommands.fromMarkdown(Files.readString(DOC), "sh");

    for (ShellCommands.Command command : commands) {
      try {
        check(command);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("docs/cluster-quickstart.md: " + command.text() + "\n" + e, e);
      }
    }
    List<String> texts = commands.stream().map(ShellCommands.Command::text).toList();
    assertThat(texts)
        .as("the quick start's steps, in order")
        .containsSubsequence(
            "helm install kdflow helm/kdflow --namespace kdflow-system --create-namespace"
                + " --set operator.image.repository=registry.example.com/kdflow/kdflow-operator"
                + " --set trainer.image.repository=registry.example.com/kdflow/kdflow-trainer",
            "kubectl apply -k examples/gitops/dataset",
            "kubectl -n kdflow-examples wait --for=condition=complete"
                + " job/fashion-mnist-data-loader --timeout=15m",
            "kubectl apply -k examples/gitops/teacher",
            "kubectl apply -k examples/gitops",
            "kubectl -n kdflow-examples get kdx -w",
            "kubectl -n kdflow-examples wait --for=condition=Succeeded kdx/fashion-mnist-kd"
                + " --timeout=3h",
            "kubectl -n kdflow-examples get kdx/fashion-mnist-kd -o"
                + " jsonpath={.status.checkpoints.best.pvcPath}");
    assertThat(copiedCheckpoint).isEqualTo("./ckpt_best");
  }

  @Test
  void theFluxSnippetIsTheOneInGitopsFlux() throws IOException {
    String doc = Files.readString(DOC);
    int start = doc.indexOf("```yaml\nhealthCheckExprs:");
    assertThat(start).isNotNegative();
    String snippet = doc.substring(start + "```yaml\n".length(), doc.indexOf("```", start + 7));
    Object documented = YAML.readValue(snippet, Map.class).get("healthCheckExprs");

    Object configured = FluxHealthCheckIT.healthCheckExprs();
    assertThat(documented).isEqualTo(configured);
  }

  private void check(ShellCommands.Command command) throws Exception {
    Args args = Args.parse(command.words());
    switch (args.tool) {
      case "docker" -> docker(args);
      case "./mvnw" -> maven(args);
      case "helm" -> helm(args);
      case "kubectl" -> kubectl(args, command.stdin());
      case "kdflow" -> kdflow(args);
      default -> fail("no check for " + args.tool + " commands");
    }
  }

  private void docker(Args args) throws IOException {
    switch (args.verb()) {
      case "build" -> {
        Path dockerfile = RepositoryFiles.resolve(args.one("-f"));
        assertThat(dockerfile).isRegularFile();
        assertThat(args.positional(1)).as("build context: the repository root").isEqualTo(".");
        Map<String, String> declared = Dockerfile.read(dockerfile).globalArgDefaults();
        for (String buildArg : args.all("--build-arg")) {
          String name = buildArg.substring(0, buildArg.indexOf('='));
          assertThat(declared).containsKey(name);
          if (name.equals("VARIANT")) {
            assertThat(buildArg.substring(name.length() + 1)).isIn("cuda", "cpu");
          }
        }
        builtImages.add(args.one("-t"));
      }
      case "push" -> assertThat(builtImages).contains(args.positional(1));
      default -> fail("no check for docker " + args.verb());
    }
  }

  private void maven(Args args) throws Exception {
    Path wrapper = RepositoryFiles.resolve("mvnw");
    assertThat(wrapper).isRegularFile();
    assertThat(Files.isExecutable(wrapper)).isTrue();
    String module = args.one("-pl");
    assertThat(RepositoryFiles.resolve(module).resolve("pom.xml")).isRegularFile();
    assertThat(args.positionals).contains("package");
    assertThat(args.flags).contains("-Pimage");
    assertThat(args.positionals).anyMatch(p -> p.startsWith("-Djib.to.image="));
    assertThat(module).isEqualTo("operator");
    OperatorImageIT.readPom();
    assertThat(OperatorImageIT.jib("/configuration/container/mainClass")).isNotEmpty();
  }

  private void helm(Args args) {
    switch (args.verb()) {
      case "install" -> {
        releaseName = args.positional(1);
        assertThat(RepositoryFiles.resolve(args.positional(2))).isEqualTo(RenderedChart.chartDir());
        releaseNamespace = args.one("--namespace");
        assertThat(args.flags).contains("--create-namespace");
        Map<String, Object> values = new LinkedHashMap<>();
        for (String set : args.all("--set")) {
          values.put(set.substring(0, set.indexOf('=')), set.substring(set.indexOf('=') + 1));
        }
        InstallCommand install =
            new Helm(RenderedChart.chartDir())
                .install()
                .withName(releaseName)
                .withNamespace(releaseNamespace)
                .withKubeVersion(RenderedChart.KUBE_VERSION)
                .createNamespace()
                .dryRun()
                .clientOnly();
        values.forEach(install::set);
        Release release = install.call();
        assertThat(release.getOutput()).contains("kubectl apply -k examples/gitops");
        operatorDeployment =
            RenderedChart.render(releaseName, releaseNamespace, values).one(Deployment.class);
        assertThat(
                operatorDeployment
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .get(0)
                    .getImage())
            .startsWith((String) values.get("operator.image.repository") + ":");
      }
      case "uninstall" -> {
        assertThat(args.positional(1)).isEqualTo(releaseName);
        assertThat(args.one("--namespace")).isEqualTo(releaseNamespace);
      }
      default -> fail("no check for helm " + args.verb());
    }
  }

  private void kubectl(Args args, String stdin) throws IOException {
    String namespace = args.optional("-n");
    switch (args.verb()) {
      case "apply" -> apply(args, namespace, stdin);
      case "rollout" -> {
        assertThat(args.positional(1)).isEqualTo("status");
        assertThat(args.positional(2))
            .isEqualTo("deployment/" + operatorDeployment.getMetadata().getName());
        assertThat(namespace).isEqualTo(operatorDeployment.getMetadata().getNamespace());
      }
      case "wait" -> {
        String condition = args.option("--for").replaceFirst("^condition=", "");
        String target = args.positional(1);
        if (target.startsWith("kdx/")) {
          GenericKubernetesResource experiment = experiment(namespace, target);
          playOperatorToSuccess(experiment);
          assertThat(conditionStatus(experiment(namespace, target), condition))
              .as("condition %s of %s", condition, target)
              .isEqualTo("True");
        } else if (target.startsWith("job/")) {
          // The dataset loader: it must mount the claim the experiments read dataset.path from.
          assertThat(condition).isEqualTo("complete");
          io.fabric8.kubernetes.api.model.batch.v1.Job job =
              client.batch().v1().jobs().inNamespace(namespace).withName(target.substring(4)).get();
          assertThat(job).as("%s in namespace %s", target, namespace).isNotNull();
          assertThat(job.getSpec().getTemplate().getSpec().getVolumes())
              .extracting(v -> v.getPersistentVolumeClaim().getClaimName())
              .containsExactly(DATASET_CLAIM);
        } else if (target.startsWith("pod/")) {
          assertThat(pod(namespace, target.substring(4))).isNotNull();
          assertThat(condition).isEqualTo("Ready");
        } else {
          fail("no check for waiting on " + target);
        }
      }
      case "get" -> get(args, namespace);
      case "describe" -> assertThat(experiment(namespace, args.positional(1))).isNotNull();
      case "logs" -> {
        String selector = args.one("-l");
        assertThat(selector).startsWith("kdflow.dev/experiment=");
        experiment(namespace, "kdx/" + selector.substring(selector.indexOf('=') + 1));
      }
      case "patch" -> patch(args, namespace);
      case "cp" -> copy(args, namespace);
      case "delete" -> delete(args, namespace);
      default -> fail("no check for kubectl " + args.verb());
    }
  }

  private void apply(Args args, String namespace, String stdin) throws IOException {
    List<GenericKubernetesResource> objects;
    if (args.optional("-k") != null) {
      objects = Kustomization.build(RepositoryFiles.resolve(args.one("-k")));
    } else if ("-".equals(args.one("-f"))) {
      Path manifest = Files.createTempFile("stdin", ".yaml");
      Files.writeString(manifest, stdin);
      objects = Kustomization.readManifests(manifest);
      Files.delete(manifest);
    } else {
      objects = Kustomization.readManifests(RepositoryFiles.resolve(args.one("-f")));
    }
    assertThat(objects).isNotEmpty();
    List<GenericKubernetesResource> served = new ArrayList<>();
    for (GenericKubernetesResource object : objects) {
      if (namespace != null && object.getMetadata().getNamespace() != null) {
        assertThat(object.getMetadata().getNamespace()).isEqualTo(namespace);
      }
      String group =
          object.getApiVersion().contains("/") ? object.getApiVersion().split("/")[0] : "";
      if (group.isEmpty() || group.equals("kdflow.dev") || group.equals("batch")) {
        served.add(object);
      } else if (object.getKind().equals("Application")) {
        // Argo CD's CRD is not in this API server: check where the Application points instead.
        String path = object.get("spec", "source", "path");
        assertThat(RepositoryFiles.resolve(path).resolve("kustomization.yaml")).isRegularFile();
      } else {
        assertThat(group).as("objects of tools this API server lacks").endsWith("fluxcd.io");
      }
    }
    ExampleCluster.apply(client, crd, served);
  }

  private void get(Args args, String namespace) {
    String target = args.positional(1);
    assertThat(crd.getSpec().getNames().getShortNames()).contains("kdx");
    if (target.equals("kdx")) {
      assertThat(experiments(namespace).list().getItems()).isNotEmpty();
      return;
    }
    GenericKubernetesResource experiment = experiment(namespace, target);
    String output = args.one("-o");
    assertThat(output).startsWith("jsonpath={.").endsWith("}");
    List<String> path =
        List.of(output.substring("jsonpath={.".length(), output.length() - 1).split("\\."));
    assertThat(path.get(0)).isEqualTo("status");
    assertApiProperty(KDExperimentStatus.class, path.subList(1, path.size()));
    if (path.equals(List.of("status", "checkpoints", "best", "pvcPath"))) {
      bestCheckpointPvcPath = experiment.get(path.toArray(Object[]::new));
      assertThat(bestCheckpointPvcPath).startsWith("pvc://");
    }
  }

  private void patch(Args args, String namespace) throws IOException {
    if (args.positional(1).equals("configmap")) {
      assertThat(args.positional(2)).isEqualTo("argocd-cm");
      Map<String, Object> patch =
          YAML.readValue(
              RepositoryFiles.resolve(args.one("--patch-file")).toFile(),
              new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
      assertThat(patch.get("data").toString())
          .contains("resource.customizations.health.kdflow.dev_KDExperiment=");
      return;
    }
    assertThat(args.option("--type")).isEqualTo("merge");
    String json = args.one("-p");
    Map<?, ?> spec = (Map<?, ?>) Serialization.unmarshal(json, Map.class).get("spec");
    assertApiProperty(KDExperimentSpec.class, leafPath(spec));
    experimentResource(namespace, args.positional(1))
        .patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  private void copy(Args args, String namespace) {
    String source = args.positional(1);
    String podName = source.substring(0, source.indexOf(':'));
    String file = source.substring(source.indexOf(':') + 1);
    Pod pod = pod(namespace, podName);
    VolumeMount mount =
        pod.getSpec().getContainers().get(0).getVolumeMounts().stream()
            .filter(m -> file.startsWith(m.getMountPath() + "/"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(file + " is on no volume of " + podName));
    Volume volume =
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals(mount.getName()))
            .findFirst()
            .orElseThrow();
    String onClaim = file.substring(mount.getMountPath().length() + 1);
    assertThat("pvc://" + volume.getPersistentVolumeClaim().getClaimName() + "/" + onClaim)
        .as("the copied directory is the one status.checkpoints.best.pvcPath names")
        .isEqualTo(bestCheckpointPvcPath);
    copiedCheckpoint = args.positional(2);
  }

  private void delete(Args args, String namespace) {
    switch (args.positional(1)) {
      case "pod" -> {
        assertThat(pod(namespace, args.positional(2))).isNotNull();
        client.pods().inNamespace(namespace).withName(args.positional(2)).delete();
      }
      case "crd" -> assertThat(args.positional(2)).isEqualTo(crd.getMetadata().getName());
      default -> fail("no check for deleting " + args.positional(1));
    }
  }

  private void kdflow(Args args) {
    assertThat(args.verb()).isEqualTo("evaluate");
    assertThat(args.option("--checkpoint")).isEqualTo(copiedCheckpoint);
  }

  /**
   * Writes the status the operator writes when the training has succeeded (the Argo CD fixture's),
   * with the checkpoint where the contract puts it: {@code <claim>/<experiment>/ckpt_best}.
   */
  @SuppressWarnings("unchecked")
  private void playOperatorToSuccess(GenericKubernetesResource experiment) throws IOException {
    Map<String, Object> fixture =
        YAML.readValue(
            ArgoCdHealthCheckIT.FIXTURES.resolve("testdata/succeeded.yaml").toFile(), Map.class);
    Map<String, Object> status = (Map<String, Object>) fixture.get("status");
    long generation =
        experiment.getMetadata().getGeneration() == null
            ? 1L
            : experiment.getMetadata().getGeneration();
    status.put("observedGeneration", generation);
    ((List<Map<String, Object>>) status.get("conditions"))
        .forEach(c -> c.put("observedGeneration", generation));
    String name = experiment.getMetadata().getName();
    // The quick start trains from the dataset on its own claim, mounted read-only.
    String datasetPath = experiment.get("spec", "dataset", "path");
    List<Map<String, Object>> mounts = experiment.get("spec", "podTemplate", "volumeMounts");
    List<Map<String, Object>> volumes = experiment.get("spec", "podTemplate", "volumes");
    assertThat(mounts)
        .as("%s mounts the dataset claim read-only above dataset.path", name(experiment))
        .anySatisfy(
            m -> {
              assertThat(datasetPath).startsWith(m.get("mountPath") + "/");
              assertThat(m.get("readOnly")).isEqualTo(true);
              assertThat(volumes)
                  .filteredOn(v -> v.get("name").equals(m.get("name")))
                  .singleElement()
                  .satisfies(
                      v ->
                          assertThat(((Map<?, ?>) v.get("persistentVolumeClaim")).get("claimName"))
                              .isEqualTo(DATASET_CLAIM));
            });
    String claim = experiment.get("spec", "storage", "existingClaim");
    String mountPath = experiment.get("spec", "storage", "mountPath");
    Map<String, Object> best =
        (Map<String, Object>) ((Map<String, Object>) status.get("checkpoints")).get("best");
    best.put("pvcPath", "pvc://" + claim + "/" + name + "/ckpt_best");
    best.put("path", (mountPath == null ? "/checkpoints" : mountPath) + "/" + name + "/ckpt_best");
    experiment.setAdditionalProperty("status", status);
    experiments(experiment.getMetadata().getNamespace()).resource(experiment).updateStatus();
  }

  private static String name(GenericKubernetesResource experiment) {
    return experiment.getMetadata().getName();
  }

  private static String conditionStatus(GenericKubernetesResource experiment, String type) {
    List<Map<String, Object>> conditions = experiment.get("status", "conditions");
    return conditions.stream()
        .filter(c -> type.equals(c.get("type")))
        .map(c -> (String) c.get("status"))
        .findFirst()
        .orElse(null);
  }

  private io.fabric8.kubernetes.client.dsl.MixedOperation<
          GenericKubernetesResource,
          io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      experimentsClient() {
    return client.genericKubernetesResources(CustomResourceDefinitionContext.fromCrd(crd));
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          GenericKubernetesResource,
          io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      experiments(String namespace) {
    assertThat(namespace).as("kubectl -n for namespaced KDExperiments").isNotNull();
    return experimentsClient().inNamespace(namespace);
  }

  private Resource<GenericKubernetesResource> experimentResource(String namespace, String target) {
    assertThat(target).startsWith("kdx/");
    return experiments(namespace).withName(target.substring(4));
  }

  private GenericKubernetesResource experiment(String namespace, String target) {
    GenericKubernetesResource experiment = experimentResource(namespace, target).get();
    assertThat(experiment).as("%s in namespace %s", target, namespace).isNotNull();
    return experiment;
  }

  private Pod pod(String namespace, String name) {
    Pod pod = client.pods().inNamespace(namespace).withName(name).get();
    assertThat(pod).as("pod %s in namespace %s", name, namespace).isNotNull();
    return pod;
  }

  private static List<String> leafPath(Map<?, ?> map) {
    assertThat(map).hasSize(1);
    Map.Entry<?, ?> entry = map.entrySet().iterator().next();
    List<String> path = new ArrayList<>();
    path.add((String) entry.getKey());
    if (entry.getValue() instanceof Map<?, ?> nested) {
      path.addAll(leafPath(nested));
    }
    return path;
  }

  /**
   * Checks that a property path exists in the api types, as far as this checkout's api has the
   * cluster fields (an api without {@code runPolicy} cannot say whether {@code runPolicy.suspend}
   * exists).
   */
  private static void assertApiProperty(Class<?> type, List<String> path) {
    ObjectMapper mapper = new ObjectMapper();
    com.fasterxml.jackson.databind.JavaType current = mapper.constructType(type);
    for (String name : path) {
      var property =
          mapper.getSerializationConfig().introspect(current).findProperties().stream()
              .filter(p -> p.getName().equals(name))
              .findFirst();
      if (property.isEmpty()) {
        if (current.getRawClass() == KDExperimentSpec.class
            && List.of("image", "resources", "scheduling", "storage", "runPolicy").contains(name)) {
          return;
        }
        if (current.getRawClass() == KDExperimentStatus.class) {
          // The status of this checkout may not have its bounded parts yet.
          return;
        }
        fail("%s has no property %s (path %s)", current.getRawClass().getSimpleName(), name, path);
      }
      current = property.get().getPrimaryType();
    }
  }

  /** A command's words: the tool, options (with or without values) and positional words. */
  static final class Args {
    String tool;
    final Map<String, List<String>> options = new LinkedHashMap<>();
    final List<String> flags = new ArrayList<>();
    final List<String> positionals = new ArrayList<>();

    static Args parse(List<String> words) {
      Args args = new Args();
      args.tool = words.get(0);
      for (int i = 1; i < words.size(); i++) {
        String word = words.get(i);
        if (OPTIONS_WITH_VALUES.contains(word)) {
          args.options.computeIfAbsent(word, k -> new ArrayList<>()).add(words.get(++i));
        } else if (word.startsWith("--") && word.contains("=")) {
          String name = word.substring(0, word.indexOf('='));
          args.options
              .computeIfAbsent(name, k -> new ArrayList<>())
              .add(word.substring(word.indexOf('=') + 1));
        } else if (word.startsWith("-") && !word.equals("-") && !word.startsWith("-D")) {
          args.flags.add(word);
        } else {
          args.positionals.add(word);
        }
      }
      return args;
    }

    String verb() {
      return positional(0);
    }

    String positional(int index) {
      assertThat(positionals).hasSizeGreaterThan(index);
      return positionals.get(index);
    }

    List<String> all(String option) {
      return options.getOrDefault(option, List.of());
    }

    String optional(String option) {
      List<String> values = all(option);
      if (option.equals("-n") && values.isEmpty()) {
        values = all("--namespace");
      }
      return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    String one(String option) {
      String value = optional(option);
      assertThat(value).as("option %s", option).isNotNull();
      return value;
    }

    String option(String option) {
      return one(option);
    }
  }
}
