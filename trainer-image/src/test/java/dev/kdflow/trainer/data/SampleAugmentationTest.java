package dev.kdflow.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kdflow.api.DatasetSpec;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SampleAugmentationTest {

  @Test
  void aViewsGeneratorDependsOnSeedEpochAndIndexOnly() {
    long a = SampleAugmentation.random(7, 3, 11).nextLong();
    assertThat(SampleAugmentation.random(7, 3, 11).nextLong()).isEqualTo(a);
    assertThat(SampleAugmentation.random(8, 3, 11).nextLong()).isNotEqualTo(a);
    assertThat(SampleAugmentation.random(7, 4, 11).nextLong()).isNotEqualTo(a);
    assertThat(SampleAugmentation.random(7, 3, 12).nextLong()).isNotEqualTo(a);
  }

  @Test
  void resizedCropBoxesStayInsideTheImageWithinScaleAndRatio() {
    SampleAugmentation rrc = new SampleAugmentation(0, false, true, 0.08);
    int height = 120;
    int width = 200;
    double minArea = Double.MAX_VALUE;
    double maxArea = 0;
    for (int i = 0; i < 2000; i++) {
      int[] box = rrc.resizedCropBox(height, width, SampleAugmentation.random(1, 0, i));
      int top = box[0];
      int left = box[1];
      int h = box[2];
      int w = box[3];
      assertThat(top).isBetween(0, height - h);
      assertThat(left).isBetween(0, width - w);
      double area = (double) h * w / (height * width);
      minArea = Math.min(minArea, area);
      maxArea = Math.max(maxArea, area);
      // rounding each side to whole pixels moves area and ratio a little past the bounds
      assertThat(area).isBetween(0.07, 1.0);
      assertThat((double) w / h).isBetween(0.70, 1.40);
    }
    assertThat(minArea).as("small crops occur").isLessThan(0.12);
    assertThat(maxArea).as("large crops occur").isGreaterThan(0.7);
  }

  @Test
  void impossibleCropsFallBackToTheCentredWholeImageClampedToTheRatioRange() {
    // a 1000x10 strip: no crop of the whole area fits with aspect ratio <= 4/3
    SampleAugmentation whole = new SampleAugmentation(0, false, true, 1.0);
    assertThat(whole.resizedCropBox(10, 1000, new SplittableRandom(1)))
        .containsExactly(0, 493, 10, 13);
    assertThat(whole.resizedCropBox(1000, 10, new SplittableRandom(1)))
        .containsExactly(493, 0, 13, 10);
  }

  @Test
  void shiftFillsWithZeroAndFlipMirrorsBeforeNormalising() {
    // one channel, 1x3 image [1, 2, 3]
    float[] src = {1, 2, 3};
    Normalization norm = new Normalization(new float[] {1}, new float[] {2});
    float[] out = new float[3];
    SampleAugmentation flipOnly = new SampleAugmentation(0, true, false, 0.08);
    boolean sawFlip = false;
    boolean sawPlain = false;
    for (int i = 0; i < 20; i++) {
      flipOnly.shiftFlipNormalize(
          src, 0, 1, 1, 3, SampleAugmentation.random(0, 0, i), norm, out, 0);
      if (out[0] == 1f) {
        assertThat(out).containsExactly(1f, 0.5f, 0f);
        sawFlip = true;
      } else {
        assertThat(out).containsExactly(0f, 0.5f, 1f);
        sawPlain = true;
      }
    }
    assertThat(sawFlip && sawPlain).isTrue();

    SampleAugmentation shift = new SampleAugmentation(1, false, false, 0.08);
    boolean sawZeroFill = false;
    for (int i = 0; i < 30; i++) {
      shift.shiftFlipNormalize(src, 0, 1, 1, 3, SampleAugmentation.random(0, 0, i), norm, out, 0);
      for (float v : out) {
        // every value is a normalised source pixel or normalised zero padding (-0.5)
        assertThat(v).isIn(-0.5f, 0f, 0.5f, 1f);
      }
      sawZeroFill |= out[0] == -0.5f || out[2] == -0.5f;
    }
    assertThat(sawZeroFill).isTrue();
  }

  @Test
  void trainingAugmentationComesFromTheSpec() {
    DatasetSpec spec = new DatasetSpec();
    assertThat(SampleAugmentation.training(spec).isRandom()).isFalse();
    spec.setHorizontalFlip(true);
    spec.setRandomResizedCrop(true);
    spec.setRandomResizedCropMinScale(0.25);
    assertThat(SampleAugmentation.training(spec))
        .isEqualTo(new SampleAugmentation(0, true, true, 0.25));
    spec.setRandomResizedCropMinScale(0.0);
    assertThatThrownBy(() -> SampleAugmentation.training(spec))
        .hasMessageContaining("dataset.randomResizedCropMinScale");
  }
}
