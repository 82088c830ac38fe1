package dev.kdflow.trainer.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named tensors on disk in the safetensors format (readable by PyTorch's {@code safetensors}
 * package too).
 */
public final class NamedArrays {
  private NamedArrays() {}

  /** Writes arrays under their map keys. */
  public static void save(Path file, Map<String, NDArray> arrays) throws IOException {
    NDList list = new NDList(arrays.size());
    Map<NDArray, String> previousNames = new java.util.IdentityHashMap<>();
    for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
      NDArray a = e.getValue();
      previousNames.put(a, a.getName());
      a.setName(e.getKey());
      list.add(a);
    }
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      list.encode(out, NDList.Encoding.SAFETENSORS);
    } finally {
      previousNames.forEach(NDArray::setName);
    }
  }

  /** Reads all arrays of a file into {@code manager}, by name, in file order. */
  public static Map<String, NDArray> load(Path file, NDManager manager) throws IOException {
    NDList list;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
      list = NDList.decode(manager, in);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IOException(file + " is not a readable tensor file: " + e.getMessage(), e);
    }
    Map<String, NDArray> byName = new LinkedHashMap<>();
    for (NDArray a : list) {
      byName.put(a.getName(), a);
    }
    return byName;
  }
}
