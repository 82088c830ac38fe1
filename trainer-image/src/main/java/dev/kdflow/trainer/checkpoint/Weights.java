package dev.kdflow.trainer.checkpoint;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A network's parameters by name: listing, saving and loading into a built network. */
public final class Weights {
  /** File of a student-only checkpoint (ckpt_best, ckpt_epoch_N). */
  public static final String MODEL_FILE = "model.safetensors";

  /**
   * File of the whole KD module in ckpt_latest (names prefixed {@code student.}/{@code teacher.}).
   */
  public static final String MODULE_FILE = "module.safetensors";

  /** Prefix of the student's parameters in {@link #MODULE_FILE}. */
  public static final String STUDENT_PREFIX = "student.";

  /** Prefix of the teacher's parameters in {@link #MODULE_FILE}. */
  public static final String TEACHER_PREFIX = "teacher.";

  private Weights() {}

  /** All parameters (weights and BatchNorm running statistics) by their block-path names. */
  public static Map<String, Parameter> parameters(Block block) {
    Map<String, Parameter> byName = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      byName.put(p.getKey(), p.getValue());
    }
    return byName;
  }

  /** The arrays of a block's parameters, names optionally prefixed. */
  public static Map<String, NDArray> arrays(Block block, String prefix) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    parameters(block).forEach((name, p) -> out.put(prefix + name, p.getArray()));
    return out;
  }

  /**
   * Copies named arrays into a block's parameters (in place; the block keeps its arrays).
   *
   * @param block an initialised network
   * @param arrays values by name (names without prefix)
   * @param strict every parameter must be present with the same shape; when false, missing
   *     parameters keep their values (shape mismatches still fail)
   * @param source described in messages
   * @throws IOException naming the missing or mismatching parameters
   */
  public static void copyInto(
      Block block, Map<String, NDArray> arrays, boolean strict, String source) throws IOException {
    Map<String, Parameter> params = parameters(block);
    List<String> missing = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      NDArray value = arrays.get(e.getKey());
      if (value == null) {
        missing.add(e.getKey());
      } else if (!value.getShape().equals(e.getValue().getArray().getShape())) {
        mismatched.add(
            e.getKey() + " " + value.getShape() + " vs " + e.getValue().getArray().getShape());
      }
    }
    if (!mismatched.isEmpty() || (strict && !missing.isEmpty())) {
      StringBuilder msg =
          new StringBuilder(source).append(" does not fit this network (another architecture?)");
      if (!missing.isEmpty()) {
        msg.append("; missing ").append(missing.size()).append(": ").append(head(missing));
      }
      if (!mismatched.isEmpty()) {
        msg.append("; shape mismatch: ").append(head(mismatched));
      }
      throw new IOException(msg.toString());
    }
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      NDArray value = arrays.get(e.getKey());
      if (value != null) {
        NDArray target = e.getValue().getArray();
        target.set(value.toType(target.getDataType(), false).toByteBuffer());
      }
    }
  }

  private static String head(List<String> names) {
    return names.size() <= 5
        ? String.join(", ", names)
        : String.join(", ", names.subList(0, 5)) + ", ...";
  }

  /**
   * Loads a checkpoint into a built network. Accepts a kdflow checkpoint directory (ckpt_best,
   * ckpt_epoch_N: {@value #MODEL_FILE}; ckpt_latest: the student part of {@value #MODULE_FILE}), a
   * {@code .safetensors} file, or a DJL {@code .params} file.
   */
  public static void load(Block block, Path checkpoint, boolean strict) throws IOException {
    Path resolved = AtomicDirectory.resolve(checkpoint);
    if (resolved == null && !Files.exists(checkpoint)) {
      throw new java.nio.file.NoSuchFileException(
          checkpoint.toString(), null, "checkpoint not found");
    }
    Path path = resolved == null ? checkpoint : resolved;
    try (NDManager manager = NDManager.newBaseManager()) {
      if (Files.isDirectory(path)) {
        if (Files.isRegularFile(path.resolve(MODEL_FILE))) {
          copyInto(
              block, NamedArrays.load(path.resolve(MODEL_FILE), manager), strict, path.toString());
        } else if (Files.isRegularFile(path.resolve(MODULE_FILE))) {
          Map<String, NDArray> student = new LinkedHashMap<>();
          NamedArrays.load(path.resolve(MODULE_FILE), manager)
              .forEach(
                  (k, v) -> {
                    if (k.startsWith(STUDENT_PREFIX)) {
                      student.put(k.substring(STUDENT_PREFIX.length()), v);
                    }
                  });
          copyInto(block, student, strict, path.toString());
        } else {
          throw new IOException(
              path
                  + " holds neither "
                  + MODEL_FILE
                  + " nor "
                  + MODULE_FILE
                  + " (not a checkpoint)");
        }
      } else if (path.toString().endsWith(".params")) {
        try (DataInputStream in =
            new DataInputStream(new BufferedInputStream(Files.newInputStream(path)))) {
          // loaded arrays must outlive this method: they belong to the network's own manager
          NDManager owner = parameters(block).values().iterator().next().getArray().getManager();
          block.loadParameters(owner, in);
        } catch (MalformedModelException | RuntimeException e) {
          throw new IOException(path + " does not fit this network: " + e.getMessage(), e);
        }
      } else {
        copyInto(block, NamedArrays.load(path, manager), strict, path.toString());
      }
    }
  }
}
