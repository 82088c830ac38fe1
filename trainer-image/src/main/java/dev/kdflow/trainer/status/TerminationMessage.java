package dev.kdflow.trainer.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.trainer.TrainerReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;

/**
 * Writes the final {@link TrainerReport} to the container's termination-message file. Kubernetes
 * keeps at most 4096 bytes of it, so the report is trimmed (checkpoint history first, then the
 * failure reason) until it fits; the operator reads it to get exact final figures even when a
 * {@code /status} poll was missed.
 */
public final class TerminationMessage {
  /** Kubernetes truncates termination messages longer than this. */
  public static final int MAX_BYTES = 4096;

  private static final ObjectMapper JSON = new ObjectMapper();

  private TerminationMessage() {}

  /** The report as JSON of at most {@link #MAX_BYTES} bytes. */
  public static byte[] encode(TrainerReport report) throws IOException {
    TrainerReport r = JSON.readValue(JSON.writeValueAsBytes(report), TrainerReport.class);
    byte[] bytes = JSON.writeValueAsBytes(r);
    if (bytes.length > MAX_BYTES && r.getCheckpoints() != null) {
      r.getCheckpoints().setHistory(new ArrayList<>());
      bytes = JSON.writeValueAsBytes(r);
    }
    while (bytes.length > MAX_BYTES && r.getReason() != null && r.getReason().length() > 16) {
      String reason = r.getReason();
      int excess = bytes.length - MAX_BYTES;
      int keep = Math.max(16, reason.length() - excess - 8);
      r.setReason(reason.substring(0, keep) + "…");
      bytes = JSON.writeValueAsBytes(r);
    }
    return bytes;
  }

  /**
   * Writes the report; the file is written in place because Kubernetes mounts it as a single file
   * (a rename into its directory is not possible there).
   */
  public static void write(Path file, TrainerReport report) throws IOException {
    byte[] bytes = encode(report);
    Files.write(file, bytes);
  }

  /** Decodes a report written by {@link #write}. */
  public static TrainerReport read(String message) throws IOException {
    return JSON.readValue(message.getBytes(StandardCharsets.UTF_8), TrainerReport.class);
  }
}
