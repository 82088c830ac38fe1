package dev.kdflow.trainer.models;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;

/** MobileNetV2 (Sandler et al. 2018), torchvision's layout. */
final class MobileNetV2 {
  /** Expansion t, output channels c, repeats n, first stride s. */
  private static final int[][] SETTINGS = {
    {1, 16, 1, 1},
    {6, 24, 2, 2},
    {6, 32, 3, 2},
    {6, 64, 4, 2},
    {6, 96, 3, 1},
    {6, 160, 3, 2},
    {6, 320, 1, 1}
  };

  private MobileNetV2() {}

  static Block build(int numClasses, double widthMultiplier, boolean smallImageStem) {
    if (!(widthMultiplier > 0)) {
      throw new IllegalArgumentException("archParams.widthMultiplier must be > 0");
    }
    int in = divisible(32 * widthMultiplier);
    int last = divisible(1280 * Math.max(1.0, widthMultiplier));
    SequentialBlock net = new SequentialBlock().add(convBnRelu6(in, 3, smallImageStem ? 1 : 2, 1));
    for (int[] s : SETTINGS) {
      int out = divisible(s[1] * widthMultiplier);
      for (int i = 0; i < s[2]; i++) {
        net.add(invertedResidual(in, out, i == 0 ? s[3] : 1, s[0]));
        in = out;
      }
    }
    return net.add(convBnRelu6(last, 1, 1, 1))
        .add(Pool.globalAvgPool2dBlock())
        .add(Blocks.batchFlattenBlock())
        .add(Dropout.builder().optRate(0.2f).build())
        .add(Linear.builder().setUnits(numClasses).build());
  }

  private static SequentialBlock convBnRelu6(int filters, int kernel, int stride, int groups) {
    return new SequentialBlock()
        .add(Layers.conv(filters, kernel, stride, groups))
        .add(Layers.batchNorm())
        .add(Activation.relu6Block());
  }

  private static Block invertedResidual(int in, int out, int stride, int expansion) {
    int hidden = in * expansion;
    SequentialBlock main = new SequentialBlock();
    if (expansion != 1) {
      main.add(convBnRelu6(hidden, 1, 1, 1));
    }
    main.add(convBnRelu6(hidden, 3, stride, hidden))
        .add(Layers.conv(out, 1, 1))
        .add(Layers.batchNorm());
    if (stride == 1 && in == out) {
      return new SequentialBlock()
          .add(
              new ai.djl.nn.ParallelBlock(
                  list ->
                      new ai.djl.ndarray.NDList(
                          list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow())),
                  java.util.Arrays.asList(main, Blocks.identityBlock())));
    }
    return main;
  }

  /** torchvision's {@code _make_divisible(v, 8)}. */
  static int divisible(double v) {
    int newV = Math.max(8, (int) (v + 4) / 8 * 8);
    if (newV < 0.9 * v) {
      newV += 8;
    }
    return newV;
  }
}
