package dev.kdflow.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.kdflow.api.DatasetSpec;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

  @TempDir Path dir;

  private static DatasetSpec spec(int imageSize) {
    DatasetSpec spec = new DatasetSpec();
    spec.setImageSize(imageSize);
    return spec;
  }

  private static BufferedImage solid(int width, int height, Color color) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, color.getRGB());
      }
    }
    return image;
  }

  private static Path write(BufferedImage image, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    String format = file.toString().toLowerCase().endsWith(".png") ? "png" : "jpg";
    assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
    return file;
  }

  private static float at(ImageData data, int image, int channel, int y, int x) {
    return data.pixels()[
        image * data.imageSize() + (channel * data.height() + y) * data.width() + x];
  }

  private static void assertColour(ImageData data, int image, Color colour, float tolerance) {
    int[] rgb = {colour.getRed(), colour.getGreen(), colour.getBlue()};
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < data.height(); y++) {
        for (int x = 0; x < data.width(); x++) {
          assertThat(at(data, image, c, y, x))
              .as("image %d channel %d at %d,%d", image, c, y, x)
              .isCloseTo(rgb[c] / 255f, within(tolerance));
        }
      }
    }
  }

  @Test
  void aFileNameThisJvmCannotReadIsRefusedWithTheFix() throws Exception {
    write(solid(4, 4, Color.RED), dir.resolve("train/red/a.png"));
    // a Latin-1 name (byte 0xE9), not valid UTF-8 nor ASCII: made by the shell, as Java cannot
    Process touch =
        new ProcessBuilder(
                "bash",
                "-c",
                "touch \"$1/train/red/$(printf 'caf\\351.png')\"",
                "_",
                dir.toString())
            .start();
    assertThat(touch.waitFor()).isZero();

    assertThatThrownBy(() -> ImageFolder.index(dir, true, spec(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dataset.path: the name of " + dir.resolve("train/red") + "/caf")
        .hasMessageContaining("cannot be read with this JVM's file-name charset")
        .hasMessageContaining("LC_ALL=C.UTF-8");
  }

  @Test
  void classesAreSortedFolderNamesAndImagesAlternateBetweenClasses() throws IOException {
    Color dog = new Color(10, 20, 30);
    Color cat = new Color(200, 100, 0);
    Color bird = new Color(0, 255, 128);
    write(solid(4, 4, dog), dir.resolve("train/dog/1.png"));
    write(solid(4, 4, dog), dir.resolve("train/dog/2.png"));
    write(solid(4, 4, cat), dir.resolve("train/cat/x.PNG"));
    write(solid(4, 4, bird), dir.resolve("train/bird/a.png"));
    Files.writeString(dir.resolve("train/dog/notes.txt"), "ignored");

    ImageData data = ImageFolder.load(dir, true, spec(4));

    assertThat(data.classNames()).containsExactly("bird", "cat", "dog");
    assertThat(data.labels()).containsExactly(0, 1, 2, 2);
    assertThat(data.channels()).isEqualTo(3);
    assertThat(data.height()).isEqualTo(4);
    assertThat(data.width()).isEqualTo(4);
    assertColour(data, 0, bird, 0);
    assertColour(data, 1, cat, 0);
    assertColour(data, 2, dog, 0);
    assertColour(data, 3, dog, 0);
  }

  @Test
  void pixelsAreChannelPlanesOfRows() throws IOException {
    BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        image.setRGB(x, y, new Color(10 * x, 100 + 10 * y, 7 * x + y).getRGB());
      }
    }
    write(image, dir.resolve("train/only/a.png"));

    ImageData data = ImageFolder.load(dir, true, spec(2));

    // 3x2 -> shorter side is already 2; centre crop keeps columns 0..1 (offset round(0.5) = 0).
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 2; x++) {
        assertThat(at(data, 0, 0, y, x)).isEqualTo(10 * x / 255f);
        assertThat(at(data, 0, 1, y, x)).isEqualTo((100 + 10 * y) / 255f);
        assertThat(at(data, 0, 2, y, x)).isEqualTo((7 * x + y) / 255f);
      }
    }
  }

  @Test
  void wideImageIsCentreCropped() throws IOException {
    BufferedImage image = new BufferedImage(12, 4, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 12; x++) {
        image.setRGB(x, y, new Color(20 * x, 0, 0).getRGB());
      }
    }
    write(image, dir.resolve("train/c/a.png"));

    ImageData data = ImageFolder.load(dir, true, spec(4));

    for (int x = 0; x < 4; x++) {
      assertThat(at(data, 0, 0, 2, x)).isEqualTo(20 * (4 + x) / 255f);
    }
  }

  @Test
  void tallImageIsResizedOnItsShorterSideThenCropped() throws IOException {
    Color top = new Color(255, 0, 0);
    Color bottom = new Color(0, 0, 255);
    BufferedImage image = solid(16, 48, top);
    for (int y = 24; y < 48; y++) {
      for (int x = 0; x < 16; x++) {
        image.setRGB(x, y, bottom.getRGB());
      }
    }
    write(image, dir.resolve("train/c/a.png"));

    ImageData data = ImageFolder.load(dir, true, spec(8));

    // 16x48 -> 8x24, crop rows 8..15: the upper half is red, the lower half blue, the two rows
    // at the boundary blend.
    assertThat(data.height()).isEqualTo(8);
    assertThat(data.width()).isEqualTo(8);
    for (int x = 0; x < 8; x++) {
      assertThat(at(data, 0, 0, 0, x)).isCloseTo(1f, within(1e-6f));
      assertThat(at(data, 0, 2, 0, x)).isCloseTo(0f, within(1e-6f));
      assertThat(at(data, 0, 0, 7, x)).isCloseTo(0f, within(1e-6f));
      assertThat(at(data, 0, 2, 7, x)).isCloseTo(1f, within(1e-6f));
      float red3 = at(data, 0, 0, 3, x);
      float red4 = at(data, 0, 0, 4, x);
      assertThat(red3).isBetween(0.5f, 1f);
      assertThat(red4).isBetween(0f, 0.5f);
      assertThat(red3 + at(data, 0, 2, 3, x)).isCloseTo(1f, within(1e-6f));
    }
  }

  @Test
  void downscalingAveragesOverTheWholeFootprint() throws IOException {
    // A one-pixel checkerboard has mean 0.5; a filter that samples only 2x2 neighbours would
    // return 0 or 1 at many positions, an antialiasing one returns about 0.5 everywhere.
    BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        image.setRGB(x, y, ((x + y) % 2 == 0) ? Color.WHITE.getRGB() : Color.BLACK.getRGB());
      }
    }
    write(image, dir.resolve("train/c/a.png"));

    ImageData data = ImageFolder.load(dir, true, spec(7));

    for (float v : data.pixels()) {
      assertThat(v).isCloseTo(0.5f, within(0.06f));
    }
  }

  @Test
  void solidColourSurvivesResizing() throws IOException {
    Color colour = new Color(37, 150, 222);
    write(solid(50, 30, colour), dir.resolve("train/c/a.png"));

    ImageData data = ImageFolder.load(dir, true, spec(9));

    assertThat(data.pixels()).hasSize(3 * 9 * 9);
    assertColour(data, 0, colour, 1e-6f);
  }

  @Test
  void greyImagesBecomeThreeEqualChannelsWithTheirStoredValues() throws IOException {
    BufferedImage grey = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        grey.getRaster().setSample(x, y, 0, 128);
      }
    }
    write(grey, dir.resolve("train/g/a.png"));

    ImageData data = ImageFolder.load(dir, true, spec(4));

    assertColour(data, 0, new Color(128, 128, 128), 0);
  }

  @Test
  void alphaIsDropped() throws IOException {
    BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 2; x++) {
        image.setRGB(x, y, new Color(60, 120, 240, 30).getRGB());
      }
    }
    write(image, dir.resolve("train/a/a.png"));

    ImageData data = ImageFolder.load(dir, true, spec(2));

    assertColour(data, 0, new Color(60, 120, 240), 0);
  }

  @Test
  void jpegIsDecodedApproximately() throws IOException {
    Color colour = new Color(200, 100, 50);
    write(solid(32, 32, colour), dir.resolve("train/j/a.jpg"));
    write(solid(32, 32, colour), dir.resolve("train/j/b.JPEG"));

    ImageData data = ImageFolder.load(dir, true, spec(16));

    assertThat(data.size()).isEqualTo(2);
    assertColour(data, 0, colour, 4 / 255f);
    assertColour(data, 1, colour, 4 / 255f);
  }

  @Test
  void validationUsesTheTrainingClasses() throws IOException {
    write(solid(2, 2, Color.RED), dir.resolve("train/a/1.png"));
    write(solid(2, 2, Color.GREEN), dir.resolve("train/b/1.png"));
    write(solid(2, 2, Color.BLUE), dir.resolve("train/c/1.png"));
    write(solid(2, 2, Color.BLUE), dir.resolve("val/c/1.png"));

    ImageData valid = ImageFolder.load(dir, false, spec(2));

    assertThat(valid.classNames()).containsExactly("a", "b", "c");
    assertThat(valid.labels()).containsExactly(2);
    assertColour(valid, 0, Color.BLUE, 0);
  }

  @Test
  void testFolderIsAcceptedForValidation() throws IOException {
    write(solid(2, 2, Color.RED), dir.resolve("train/a/1.png"));
    write(solid(2, 2, Color.RED), dir.resolve("test/a/1.png"));
    write(solid(2, 2, Color.RED), dir.resolve("test/a/2.png"));

    assertThat(ImageFolder.load(dir, false, spec(2)).size()).isEqualTo(2);
  }

  @Test
  void limitKeepsABalancedPrefix() throws IOException {
    for (int i = 0; i < 3; i++) {
      write(solid(2, 2, Color.RED), dir.resolve("train/a/" + i + ".png"));
      write(solid(2, 2, Color.GREEN), dir.resolve("train/b/" + i + ".png"));
    }
    DatasetSpec spec = spec(2);
    spec.setTrainLimit(4);

    ImageData data = ImageFolder.load(dir, true, spec);

    assertThat(data.labels()).containsExactly(0, 1, 0, 1);
  }

  @Test
  void unknownValidationClassIsRejected() throws IOException {
    write(solid(2, 2, Color.RED), dir.resolve("train/a/1.png"));
    write(solid(2, 2, Color.RED), dir.resolve("val/zebra/1.png"));

    assertThatThrownBy(() -> ImageFolder.load(dir, false, spec(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zebra")
        .hasMessageContaining("classes: a");
  }

  @Test
  void unreadableImageIsNamed() throws IOException {
    write(solid(2, 2, Color.RED), dir.resolve("train/a/1.png"));
    Path broken = dir.resolve("train/a/2.png");
    Files.writeString(broken, "not an image");

    assertThatThrownBy(() -> ImageFolder.load(dir, true, spec(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("dataset.path: cannot decode image")
        .hasMessageContaining(broken.toString());
  }

  @Test
  void emptyClassFolderIsRejected() throws IOException {
    write(solid(2, 2, Color.RED), dir.resolve("train/a/1.png"));
    Files.createDirectories(dir.resolve("train/b"));

    assertThatThrownBy(() -> ImageFolder.load(dir, true, spec(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.resolve("train/b").toString())
        .hasMessageContaining("no .jpg/.jpeg/.png images");
  }

  @Test
  void missingFoldersAreNamed() throws IOException {
    assertThatThrownBy(() -> ImageFolder.load(dir.resolve("nope"), true, spec(2)))
        .hasMessageContaining("is not a directory");
    assertThatThrownBy(() -> ImageFolder.load(dir, true, spec(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no train/ folder");
    Files.createDirectories(dir.resolve("train"));
    assertThatThrownBy(() -> ImageFolder.load(dir, true, spec(2)))
        .hasMessageContaining("has no class sub-folders");
    write(solid(2, 2, Color.RED), dir.resolve("train/a/1.png"));
    assertThatThrownBy(() -> ImageFolder.load(dir, false, spec(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no val/ (or test/) folder");
  }

  @Test
  void resizingKeepsPixelCentresAligned() {
    // A ramp v(x) = x over 32 columns halved to 16: output column i covers source columns 2i and
    // 2i+1, so away from the borders it must average to 2i + 0.5 (no half-pixel shift).
    int width = 32;
    int height = 16;
    float[] ramp = new float[height * width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        ramp[y * width + x] = x;
      }
    }

    float[] out = ImageResizer.resizeShorterSideAndCenterCrop(ramp, 1, height, width, 8);

    // 32x16 -> 16x8, centre crop keeps output columns 4..11.
    for (int y = 0; y < 8; y++) {
      for (int i = 0; i < 8; i++) {
        assertThat(out[y * 8 + i]).isCloseTo(2 * (i + 4) + 0.5f, within(1e-4f));
      }
    }
  }
}
