package dev.kdflow.trainer.softlabels;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kdflow.api.KDSpec;
import dev.kdflow.api.TeacherSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A digest of everything that decides the teacher's outputs for a given input: its spec
 * (architecture, params, file names), the teacher input adapter, the bytes of its TorchScript file
 * or checkpoint, and, for a teacher without weights on disk, the seed its initialisation comes
 * from.
 */
public final class TeacherDigest {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private TeacherDigest() {}

  /** {@code sha256:<hex>} of the teacher, its adapter, its weight files (or the seed). */
  public static String of(TeacherSpec teacher, KDSpec kd, long seed) throws IOException {
    MessageDigest sha = sha256();
    sha.update(JSON.writeValueAsBytes(teacher));
    sha.update(JSON.writeValueAsBytes(kd.getTeacherInputAdapter()));
    String file =
        teacher.getTorchscript() != null && !teacher.getTorchscript().isBlank()
            ? teacher.getTorchscript()
            : teacher.getCheckpoint() == null ? null : teacher.getCheckpoint().getCheckpointPath();
    if (file == null) {
      sha.update(("seed " + seed).getBytes(StandardCharsets.UTF_8));
    } else {
      digestFiles(sha, Path.of(file));
    }
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  private static void digestFiles(MessageDigest sha, Path root) throws IOException {
    List<Path> files;
    if (Files.isDirectory(root)) {
      try (Stream<Path> walk = Files.walk(root)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
    } else {
      files = List.of(root);
    }
    byte[] buffer = new byte[1 << 16];
    for (Path f : files) {
      sha.update(root.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
      try (InputStream in = Files.newInputStream(f)) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          sha.update(buffer, 0, n);
        }
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
