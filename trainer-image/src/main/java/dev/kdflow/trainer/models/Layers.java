package dev.kdflow.trainer.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import java.util.Arrays;

/** Building blocks shared by the registry's architectures. */
final class Layers {
  private Layers() {}

  /** k×k convolution with "same" padding for odd k, no bias (a BatchNorm follows). */
  static Block conv(int filters, int kernel, int stride) {
    return conv(filters, kernel, stride, 1);
  }

  /** k×k grouped convolution with "same" padding, no bias. */
  static Block conv(int filters, int kernel, int stride, int groups) {
    return Conv2d.builder()
        .setFilters(filters)
        .setKernelShape(new Shape(kernel, kernel))
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(kernel / 2, kernel / 2))
        .optGroups(groups)
        .optBias(false)
        .build();
  }

  static Block batchNorm() {
    return BatchNorm.builder().build();
  }

  /** conv → BN → ReLU. */
  static SequentialBlock convBnRelu(int filters, int kernel, int stride) {
    return new SequentialBlock()
        .add(conv(filters, kernel, stride))
        .add(batchNorm())
        .add(Activation.reluBlock());
  }

  /** {@code relu(main(x) + shortcut(x))}. */
  static Block residual(Block main, Block shortcut) {
    return new SequentialBlock()
        .add(
            new ParallelBlock(
                list ->
                    new NDList(list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow())),
                Arrays.asList(main, shortcut)))
        .add(Activation.reluBlock());
  }

  /** Identity, or 1×1 conv + BN when the shape changes. */
  static Block shortcut(int inChannels, int outChannels, int stride) {
    if (stride == 1 && inChannels == outChannels) {
      return Blocks.identityBlock();
    }
    return new SequentialBlock().add(conv(outChannels, 1, stride)).add(batchNorm());
  }

  /** ResNet basic block: two 3×3 convs with BN. */
  static Block basicBlock(int inChannels, int channels, int stride) {
    SequentialBlock main =
        new SequentialBlock()
            .add(conv(channels, 3, stride))
            .add(batchNorm())
            .add(Activation.reluBlock())
            .add(conv(channels, 3, 1))
            .add(batchNorm());
    return residual(main, shortcut(inChannels, channels, stride));
  }

  /** ResNet bottleneck block: 1×1, 3×3 (stride), 1×1 ×4 expansion. */
  static Block bottleneck(int inChannels, int width, int stride) {
    int out = width * 4;
    SequentialBlock main =
        new SequentialBlock()
            .add(conv(width, 1, 1))
            .add(batchNorm())
            .add(Activation.reluBlock())
            .add(conv(width, 3, stride))
            .add(batchNorm())
            .add(Activation.reluBlock())
            .add(conv(out, 1, 1))
            .add(batchNorm());
    return residual(main, shortcut(inChannels, out, stride));
  }
}
