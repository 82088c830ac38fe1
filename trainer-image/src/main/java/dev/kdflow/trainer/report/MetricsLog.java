package dev.kdflow.trainer.report;

import dev.kdflow.trainer.training.MetricsRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The history of one experiment as read from its {@code metrics.jsonl}: epoch and step records, and
 * the runs (a first start, then one per resume or restart) that wrote them.
 *
 * <p>A resumed run continues from its checkpoint, so records that the interrupted run wrote after
 * that checkpoint (epochs and steps beyond {@code resumedFromEpoch}) were redone and are replaced
 * by the new run's records. A start without {@code resumedFromEpoch} after earlier records means
 * training began again from scratch, and the history restarts with it.
 *
 * <p>Lines that are not JSON are skipped and counted: a run killed while appending leaves a partial
 * last line, and the next run may append its first record to that same line, so such a line is also
 * searched for a trailing whole record.
 *
 * @param file the file read
 * @param experiment the experiment name from the start records (null when none was written)
 * @param epochs the current epoch records, one per epoch, in epoch order
 * @param steps the current step records in step order
 * @param runs every run in file order
 * @param skippedLines lines that held no readable record
 */
public record MetricsLog(
    Path file,
    String experiment,
    List<MetricsRecord> epochs,
    List<MetricsRecord> steps,
    List<Run> runs,
    int skippedLines) {

  /**
   * One trainer run: its start record and, when it ended cleanly enough to say so, its end record.
   *
   * @param resumedFromEpoch the checkpoint epoch it resumed from; null for a fresh start
   * @param status {@code succeeded} or {@code failed}; null while running or when killed
   */
  public record Run(
      String startTime, Integer resumedFromEpoch, String status, String reason, String endTime) {

    Run withEnd(String status, String reason, String endTime) {
      return new Run(startTime, resumedFromEpoch, status, reason, endTime);
    }
  }

  /**
   * Reads a metrics file.
   *
   * @throws IllegalArgumentException when the file is missing, unreadable or holds no record
   */
  public static MetricsLog read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          file
              + " does not exist: the trainer writes metrics.jsonl into"
              + " <checkpoints.rootDir>/<experiment>/; pass that experiment folder.");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
    }
    Builder builder = new Builder();
    int skipped = 0;
    int records = 0;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      Optional<MetricsRecord> node = MetricsRecord.parse(line);
      if (node.isEmpty()) {
        skipped++;
        continue;
      }
      if (builder.accept(node.get())) {
        records++;
      } else {
        skipped++;
      }
    }
    if (records == 0) {
      throw new IllegalArgumentException(
          file
              + " holds no metrics records"
              + (skipped > 0 ? " (" + skipped + " unreadable lines)" : " (it is empty)")
              + "; the trainer appends one JSON object per line once training starts.");
    }
    return builder.build(file, skipped);
  }

  /** The last epoch record, if any. */
  public Optional<MetricsRecord> lastEpoch() {
    return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1));
  }

  /** The last epoch record that has validation results, if any. */
  public Optional<MetricsRecord> lastValidated() {
    for (int i = epochs.size() - 1; i >= 0; i--) {
      if (epochs.get(i).top1() != null) {
        return Optional.of(epochs.get(i));
      }
    }
    return Optional.empty();
  }

  /** Whether any epoch has teacher accuracy. */
  public boolean hasTeacher() {
    return epochs.stream().anyMatch(e -> e.teacherTop1() != null);
  }

  /** Whether any record has distillation loss. */
  public boolean hasDistillation() {
    return epochs.stream().anyMatch(e -> e.trainDistillLoss() != null)
        || steps.stream().anyMatch(s -> s.distillLoss() != null);
  }

  /** Runs that resumed from a checkpoint or restarted from scratch (every run but the first). */
  public List<Run> resumes() {
    return runs.size() <= 1 ? List.of() : runs.subList(1, runs.size());
  }

  /** Collects records in file order, applying resume semantics. */
  private static final class Builder {
    private final TreeMap<Integer, MetricsRecord> epochs = new TreeMap<>();
    private final TreeMap<Long, MetricsRecord> steps = new TreeMap<>();
    private final List<Run> runs = new ArrayList<>();
    private String experiment;

    boolean accept(MetricsRecord r) {
      switch (r.type()) {
        case MetricsRecord.EPOCH -> {
          if (r.epoch() < 1) {
            return false;
          }
          epochs.put(r.epoch(), r);
        }
        case MetricsRecord.STEP -> {
          if (r.epoch() < 1 || r.step() < 1) {
            return false;
          }
          steps.put(r.step(), r);
        }
        case MetricsRecord.START -> {
          Integer resumedFrom = r.resumedFromEpoch();
          int keepUpTo = resumedFrom == null ? 0 : resumedFrom;
          epochs.tailMap(keepUpTo, false).clear();
          steps.values().removeIf(s -> s.epoch() > keepUpTo);
          if (r.experiment() != null) {
            experiment = r.experiment();
          }
          runs.add(new Run(r.time(), resumedFrom, null, null, null));
        }
        case MetricsRecord.END -> {
          if (runs.isEmpty()) {
            runs.add(new Run(null, null, null, null, null));
          }
          int last = runs.size() - 1;
          runs.set(last, runs.get(last).withEnd(r.status(), r.reason(), r.time()));
        }
        default -> {
          // Unknown record types come from newer trainers; they are ignored, not errors.
        }
      }
      return true;
    }

    MetricsLog build(Path file, int skipped) {
      return new MetricsLog(
          file,
          experiment,
          List.copyOf(epochs.values()),
          List.copyOf(steps.values()),
          Collections.unmodifiableList(new ArrayList<>(runs)),
          skipped);
    }
  }
}
