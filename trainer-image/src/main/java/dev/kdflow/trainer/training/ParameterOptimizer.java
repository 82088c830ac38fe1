package dev.kdflow.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.kdflow.api.OptimizerParams;
import dev.kdflow.api.SpecDefaults;
import dev.kdflow.api.TrainingSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD (momentum, Nesterov, L2 weight decay), Adam and AdamW with PyTorch's update rules, written
 * with in-place NDArray operations. Its whole state (momentum buffers or Adam moments and the step
 * count) is exposed by name so checkpoints can restore it exactly.
 */
public abstract class ParameterOptimizer {
  protected final Map<String, Parameter> parameters;
  protected final double weightDecay;
  protected long stepCount;

  protected ParameterOptimizer(Map<String, Parameter> parameters, double weightDecay) {
    this.parameters = parameters;
    this.weightDecay = weightDecay;
  }

  /**
   * The optimizer a spec asks for.
   *
   * @param spec training spec (optimizer and optimizerParams; unset ones get the api defaults)
   * @param parameters the trainable parameters by name
   * @param stateManager owns the optimizer's state arrays
   */
  public static ParameterOptimizer create(
      TrainingSpec spec, Map<String, Parameter> parameters, NDManager stateManager) {
    TrainingSpec resolved = SpecDefaults.resolve(spec, TrainingSpec.class);
    OptimizerParams p = resolved.getOptimizerParams();
    double wd = p.getWeightDecay();
    TrainingSpec.Optimizer type = resolved.getOptimizer();
    if (type == TrainingSpec.Optimizer.SGD) {
      return new Sgd(parameters, wd, p.getMomentum(), p.getNesterov(), stateManager);
    }
    List<Double> betas = p.getBetas();
    if (betas.size() != 2) {
      throw new IllegalArgumentException("optimizerParams.betas must hold two values");
    }
    return new Adam(
        parameters,
        wd,
        betas.get(0),
        betas.get(1),
        p.getEps(),
        type == TrainingSpec.Optimizer.AdamW,
        stateManager);
  }

  /**
   * Updates every parameter in place.
   *
   * @param gradients the gradient of each parameter, same names
   * @param lr learning rate of this step
   */
  public abstract void step(Map<String, NDArray> gradients, double lr);

  /** State arrays by name (live: saving them saves the current state). */
  public abstract Map<String, NDArray> state();

  /** Steps taken. */
  public long getStepCount() {
    return stepCount;
  }

  /** Restores the state saved by {@link #state()} and {@link #getStepCount()}. */
  public void restore(Map<String, NDArray> saved, long steps) {
    Map<String, NDArray> live = state();
    for (Map.Entry<String, NDArray> e : live.entrySet()) {
      NDArray value = saved.get(e.getKey());
      if (value == null || !value.getShape().equals(e.getValue().getShape())) {
        throw new IllegalArgumentException(
            "optimizer state " + e.getKey() + " is missing or has another shape");
      }
      e.getValue().set(value.toByteBuffer());
    }
    this.stepCount = steps;
  }

  private static Map<String, NDArray> zerosLike(
      Map<String, Parameter> params, String prefix, NDManager manager) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    params.forEach((name, p) -> out.put(prefix + name, manager.zeros(p.getArray().getShape())));
    return out;
  }

  /** SGD as {@code torch.optim.SGD} (dampening 0). */
  static final class Sgd extends ParameterOptimizer {
    private final double momentum;
    private final boolean nesterov;
    private final Map<String, NDArray> buffers;
    private final NDManager manager;

    Sgd(
        Map<String, Parameter> params,
        double wd,
        double momentum,
        boolean nesterov,
        NDManager manager) {
      super(params, wd);
      this.momentum = momentum;
      this.nesterov = nesterov;
      this.buffers = momentum != 0 ? zerosLike(params, "momentum.", manager) : Map.of();
      this.manager = manager;
    }

    @Override
    public void step(Map<String, NDArray> gradients, double lr) {
      stepCount++;
      // The scalar factors as arrays made once per step, not once per parameter and operation:
      // NDArray.mul(Number) creates (and frees) a scalar array on every call. Same values, same
      // float32 arithmetic, so the results are bit-identical.
      try (NDManager scalars = manager.newSubManager()) {
        NDArray lrArray = scalars.create((float) lr);
        NDArray momentumArray = scalars.create((float) momentum);
        NDArray decayArray = scalars.create((float) weightDecay);
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
          NDArray w = e.getValue().getArray();
          NDArray d = gradients.get(e.getKey());
          if (weightDecay != 0) {
            d = d.add(w.mul(decayArray));
          }
          if (momentum != 0) {
            // a zero buffer makes the first step buf = d, as PyTorch's first step does
            NDArray buf = buffers.get("momentum." + e.getKey());
            buf.muli(momentumArray).addi(d);
            d = nesterov ? d.add(buf.mul(momentumArray)) : buf;
          }
          w.subi(d.mul(lrArray));
        }
      }
    }

    @Override
    public Map<String, NDArray> state() {
      return buffers;
    }
  }

  /** Adam / AdamW as {@code torch.optim.Adam} / {@code AdamW}. */
  static final class Adam extends ParameterOptimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final boolean decoupled;
    private final Map<String, NDArray> state = new LinkedHashMap<>();

    Adam(
        Map<String, Parameter> params,
        double wd,
        double beta1,
        double beta2,
        double eps,
        boolean decoupled,
        NDManager manager) {
      super(params, wd);
      this.beta1 = beta1;
      this.beta2 = beta2;
      this.eps = eps;
      this.decoupled = decoupled;
      state.putAll(zerosLike(params, "exp_avg.", manager));
      state.putAll(zerosLike(params, "exp_avg_sq.", manager));
    }

    @Override
    public void step(Map<String, NDArray> gradients, double lr) {
      stepCount++;
      double bc1 = 1 - Math.pow(beta1, stepCount);
      double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, stepCount));
      for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
        NDArray w = e.getValue().getArray();
        NDArray g = gradients.get(e.getKey());
        if (weightDecay != 0) {
          if (decoupled) {
            w.muli((float) (1 - lr * weightDecay));
          } else {
            g = g.add(w.mul((float) weightDecay));
          }
        }
        NDArray m = state.get("exp_avg." + e.getKey());
        NDArray v = state.get("exp_avg_sq." + e.getKey());
        m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
        v.muli((float) beta2).addi(g.mul(g).muli((float) (1 - beta2)));
        NDArray denom = v.sqrt().divi((float) bc2Sqrt).addi((float) eps);
        w.subi(m.div(denom).muli((float) (lr / bc1)));
      }
    }

    @Override
    public Map<String, NDArray> state() {
      return state;
    }
  }
}
