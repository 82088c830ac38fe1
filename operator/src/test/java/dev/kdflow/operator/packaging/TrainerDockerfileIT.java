package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.trainer.TrainerImageContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The training Job runs {@link TrainerImageContract#LAUNCHER} as uid {@link
 * TrainerImageContract#RUN_AS_USER} with a read-only root filesystem; the trainer image's
 * Dockerfile must provide exactly that, so the two cannot drift apart.
 */
class TrainerDockerfileIT {
  static Dockerfile dockerfile;
  static Dockerfile.Stage image;

  @BeforeAll
  static void readDockerfile() throws IOException {
    dockerfile = Dockerfile.read(RepositoryFiles.resolve("trainer-image/Dockerfile"));
    image = dockerfile.finalStage();
  }

  @Test
  void createsTheNonRootUserTheJobRunsAs() {
    long uid = TrainerImageContract.RUN_AS_USER;
    String userSetup =
        String.join("\n", image.all("RUN").stream().map(r -> r.arguments()).toList());

    assertThat(userSetup)
        .containsPattern("groupadd\\s+--gid\\s+" + uid + "\\s+kdflow\\b")
        .containsPattern(
            "useradd\\s+--uid\\s+" + uid + "\\s+--gid\\s+" + uid + "\\s[^&;]*\\bkdflow\\b");
    assertThat(image.last("USER"))
        .as("the image ends as the numeric user, so runAsNonRoot can be verified")
        .hasValueSatisfying(
            user -> assertThat(user.arguments().strip()).isEqualTo(uid + ":" + uid));
  }

  @Test
  void putsTheLauncherWhereTheJobCallsItAndMakesItTheEntrypoint() throws IOException {
    List<Dockerfile.Instruction> launcherCopies =
        image.all("COPY").stream()
            .filter(copy -> copy.arguments().endsWith(" " + TrainerImageContract.LAUNCHER))
            .toList();
    assertThat(launcherCopies)
        .singleElement()
        .satisfies(
            copy ->
                assertThat(copy.arguments())
                    .startsWith("--chmod=0755 ")
                    .contains(" trainer-image/bin/kdflow "));
    assertThat(image.all("COPY"))
        .anySatisfy(copy -> assertThat(copy.arguments()).endsWith(" /opt/kdflow/lib/"));

    List<String> entrypoint =
        new ObjectMapper()
            .readValue(
                image.last("ENTRYPOINT").orElseThrow().arguments(),
                new TypeReference<List<String>>() {});
    assertThat(entrypoint).containsExactly(TrainerImageContract.LAUNCHER);
  }

  @Test
  void runsOfflineFromALibtorchBakedIntoTheImage() {
    Map<String, String> env = image.env();
    assertThat(env).containsEntry("DJL_OFFLINE", "true");
    assertThat(env.get("JAVA_OPTS")).contains("-Dai.djl.offline=true");
    assertThat(env.get("ENGINE_CACHE_DIR")).startsWith("/opt/kdflow/");
    assertThat(env.get("DJL_CACHE_DIR")).startsWith("/opt/kdflow/");
    assertThat(env).containsEntry("HOME", "/tmp");
    // dataset file names are decoded in the locale's charset; the CUDA base sets none
    assertThat(env).containsEntry("LANG", "C.UTF-8");
    assertThat(image.last("WORKDIR").orElseThrow().arguments()).isEqualTo("/tmp");

    // The engine is fetched while building, before DJL is switched offline.
    List<Dockerfile.Instruction> steps = image.instructions();
    int warmUp = indexOf(steps, "RUN", "WarmUpEngine");
    int offline = indexOf(steps, "ENV", "DJL_OFFLINE=true");
    assertThat(warmUp).isNotNegative().isLessThan(offline);
    assertThat(steps.get(warmUp).arguments()).startsWith("DJL_OFFLINE=false java ");
    assertThat(RepositoryFiles.resolve("trainer-image/docker/WarmUpEngine.java")).isRegularFile();
  }

  @Test
  void buildsACudaImageByDefaultAndACpuVariantOnRequest() {
    Map<String, String> args = dockerfile.globalArgDefaults();
    assertThat(args).containsEntry("VARIANT", "cuda");
    assertThat(args.get("BASE_IMAGE")).startsWith("nvidia/cuda:12.8").contains("runtime");
    assertThat(image.from()).isEqualTo("runtime-${VARIANT}");

    Dockerfile.Stage cuda = dockerfile.stage("runtime-cuda").orElseThrow();
    assertThat(cuda.from()).startsWith("${BASE_IMAGE}");
    assertThat(cuda.env()).containsEntry("PYTORCH_FLAVOR", "cu128");
    assertThat(cuda.env().get("PATH")).startsWith("/opt/java/openjdk/bin:");
    assertThat(dockerfile.stage("runtime-cpu").orElseThrow().from())
        .startsWith("${CPU_BASE_IMAGE}");
  }

  @Test
  void theLauncherRunsTheCliFromTheLibDirectoryNextToIt() throws IOException {
    Path launcher = RepositoryFiles.resolve("trainer-image/bin/kdflow");
    assumeTrue(Files.exists(launcher), "trainer-image/bin/kdflow is not in this checkout yet");
    String script = Files.readString(launcher);

    assertThat(script).startsWith("#!").contains("dev.kdflow.trainer.cli.KDFlowCli");
    Matcher classPath = Pattern.compile("-cp\\s+\"?([^\"\\s]+)").matcher(script);
    assertThat(classPath.find()).as("launcher passes a class path").isTrue();
    assertThat(classPath.group(1)).endsWith("/lib/*");
    assertThat(launcher.toFile().canExecute()).as("launcher is executable in git").isTrue();
  }

  private static int indexOf(List<Dockerfile.Instruction> steps, String keyword, String text) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).keyword().equals(keyword) && steps.get(i).arguments().contains(text)) {
        return i;
      }
    }
    return -1;
  }
}
