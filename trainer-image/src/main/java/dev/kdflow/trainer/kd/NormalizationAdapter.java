package dev.kdflow.trainer.kd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.kdflow.api.NormalizationAdapterSpec;
import java.util.List;

/**
 * Re-normalises NCHW images: data normalised with (meanOriginal, stdOriginal) becomes data
 * normalised with (meanRequired, stdRequired), per channel — {@code (x·stdO + meanO − meanR) /
 * stdR}. Used as the KD module's teacher input adapter when the teacher was trained with other
 * normalisation than the student's data.
 */
public final class NormalizationAdapter extends AbstractBlock {
  private final float[] meanOriginal;
  private final float[] stdOriginal;
  private final float[] meanRequired;
  private final float[] stdRequired;

  /** Per-channel statistics; all four arrays have one value per channel. */
  public NormalizationAdapter(
      float[] meanOriginal, float[] stdOriginal, float[] meanRequired, float[] stdRequired) {
    super((byte) 1);
    int c = meanOriginal.length;
    if (c == 0 || stdOriginal.length != c || meanRequired.length != c || stdRequired.length != c) {
      throw new IllegalArgumentException(
          "normalization adapter: meanOriginal, stdOriginal, meanRequired and stdRequired must"
              + " have the same non-zero length (one value per channel)");
    }
    for (int i = 0; i < c; i++) {
      if (!(stdOriginal[i] > 0) || !(stdRequired[i] > 0)) {
        throw new IllegalArgumentException("normalization adapter: std values must be > 0");
      }
    }
    this.meanOriginal = meanOriginal.clone();
    this.stdOriginal = stdOriginal.clone();
    this.meanRequired = meanRequired.clone();
    this.stdRequired = stdRequired.clone();
  }

  /** Builds the adapter a spec describes. */
  public static NormalizationAdapter from(NormalizationAdapterSpec spec) {
    return new NormalizationAdapter(
        floats(spec.getMeanOriginal(), "meanOriginal"),
        floats(spec.getStdOriginal(), "stdOriginal"),
        floats(spec.getMeanRequired(), "meanRequired"),
        floats(spec.getStdRequired(), "stdRequired"));
  }

  private static float[] floats(List<Double> values, String name) {
    if (values == null || values.isEmpty()) {
      throw new IllegalArgumentException("normalization adapter: " + name + " is required");
    }
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).floatValue();
    }
    return out;
  }

  /** Applies the adapter to one NCHW batch. */
  public NDArray apply(NDArray x) {
    NDManager m = x.getManager();
    Shape perChannel = new Shape(1, meanOriginal.length, 1, 1);
    // (x·stdO + meanO − meanR) / stdR, evaluated in the same order as the PyTorch reference
    return x.mul(m.create(stdOriginal, perChannel))
        .add(m.create(meanOriginal, perChannel))
        .sub(m.create(meanRequired, perChannel))
        .div(m.create(stdRequired, perChannel));
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(apply(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }
}
