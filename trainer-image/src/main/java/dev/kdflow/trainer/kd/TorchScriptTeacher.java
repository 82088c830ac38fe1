package dev.kdflow.trainer.kd;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A teacher exported from PyTorch as TorchScript ({@code torch.jit.trace}, {@code script} or {@code
 * freeze}), loaded with DJL's PyTorch engine as a frozen inference-mode block. Keep this object
 * open as long as the block is used.
 */
public final class TorchScriptTeacher implements AutoCloseable {
  private final Model model;

  private TorchScriptTeacher(Model model) {
    this.model = model;
  }

  /**
   * Loads a TorchScript file.
   *
   * @param file the .pt/.torchscript file
   * @param device where the teacher runs
   * @throws IOException when the file is missing or not a TorchScript module
   */
  public static TorchScriptTeacher load(Path file, Device device) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("TorchScript teacher not found: " + file);
    }
    Model model = Model.newInstance("teacher", device, "PyTorch");
    try {
      model.load(file.toAbsolutePath());
    } catch (MalformedModelException | IOException | RuntimeException e) {
      model.close();
      throw new IOException("cannot load TorchScript teacher " + file + ": " + e.getMessage(), e);
    }
    Block block = model.getBlock();
    block.freezeParameters(true);
    return new TorchScriptTeacher(model);
  }

  /** The frozen teacher block. */
  public Block block() {
    return model.getBlock();
  }

  @Override
  public void close() {
    model.close();
  }
}
