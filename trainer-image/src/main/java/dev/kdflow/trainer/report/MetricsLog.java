package dev.kdflow.trainer.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
    List<Epoch> epochs,
    List<Step> steps,
    List<Run> runs,
    int skippedLines) {

  /** Non-finite numbers are accepted: a run that failed on a NaN loss may have logged one. */
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  /**
   * One finished epoch. Accuracies are fractions in [0, 1]; a value is null when the record did not
   * have it (no validation this epoch, no teacher).
   */
  public record Epoch(
      int epoch,
      Integer maxEpochs,
      Double lr,
      Double trainLoss,
      Double taskLoss,
      Double distillLoss,
      Double trainTop1,
      Double validLoss,
      Double top1,
      Double top5,
      Double teacherTop1,
      Double teacherTop5,
      String bestMetric,
      Double bestValue,
      Integer bestEpoch,
      Double epochSeconds,
      String time) {}

  /** A training-step record (every {@code training.logEveryNSteps} steps). */
  public record Step(
      int epoch, long step, Double loss, Double taskLoss, Double distillLoss, Double lr) {}

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
      Optional<JsonNode> node = parse(line);
      if (node.isEmpty() || !node.get().hasNonNull("type")) {
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

  /** A whole JSON object, or the last whole object on a line that a killed run left partial. */
  private static Optional<JsonNode> parse(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      if (node != null && node.isObject()) {
        return Optional.of(node);
      }
    } catch (JsonProcessingException e) {
      int start = line.lastIndexOf("{\"type\"");
      if (start > 0) {
        return parse(line.substring(start));
      }
    }
    return Optional.empty();
  }

  /** The last epoch record, if any. */
  public Optional<Epoch> lastEpoch() {
    return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1));
  }

  /** The last epoch record that has validation results, if any. */
  public Optional<Epoch> lastValidated() {
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
    return epochs.stream().anyMatch(e -> e.distillLoss() != null)
        || steps.stream().anyMatch(s -> s.distillLoss() != null);
  }

  /** Runs that resumed from a checkpoint or restarted from scratch (every run but the first). */
  public List<Run> resumes() {
    return runs.size() <= 1 ? List.of() : runs.subList(1, runs.size());
  }

  /** Collects records in file order, applying resume semantics. */
  private static final class Builder {
    private final TreeMap<Integer, Epoch> epochs = new TreeMap<>();
    private final TreeMap<Long, Step> steps = new TreeMap<>();
    private final List<Run> runs = new ArrayList<>();
    private String experiment;

    boolean accept(JsonNode node) {
      switch (node.get("type").asText()) {
        case "epoch" -> {
          Integer epoch = integer(node, "epoch");
          if (epoch == null) {
            return false;
          }
          JsonNode train = node.path("train");
          JsonNode valid = node.path("valid");
          JsonNode best = node.path("best");
          epochs.put(
              epoch,
              new Epoch(
                  epoch,
                  integer(node, "maxEpochs"),
                  number(node, "lr"),
                  number(train, "loss"),
                  number(train, "taskLoss"),
                  number(train, "distillLoss"),
                  number(train, "top1"),
                  number(valid, "loss"),
                  number(valid, "top1"),
                  number(valid, "top5"),
                  number(valid, "teacherTop1"),
                  number(valid, "teacherTop5"),
                  text(best, "metric"),
                  number(best, "value"),
                  integer(best, "epoch"),
                  number(node, "epochSeconds"),
                  text(node, "time")));
        }
        case "step" -> {
          Integer epoch = integer(node, "epoch");
          JsonNode step = node.get("step");
          if (epoch == null || step == null || !step.isNumber()) {
            return false;
          }
          steps.put(
              step.asLong(),
              new Step(
                  epoch,
                  step.asLong(),
                  number(node, "loss"),
                  number(node, "taskLoss"),
                  number(node, "distillLoss"),
                  number(node, "lr")));
        }
        case "start" -> {
          Integer resumedFrom = integer(node, "resumedFromEpoch");
          int keepUpTo = resumedFrom == null ? 0 : resumedFrom;
          epochs.tailMap(keepUpTo, false).clear();
          steps.values().removeIf(s -> s.epoch() > keepUpTo);
          String name = text(node, "experiment");
          if (name != null) {
            experiment = name;
          }
          runs.add(new Run(text(node, "time"), resumedFrom, null, null, null));
        }
        case "end" -> {
          if (runs.isEmpty()) {
            runs.add(new Run(null, null, null, null, null));
          }
          int last = runs.size() - 1;
          runs.set(
              last,
              runs.get(last)
                  .withEnd(text(node, "status"), text(node, "reason"), text(node, "time")));
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

  private static Double number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isNumber() ? value.asDouble() : null;
  }

  private static Integer integer(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isNumber() ? value.asInt() : null;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
