package dev.kdflow.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.kdflow.api.EmaParams;
import dev.kdflow.api.SpecDefaults;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exponential moving average of the student's weights and BatchNorm statistics, as SuperGradients'
 * {@code ModelEMA}: after every step {@code ema = d·ema + (1−d)·w} with the decay ramp {@code
 * threshold}: {@code d = min(decay, (1+n)/(10+n))}, {@code exp}: {@code d = decay·(1 −
 * exp(−β·n/totalSteps))}, or {@code constant}, n being the update count. Validation and ckpt_best
 * use the averaged weights.
 */
public final class Ema {
  private final Map<String, Parameter> parameters;
  private final Map<String, NDArray> shadow = new LinkedHashMap<>();
  private final double decay;
  private final EmaParams.DecayType type;
  private final double beta;
  private final long totalSteps;
  private long updates;
  private Map<String, NDArray> swappedOut;

  /**
   * @param parameters all student parameters by name (weights and running statistics)
   * @param given decay settings; unset ones get the api defaults
   * @param totalSteps steps of the whole run (used by the exp ramp)
   * @param manager owns the averaged copies
   */
  public Ema(
      Map<String, Parameter> parameters, EmaParams given, long totalSteps, NDManager manager) {
    this.parameters = parameters;
    EmaParams params = SpecDefaults.resolve(given, EmaParams.class);
    this.decay = params.getDecay();
    this.type = params.getDecayType();
    this.beta = params.getBeta();
    this.totalSteps = Math.max(1, totalSteps);
    parameters.forEach(
        (name, p) -> {
          NDArray copy = p.getArray().duplicate();
          copy.attach(manager);
          shadow.put(name, copy);
        });
  }

  /** The decay used at update number {@code n} (1-based). */
  public double decayAt(long n) {
    return switch (type) {
      case THRESHOLD -> Math.min(decay, (1.0 + n) / (10.0 + n));
      case EXP -> decay * (1 - Math.exp(-beta * n / (double) totalSteps));
      case CONSTANT -> decay;
    };
  }

  /** Folds the current weights into the average. */
  public void update() {
    updates++;
    double d = decayAt(updates);
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      shadow.get(e.getKey()).muli((float) d).addi(e.getValue().getArray().mul((float) (1 - d)));
    }
  }

  /** The averaged arrays by parameter name (live). */
  public Map<String, NDArray> weights() {
    return shadow;
  }

  public long getUpdates() {
    return updates;
  }

  /** Restores a saved average. */
  public void restore(Map<String, NDArray> saved, long savedUpdates) {
    for (Map.Entry<String, NDArray> e : shadow.entrySet()) {
      NDArray v = saved.get(e.getKey());
      if (v == null || !v.getShape().equals(e.getValue().getShape())) {
        throw new IllegalArgumentException(
            "EMA weight " + e.getKey() + " is missing or has another shape");
      }
      e.getValue().set(v.toByteBuffer());
    }
    this.updates = savedUpdates;
  }

  /** Puts the averaged values into the network (keeping the trained ones aside). */
  public void swapIn(NDManager scratch) {
    if (swappedOut != null) {
      throw new IllegalStateException("EMA weights are already swapped in");
    }
    swappedOut = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      NDArray w = e.getValue().getArray();
      NDArray keep = w.duplicate();
      keep.attach(scratch);
      swappedOut.put(e.getKey(), keep);
      shadow.get(e.getKey()).copyTo(w);
    }
  }

  /** Puts the trained values back. */
  public void swapOut() {
    if (swappedOut == null) {
      return;
    }
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      swappedOut.get(e.getKey()).copyTo(e.getValue().getArray());
    }
    swappedOut = null;
  }
}
