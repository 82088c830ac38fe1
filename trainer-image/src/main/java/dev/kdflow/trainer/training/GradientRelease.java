package dev.kdflow.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.NativeResource;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Drops a parameter's gradient after the optimizer used it, as PyTorch's {@code
 * zero_grad(set_to_none=True)} (its default since 2.0) does, instead of zeroing it.
 *
 * <p>Why: with a zeroed gradient, the next backward pass adds the new gradient into it ({@code
 * AccumulateGrad}: read both, write one) after the zeroing wrote it once; with no gradient, it
 * simply keeps the new one. For the 784-800-800-10 student that is four passes over its 5 MB of
 * weights per step saved. The result is the same: 0 + g is g exactly.
 *
 * <p>DJL 0.36 has no call that resets a tensor's gradient, so the parameter's Java array is pointed
 * at a fresh leaf tensor that shares its storage ({@code detach()}, then {@code
 * requires_grad_(true)}) and the old tensor, with its gradient, is deleted. The Java object stays
 * the same, so every holder of the parameter (blocks, optimizer, EMA, checkpoints) is unaffected.
 * When the DJL internals this relies on are missing, {@link #release} zeroes the gradient instead.
 */
final class GradientRelease {
  private static final Field HANDLE = handleField();

  private GradientRelease() {}

  /** Whether gradients are dropped (true) or zeroed (another DJL version). */
  static boolean dropsGradients() {
    return HANDLE != null;
  }

  /** Drops (or, failing that, zeroes) the gradient of a parameter array. */
  static void release(NDArray parameter) {
    PtNDArray p = (PtNDArray) parameter;
    if (HANDLE == null) {
      JniUtils.zeroGrad(p);
      return;
    }
    PtNDArray fresh = JniUtils.detachGradient(p);
    JniUtils.attachGradient(fresh, true);
    AtomicReference<Long> mine = handle(p);
    AtomicReference<Long> theirs = handle(fresh);
    Long old = mine.getAndSet(theirs.get());
    theirs.set(old);
    fresh.close(); // deletes the old tensor and, with it, the used gradient
  }

  @SuppressWarnings("unchecked")
  private static AtomicReference<Long> handle(PtNDArray array) {
    try {
      return (AtomicReference<Long>) HANDLE.get(array);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Field handleField() {
    try {
      Field f = NativeResource.class.getDeclaredField("handle");
      f.setAccessible(true);
      return f.getType() == AtomicReference.class ? f : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
