package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed manifests, recipes and overrides: each must exit 2 with one clear message that names
 * the field or key, and write nothing at all.
 */
class BadInputTest {
  @TempDir Path tmp;

  /**
   * @param name what is wrong
   * @param manifest turns a valid manifest into the bad one
   * @param overrides extra command-line overrides
   * @param expected text the error must contain (the field path)
   */
  record Case(
      String name, UnaryOperator<String> manifest, List<String> overrides, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case edit(String name, String from, String to, String expected) {
    return new Case(
        name,
        m -> {
          if (!m.contains(from)) {
            throw new IllegalStateException("the base manifest lacks '" + from + "'");
          }
          return m.replace(from, to);
        },
        List.of(),
        expected);
  }

  /** Replaces the TorchScript teacher line. */
  static Case teacher(String name, String teacherLines, String expected) {
    return new Case(
        name, m -> m.replaceAll("(?m)^    torchscript: .*$", teacherLines), List.of(), expected);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
            edit("YAML syntax error", "  student:\n", "  student: [\n", "line"),
            new Case("empty file", m -> "", List.of(), "empty"),
            edit("wrong apiVersion", "kdflow.dev/v1alpha1", "kdflow.dev/v9", "apiVersion/kind"),
            edit("unknown top-level spec key", "  training:\n", "  trainng:\n", "spec.trainng"),
            edit(
                "unknown training key",
                "    maxEpochs:",
                "    maxEpoch: 3\n    maxEpochs:",
                "spec.training.maxEpoch"),
            edit("epochs not a number", "    maxEpochs: 1", "    maxEpochs: many", "maxEpochs"),
            edit(
                "negative epochs",
                "    maxEpochs: 1",
                "    maxEpochs: -2",
                "spec.training.maxEpochs"),
            edit(
                "zero learning rate",
                "    initialLr: 0.05",
                "    initialLr: 0",
                "spec.training.initialLr"),
            edit(
                "unknown student architecture",
                "    architecture: mlp",
                "    architecture: resnet9000",
                "spec.student.architecture"),
            edit(
                "unknown arch param",
                "      numClasses: 10",
                "      numClasses: 10\n      depth: 3",
                "spec.student.archParams.depth"),
            edit(
                "arch param of the wrong type",
                "hiddenSizes: [32]",
                "hiddenSizes: thirty-two",
                "spec.student.archParams.hiddenSizes"),
            edit(
                "alpha above one",
                "distillationLossCoeff: 0.5",
                "distillationLossCoeff: 1.5",
                "spec.kd.loss.distillationLossCoeff"),
            edit(
                "negative alpha",
                "distillationLossCoeff: 0.5",
                "distillationLossCoeff: -0.1",
                "spec.kd.loss.distillationLossCoeff"),
            edit(
                "zero temperature",
                "temperature: 2.0",
                "temperature: 0",
                "spec.kd.loss.temperature"),
            edit("unknown loss type", "type: KDLogitsLoss", "type: FancyLoss", "spec.kd.loss.type"),
            edit(
                "unknown optimizer",
                "optimizer: SGD",
                "optimizer: Adagrad",
                "spec.training.optimizer"),
            edit(
                "missing dataset directory",
                "    type: fashionMnist",
                "    type: fashionMnist\n    path: /nonexistent/fashion-mnist",
                "spec.dataset.path"),
            edit(
                "unknown dataset type",
                "type: fashionMnist",
                "type: imagenet22k",
                "spec.dataset.type"),
            edit("zero batch size", "batchSize: 64", "batchSize: 0", "spec.dataset.batchSize"),
            edit(
                "missing TorchScript file",
                "tiny_teacher.pt",
                "no_such_teacher.pt",
                "spec.teacher.torchscript"),
            new Case(
                "unreadable TorchScript file",
                m -> m.replaceAll("(?m)^    torchscript: .*$", "    torchscript: TEACHER_GARBAGE"),
                List.of(),
                "spec.teacher.torchscript"),
            teacher(
                "missing teacher checkpoint",
                "    architecture: resnet_small\n"
                    + "    checkpoint:\n"
                    + "      checkpointPath: /nonexistent/ckpt_best",
                "spec.teacher.checkpoint.checkpointPath"),
            edit(
                "more than one GPU",
                "  training:\n",
                "  resources: {gpus: 2}\n  training:\n",
                "spec.resources.gpus"),
            edit(
                "metadata name not a DNS label",
                "  name: tiny-kd",
                "  name: Tiny_KD",
                "metadata.name"),
            new Case(
                "override of an unknown key",
                UnaryOperator.identity(),
                List.of("training.maxEpochz=3"),
                "training.maxEpochz"),
            new Case(
                "override with a bad value",
                UnaryOperator.identity(),
                List.of("training.maxEpochs=lots"),
                "training.maxEpochs"),
            edit(
                "label smoothing out of range",
                "temperature: 2.0",
                "temperature: 2.0\n      labelSmoothing: 1.5",
                "spec.kd.loss.labelSmoothing"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void badInputExitsTwoNamingTheFieldAndWritesNothing(Case c) throws IOException {
    Path root = tmp.resolve("checkpoints");
    Path garbage = CliRun.write(tmp.resolve("garbage.pt"), "this is not a TorchScript archive");
    String manifest =
        c.manifest()
            .apply(CliRun.manifest("tiny-kd", root, 1))
            .replace("TEACHER_GARBAGE", garbage.toAbsolutePath().toString());
    Path file = CliRun.write(tmp.resolve("bad.yaml"), manifest);
    Path termination = tmp.resolve("termination-log");
    List<String> before = listing();

    String[] args =
        Stream.concat(
                Stream.of("run", file.toString(), "--termination-message-path=" + termination),
                c.overrides().stream())
            .toArray(String[]::new);
    CliRun run = CliRun.of(args);

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(run.err()).contains("invalid input").contains(c.expected());
    assertThat(run.err().lines().filter(l -> l.startsWith("  ")).count())
        .as("one problem, one line: " + run.err())
        .isEqualTo(1);
    assertThat(root).doesNotExist();
    List<String> after = listing();
    after.remove("termination-log");
    assertThat(after).isEqualTo(before);
    assertThat(Files.readString(termination))
        .contains("\"phase\":\"FAILED\"")
        .contains("\"exitCode\":2");
  }

  private List<String> listing() throws IOException {
    try (Stream<Path> files = Files.walk(tmp)) {
      return new java.util.ArrayList<>(
          files
              .filter(p -> !p.equals(tmp))
              .map(p -> tmp.relativize(p).toString())
              .sorted()
              .toList());
    }
  }
}
