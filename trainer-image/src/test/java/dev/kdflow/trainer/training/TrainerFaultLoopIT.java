package dev.kdflow.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.kdflow.trainer.checkpoint.AtomicDirectory;
import dev.kdflow.trainer.checkpoint.NamedArrays;
import dev.kdflow.trainer.report.MetricsLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's fault loop: each run trains in a child process ({@link FaultLoopTrainee}), is
 * SIGKILLed at a random step or while it writes a checkpoint, and is then resumed to the end. After
 * every kill the visible checkpoints must be whole (their JSON parses, every tensor file decodes);
 * after every resume the run must have exactly {@code maxEpochs} epochs in ckpt_latest and in
 * metrics.jsonl, and ckpt_latest and ckpt_best must equal, byte for byte, those of an uninterrupted
 * run.
 *
 * <p>{@code -Dkdflow.faultLoop.runs=N} (default 3) sets the number of runs, {@code
 * -Dkdflow.faultLoop.seed=S} the random kill points; {@code bench/trainer-fault-loop.sh} runs 20.
 */
class TrainerFaultLoopIT {
  private static final int MAX_EPOCHS = 4;
  private static final int STEPS_PER_EPOCH = FaultLoopTrainee.TRAIN_IMAGES / FaultLoopTrainee.BATCH;
  private static final String NAME = "fault";

  @TempDir Path tmp;

  @Test
  void killedRunsResumeToTheWeightsOfAnUninterruptedRun() throws Exception {
    int runs = Integer.getInteger("kdflow.faultLoop.runs", 3);
    long seed = Long.getLong("kdflow.faultLoop.seed", 2026L);
    Path reference = tmp.resolve("reference");
    Child uninterrupted = Child.start(reference);
    assertThat(uninterrupted.awaitExit()).as(uninterrupted.output()).isZero();
    ExperimentDirectory expected = ExperimentDirectory.of(reference, NAME);

    int insideWrite = 0;
    List<String> lines = new ArrayList<>();
    Random random = new Random(seed);
    for (int run = 0; run < runs; run++) {
      Path root = tmp.resolve("run-" + run);
      ExperimentDirectory dir = ExperimentDirectory.of(root, NAME);
      // every third run aims at a checkpoint write, the others at a random step
      boolean aimAtWrite = run % 3 == 0;
      int epochOfWrite = 1 + random.nextInt(MAX_EPOCHS - 1);
      int killStep = 1 + random.nextInt(MAX_EPOCHS * STEPS_PER_EPOCH - 1);

      Child child = Child.start(root);
      long lastStep =
          aimAtWrite
              ? child.awaitStep((long) epochOfWrite * STEPS_PER_EPOCH)
              : child.awaitStep(killStep);
      if (aimAtWrite) {
        awaitWriteInProgress(dir.path(), child);
      }
      child.kill();
      boolean hitWrite = writeInProgress(dir.path());
      insideWrite += hitWrite ? 1 : 0;
      assertWhole(dir);

      Child resumed = Child.start(root);
      assertThat(resumed.awaitExit()).as(resumed.output()).isZero();

      LatestState state = dir.readLatestState().orElseThrow();
      assertThat(state.epoch()).isEqualTo(MAX_EPOCHS);
      assertThat(MetricsLog.read(dir.metricsFile()).epochs())
          .extracting(MetricsRecord::epoch)
          .containsExactlyElementsOf(IntStream.rangeClosed(1, MAX_EPOCHS).boxed().toList());
      assertSameFiles(expected.latest(), dir.latest());
      assertSameFiles(expected.best(), dir.best());
      lines.add(
          "run %d: killed after step %d%s"
              .formatted(run, lastStep, hitWrite ? " inside a checkpoint write" : ""));
    }
    System.out.printf(
        "trainer fault loop: runs %d, kills %d (%d inside a checkpoint write), losses 0%n%s%n",
        runs, runs, insideWrite, String.join("\n", lines));
  }

  /** Spins until a checkpoint's temporary directory exists, or the child moved on. */
  private static void awaitWriteInProgress(Path experimentDir, Child child) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && child.process.isAlive() && child.lines.isEmpty()) {
      if (writeInProgress(experimentDir)) {
        return;
      }
      Thread.onSpinWait();
    }
  }

  /** Whether a checkpoint replacement is under way (a temporary or a moved-aside directory). */
  private static boolean writeInProgress(Path experimentDir) throws IOException {
    if (!Files.isDirectory(experimentDir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(experimentDir)) {
      return s.map(p -> p.getFileName().toString())
          .anyMatch(n -> n.contains(".tmp-") || n.contains(".old-"));
    }
  }

  /** What a reader sees of ckpt_latest and ckpt_best is complete: JSON parses, tensors decode. */
  private static void assertWhole(ExperimentDirectory dir) throws IOException {
    Path latest = AtomicDirectory.resolve(dir.latest());
    if (latest != null) {
      ExperimentDirectory.readState(latest);
      decodeAll(latest);
    }
    Path best = AtomicDirectory.resolve(dir.best());
    if (best != null) {
      ExperimentDirectory.readInfo(best);
      decodeAll(best);
    }
  }

  private static void decodeAll(Path checkpoint) throws IOException {
    try (NDManager m = NDManager.newBaseManager();
        Stream<Path> files = Files.list(checkpoint)) {
      for (Path f :
          (Iterable<Path>) files.filter(p -> p.toString().endsWith(".safetensors"))::iterator) {
        assertThat(NamedArrays.load(f, m)).as(f.toString()).isNotEmpty();
      }
    }
  }

  /** Every tensor file of two checkpoints is byte-identical (the JSON holds times and paths). */
  private static void assertSameFiles(Path expected, Path actual) throws IOException {
    List<String> names;
    try (Stream<Path> s = Files.list(expected)) {
      names =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".safetensors"))
              .sorted()
              .toList();
    }
    assertThat(names).isNotEmpty();
    for (String n : names) {
      assertThat(Files.mismatch(expected.resolve(n), actual.resolve(n)))
          .as("%s differs from the uninterrupted run's", actual.resolve(n))
          .isEqualTo(-1L);
    }
  }

  /** A trainee process and the step lines it printed. */
  private static final class Child {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final StringBuilder all = new StringBuilder();

    private Child(Process process) {
      this.process = process;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    synchronized (all) {
                      all.append(line).append('\n');
                    }
                    if (line.startsWith("step ")) {
                      lines.add(line);
                    }
                  }
                } catch (IOException ignored) {
                  // the process was killed
                }
              });
      reader.setDaemon(true);
      reader.start();
    }

    static Child start(Path root) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Dai.djl.offline=true");
      command.add("-Dai.djl.pytorch.num_threads=1");
      command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
      command.add("-Dkdflow.shared.dir=" + System.getProperty("kdflow.shared.dir", "../../shared"));
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(FaultLoopTrainee.class.getName());
      command.add(root.toString());
      command.add(NAME);
      command.add(String.valueOf(MAX_EPOCHS));
      return new Child(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** Waits for the step line of global step {@code step} (or a later one); returns its step. */
    long awaitStep(long step) throws InterruptedException {
      while (true) {
        String line = lines.poll(2, TimeUnit.MINUTES);
        assertThat(line).as("the trainee stopped printing steps:\n" + output()).isNotNull();
        long at = Long.parseLong(line.substring(5).trim());
        if (at >= step) {
          lines.clear();
          return at;
        }
      }
    }

    void kill() throws InterruptedException {
      process.destroyForcibly(); // SIGKILL
      assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
    }

    int awaitExit() throws InterruptedException {
      assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("the trainee did not finish").isTrue();
      return process.exitValue();
    }

    String output() {
      synchronized (all) {
        return all.toString();
      }
    }
  }
}
