package dev.kdflow.trainer.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kdflow.trainer.checkpoint.AtomicDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The one owner of an experiment's directory, {@code <checkpoints.rootDir>/<experimentName>/}: its
 * layout, its file names, and the reading and writing of its JSON files.
 *
 * <pre>
 * ckpt_latest/      everything needed to resume exactly: state.json, module/optimizer/EMA tensors
 * ckpt_best/        the student only (EMA weights when EMA is on) and checkpoint.json
 * ckpt_epoch_N/     the student after epoch N (training.saveCkptEpochList), as ckpt_best
 * metrics.jsonl     one {@link MetricsRecord} per line, appended by the trainer
 * report/           kdflow report's charts and HTML page
 * softlabels/       the teacher's precomputed outputs: per shard a data file and its JSON index,
 *                   e.g. epochs-0-10-shard-00001-of-00004.bin and .json
 * </pre>
 *
 * Checkpoint directories are replaced atomically ({@link AtomicDirectory}); readers go through
 * {@link AtomicDirectory#resolve} so that a replacement interrupted between its two renames still
 * finds the complete previous version.
 */
public final class ExperimentDirectory {
  /** ckpt_latest's directory name. */
  public static final String LATEST = "ckpt_latest";

  /** ckpt_best's directory name. */
  public static final String BEST = "ckpt_best";

  /** Prefix of ckpt_epoch_N's directory name. */
  public static final String EPOCH_PREFIX = "ckpt_epoch_";

  /** JSON sidecar of student-only checkpoints ({@link CheckpointInfo}). */
  public static final String INFO_FILE = "checkpoint.json";

  /** JSON state of ckpt_latest ({@link LatestState}). */
  public static final String STATE_FILE = "state.json";

  /** Optimizer state tensors in ckpt_latest. */
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";

  /** EMA weights in ckpt_latest. */
  public static final String EMA_FILE = "ema.safetensors";

  /** The metrics file the trainer appends to. */
  public static final String METRICS_FILE = "metrics.jsonl";

  /** The report's folder. */
  public static final String REPORT_FOLDER = "report";

  /** The folder of precomputed teacher soft labels. */
  public static final String SOFT_LABELS_FOLDER = "softlabels";

  /** Suffix of a soft-label shard's data file. */
  public static final String SHARD_DATA_SUFFIX = ".bin";

  /** Suffix of a soft-label shard's JSON index. */
  public static final String SHARD_INDEX_SUFFIX = ".json";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path dir;

  /**
   * @param dir the experiment directory, {@code <rootDir>/<experimentName>}
   */
  public ExperimentDirectory(Path dir) {
    this.dir = dir;
  }

  /** {@code <rootDir>/<experimentName>}. */
  public static ExperimentDirectory of(Path rootDir, String experimentName) {
    return new ExperimentDirectory(rootDir.resolve(experimentName));
  }

  /** The directory itself. */
  public Path path() {
    return dir;
  }

  /** ckpt_latest (it may not exist). */
  public Path latest() {
    return dir.resolve(LATEST);
  }

  /** ckpt_best (it may not exist). */
  public Path best() {
    return dir.resolve(BEST);
  }

  /** ckpt_epoch_N (it may not exist). */
  public Path epoch(int epoch) {
    return dir.resolve(EPOCH_PREFIX + epoch);
  }

  /** metrics.jsonl (it may not exist). */
  public Path metricsFile() {
    return dir.resolve(METRICS_FILE);
  }

  /** report/ (it may not exist). */
  public Path reportFolder() {
    return dir.resolve(REPORT_FOLDER);
  }

  /** softlabels/ (it may not exist). */
  public Path softLabels() {
    return dir.resolve(SOFT_LABELS_FOLDER);
  }

  /**
   * A soft-label shard's data file: {@code epochs-A-B-shard-I-of-N.bin}, or {@code
   * unaugmented-shard-I-of-N.bin} when one view per image serves every epoch.
   */
  public Path softLabelShard(
      int epochStart, int epochEnd, boolean unaugmented, int shard, int shards) {
    return softLabels().resolve(shardName(epochStart, epochEnd, unaugmented, shard, shards));
  }

  /** The JSON index of the shard data file {@code data}. */
  public static Path shardIndexOf(Path data) {
    String name = data.getFileName().toString();
    return data.resolveSibling(
        name.substring(0, name.length() - SHARD_DATA_SUFFIX.length()) + SHARD_INDEX_SUFFIX);
  }

  /** The data file of the shard index {@code index}. */
  public static Path shardDataOf(Path index) {
    String name = index.getFileName().toString();
    return index.resolveSibling(
        name.substring(0, name.length() - SHARD_INDEX_SUFFIX.length()) + SHARD_DATA_SUFFIX);
  }

  private static String shardName(
      int epochStart, int epochEnd, boolean unaugmented, int shard, int shards) {
    String views = unaugmented ? "unaugmented" : "epochs-" + epochStart + "-" + epochEnd;
    return String.format(
        Locale.ROOT, "%s-shard-%05d-of-%05d%s", views, shard, shards, SHARD_DATA_SUFFIX);
  }

  /**
   * ckpt_latest's state, or empty when there is no ckpt_latest.
   *
   * @throws IOException when ckpt_latest exists but its state cannot be read; the message names the
   *     file
   */
  public Optional<LatestState> readLatestState() throws IOException {
    Path latest = AtomicDirectory.resolve(latest());
    if (latest == null) {
      return Optional.empty();
    }
    return Optional.of(readState(latest));
  }

  /** ckpt_best's sidecar, or empty when there is no ckpt_best. */
  public Optional<CheckpointInfo> readBestInfo() throws IOException {
    Path best = AtomicDirectory.resolve(best());
    if (best == null || !Files.isRegularFile(best.resolve(INFO_FILE))) {
      return Optional.empty();
    }
    return Optional.of(readInfo(best));
  }

  /**
   * The state of a ckpt_latest directory (already resolved).
   *
   * @throws IOException naming the file when it is missing or not a valid state
   */
  public static LatestState readState(Path latestDir) throws IOException {
    return read(latestDir.resolve(STATE_FILE), LatestState.class);
  }

  /** Writes the state of a ckpt_latest directory being filled. */
  public static void writeState(Path latestDir, LatestState state) throws IOException {
    JSON.writeValue(latestDir.resolve(STATE_FILE).toFile(), state);
  }

  /**
   * The sidecar of a student checkpoint directory (already resolved).
   *
   * @throws IOException naming the file when it is missing or not a valid sidecar
   */
  public static CheckpointInfo readInfo(Path checkpointDir) throws IOException {
    return read(checkpointDir.resolve(INFO_FILE), CheckpointInfo.class);
  }

  /** Writes the sidecar of a student checkpoint directory being filled. */
  public static void writeInfo(Path checkpointDir, CheckpointInfo info) throws IOException {
    JSON.writeValue(checkpointDir.resolve(INFO_FILE).toFile(), info);
  }

  /**
   * The architecture a kdflow checkpoint directory records (in its sidecar or state), if any; empty
   * for other checkpoint files.
   */
  public static Optional<String> recordedArchitecture(Path checkpoint) throws IOException {
    Path resolved = AtomicDirectory.resolve(checkpoint);
    if (resolved == null) {
      return Optional.empty();
    }
    for (String f : new String[] {INFO_FILE, STATE_FILE}) {
      Path p = resolved.resolve(f);
      if (Files.isRegularFile(p)) {
        JsonNode a = JSON.readTree(p.toFile()).get("architecture");
        return a == null || a.isNull() ? Optional.empty() : Optional.of(a.asText());
      }
    }
    return Optional.empty();
  }

  private static <T> T read(Path file, Class<T> type) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + " is missing");
    }
    try {
      return JSON.readValue(file.toFile(), type);
    } catch (IOException e) {
      throw new IOException(file + " is unreadable or incomplete: " + e.getMessage(), e);
    }
  }
}
