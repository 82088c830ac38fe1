package dev.kdflow.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Views against torchvision 0.22.1 on a PIL image: {@code resized_crop} (what {@code
 * RandomResizedCrop} runs once it has picked a box) and {@code Resize} + {@code CenterCrop}.
 * Fixture: {@code src/test/resources/torchvision/} ({@code make_views.py} regenerates it), also a
 * CMYK JPEG and the RGB values PIL's {@code convert("RGB")} gives it. PIL rounds to 8 bits after
 * each of its two passes, kdflow keeps floats, so values may differ by a rounding step or two; a
 * wrong box, filter or offset differs by far more.
 */
class TorchvisionViewsTest {
  private static final float TOLERANCE = 2.5f / 255;

  private static JsonNode fixture() throws IOException {
    try (InputStream in =
        TorchvisionViewsTest.class.getResourceAsStream("/torchvision/views.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  private static BufferedImage image() throws URISyntaxException {
    return ImageFolder.read(resource("image.png"));
  }

  private static void assertMatches(float[] got, JsonNode want8, String what) {
    assertThat(got).as(what).hasSize(want8.size());
    float worst = 0;
    for (int i = 0; i < got.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want8.get(i).asInt() / 255f));
    }
    assertThat(worst).as("largest difference of %s", what).isLessThanOrEqualTo(TOLERANCE);
  }

  @Test
  void viewsMadeStraightFromTheDecodedImageAreTheViewsOfItsPlanesBitForBit() throws Exception {
    // Streaming reads a decoded image a row segment at a time instead of converting all of it to
    // planes first; every colour path (interleaved bytes, CMYK, grey, anything else) must agree.
    BufferedImage png = image();
    List<BufferedImage> images = new ArrayList<>();
    images.add(png);
    images.add(ImageFolder.read(resource("cmyk.jpg")));
    for (int type :
        new int[] {
          BufferedImage.TYPE_BYTE_GRAY,
          BufferedImage.TYPE_USHORT_GRAY,
          BufferedImage.TYPE_BYTE_INDEXED,
          BufferedImage.TYPE_INT_RGB
        }) {
      BufferedImage copy = new BufferedImage(png.getWidth(), png.getHeight(), type);
      copy.getGraphics().drawImage(png, 0, 0, null);
      images.add(copy);
    }
    for (BufferedImage image : images) {
      float[] planes = ImageResizer.toRgbPlanes(image);
      int h = image.getHeight();
      int w = image.getWidth();
      String what = "image type " + image.getType();
      for (int[] box :
          new int[][] {{0, 0, 29, 37}, {3, 5, 20, 11}, {10, 2, 7, 30}, {28, 36, 1, 1}}) {
        for (int size : new int[] {4, 16, 50}) {
          assertThat(ImageResizer.resizedCrop(image, box, size))
              .as(what)
              .isEqualTo(ImageResizer.resizedCrop(planes, 3, h, w, box, size));
        }
      }
      for (int size : new int[] {4, 16, 29, 40}) {
        assertThat(ImageResizer.resizeShorterSideAndCenterCrop(image, size))
            .as(what)
            .isEqualTo(ImageResizer.resizeShorterSideAndCenterCrop(planes, 3, h, w, size));
      }
    }
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(TorchvisionViewsTest.class.getResource("/torchvision/" + name).toURI());
  }

  @Test
  void aCmykJpegHasTheColoursPilGivesIt() throws Exception {
    BufferedImage image = ImageFolder.read(resource("cmyk.jpg"));
    assertThat(image.getWidth()).isEqualTo(37);
    assertThat(image.getHeight()).isEqualTo(29);
    // the same arithmetic on the same decoded samples; Java's colour management was 73 steps off
    assertMatches(
        ImageResizer.toRgbPlanes(image), fixture().get("cmyk_jpeg_rgb8"), "CMYK JPEG as RGB");
  }

  @Test
  void resizedCropsMatchTorchvision() throws Exception {
    BufferedImage image = image();
    assertThat(image.getWidth()).isEqualTo(37);
    assertThat(image.getHeight()).isEqualTo(29);
    for (JsonNode view : fixture().get("resized_crop")) {
      int[] box = new int[4];
      for (int i = 0; i < 4; i++) {
        box[i] = view.get("box").get(i).asInt();
      }
      int size = view.get("size").asInt();
      float[] got = ImageResizer.resizedCrop(image, box, size);
      assertMatches(got, view.get("chw8"), "resized_crop " + view.get("box"));
    }
  }

  @Test
  void resizeAndCentreCropMatchTorchvision() throws Exception {
    BufferedImage image = image();
    for (JsonNode view : fixture().get("resize_center_crop")) {
      int size = view.get("size").asInt();
      float[] got = ImageResizer.resizeShorterSideAndCenterCrop(image, size);
      assertMatches(got, view.get("chw8"), "resize + centre crop to " + size);
    }
  }
}
