import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.util.Utils;

/**
 * Runs once while the trainer image is built: makes DJL fetch (or extract) the PyTorch native
 * library into {@code ENGINE_CACHE_DIR} and runs one operation on it, so training pods start
 * offline from the cached library.
 */
public final class WarmUpEngine {
  private WarmUpEngine() {}

  public static void main(String[] args) {
    Engine engine = Engine.getEngine("PyTorch");
    try (NDManager manager = engine.newBaseManager(Device.cpu())) {
      float sum = manager.ones(new ai.djl.ndarray.types.Shape(2, 2)).sum().getFloat();
      if (sum != 4f) {
        throw new IllegalStateException("PyTorch engine computed 1+1+1+1 = " + sum);
      }
    }
    System.out.printf(
        "PyTorch %s ready in %s (GPUs visible now: %d)%n",
        engine.getVersion(), Utils.getEngineCacheDir("pytorch"), engine.getGpuCount());
  }
}
