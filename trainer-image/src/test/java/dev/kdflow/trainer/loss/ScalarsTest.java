package dev.kdflow.trainer.loss;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Constants on the autograd tape must live in the engine's memory ({@link Scalars}): DJL's {@code
 * mul(Number)} / {@code div(Number)} leave autograd holding a Java buffer that the garbage
 * collector frees, and backward then reads whatever occupies that memory.
 */
class ScalarsTest {
  /** {@code NDArray.mul/div/pow/maximum/minimum(Number)}: the calls that save a Java constant. */
  static final Pattern NUMBER_OPERAND =
      Pattern.compile(
          "InterfaceMethod ai/djl/ndarray/NDArray\\.(mul|div|pow|maximum|minimum)"
              + ":\\(Ljava/lang/Number;\\)");

  /** The descriptor of every {@code NDArray op(Number)} method, as a class file stores it. */
  static final String NUMBER_DESCRIPTOR = "(Ljava/lang/Number;)Lai/djl/ndarray/NDArray;";

  /** Run with gradients off (in-place updates, nothing saved for a backward pass). */
  static final Set<String> NO_GRADIENT_CLASSES =
      Set.of(
          "dev/kdflow/trainer/training/Ema.class",
          "dev/kdflow/trainer/training/ParameterOptimizer$Adam.class",
          "dev/kdflow/trainer/training/ParameterOptimizer$Sgd.class");

  @Test
  void gradientsThroughConstantsStayRightAfterTheirJavaSideIsGone() {
    try (NDManager manager = NDManager.newBaseManager()) {
      for (int round = 0; round < 20; round++) {
        NDArray x = manager.randomNormal(new Shape(64, 10));
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
          NDArray y = Scalars.times(x, 3).sum().add(Scalars.dividedBy(x, 4).sum());
          // what a collection and the memory reuse of busy loader threads would do between the
          // forward and the backward pass
          System.gc();
          List<ByteBuffer> reuse = new ArrayList<>();
          for (int i = 0; i < 1000; i++) {
            reuse.add(ByteBuffer.allocateDirect(4).putFloat(0, Float.NaN));
          }
          gc.backward(y);
          assertThat(reuse).hasSize(1000);
        }
        float[] grad = x.getGradient().toFloatArray();
        for (float g : grad) {
          assertThat(g).isEqualTo(3.25f);
        }
      }
    }
  }

  @Test
  void valuesAreTheProductAndTheQuotient() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.create(new float[] {1, -2, 0.5f});
      assertThat(Scalars.times(x, 2.5).toFloatArray()).containsExactly(2.5f, -5f, 1.25f);
      assertThat(Scalars.dividedBy(x, 4).toFloatArray()).containsExactly(0.25f, -0.5f, 0.125f);
      assertThat(Scalars.times(x, 2).getDataType()).isEqualTo(x.getDataType());
    }
  }

  @Test
  void noTrainerCodeOnTheTapeMultipliesOrDividesByADjlNumber()
      throws IOException, URISyntaxException {
    Path classes =
        Path.of(Scalars.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
    List<String> offenders = new ArrayList<>();
    int scanned = 0;
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path c : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String name = classes.relativize(c).toString().replace('\\', '/');
        scanned++;
        // only a class whose constant pool names such a method can call one: javap just those
        if (NO_GRADIENT_CLASSES.contains(name)
            || !new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1)
                .contains(NUMBER_DESCRIPTOR)) {
          continue;
        }
        StringWriter out = new StringWriter();
        javap.run(
            new PrintWriter(out), new PrintWriter(new StringWriter()), "-c", "-p", c.toString());
        if (NUMBER_OPERAND.matcher(out.toString()).find()) {
          offenders.add(name);
        }
      }
    }
    assertThat(scanned).as("trainer classes scanned").isGreaterThan(100);
    assertThat(offenders)
        .as("use Scalars.times/dividedBy instead of NDArray.mul/div(Number)")
        .isEmpty();
  }
}
