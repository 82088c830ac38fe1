package dev.kdflow.trainer.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Appends the run's records to {@code metrics.jsonl}, one JSON object per line: {@code start},
 * {@code step} (every {@code logEveryNSteps} optimizer steps; 0 = none), {@code epoch} and {@code
 * end}. Accuracies are fractions, epochs 1-based; distillation and teacher keys are absent without
 * a teacher, {@code valid} on epochs without validation. Each line is flushed as it is written.
 */
public final class MetricsJsonlWriter implements TrainingProgressListener, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final int logEveryNSteps;
  private BufferedWriter out;

  /**
   * @param file the metrics file (appended to; created with its directory when missing)
   * @param logEveryNSteps step-record interval; 0 writes no step records
   */
  public MetricsJsonlWriter(Path file, int logEveryNSteps) {
    this.file = file;
    this.logEveryNSteps = Math.max(0, logEveryNSteps);
  }

  @Override
  public void onStart(StartRecord s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "start");
    if (s.resumedFromEpoch() == null) {
      n.putNull("resumedFromEpoch");
    } else {
      n.put("resumedFromEpoch", s.resumedFromEpoch());
    }
    n.put("experiment", s.experiment());
    n.put("maxEpochs", s.maxEpochs());
    n.put("stepsPerEpoch", s.stepsPerEpoch());
    n.put("trainSize", s.trainSize());
    n.put("validSize", s.validSize());
    n.put("withTeacher", s.withTeacher());
    n.put("time", s.time().toString());
    write(n);
  }

  @Override
  public void onStep(StepRecord s) {
    if (logEveryNSteps == 0 || s.step() % logEveryNSteps != 0) {
      return;
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "step");
    n.put("epoch", s.epoch());
    n.put("step", s.step());
    n.put("loss", s.loss());
    n.put("taskLoss", s.taskLoss());
    if (s.distillLoss() != null) {
      n.put("distillLoss", s.distillLoss());
    }
    n.put("lr", s.lr());
    n.put("time", s.time().toString());
    write(n);
  }

  @Override
  public void onEpochEnd(EpochRecord e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "epoch");
    n.put("epoch", e.epoch());
    n.put("maxEpochs", e.maxEpochs());
    n.put("lr", e.lr());
    ObjectNode train = n.putObject("train");
    train.put("loss", e.train().loss());
    train.put("taskLoss", e.train().taskLoss());
    if (e.train().distillLoss() != null) {
      train.put("distillLoss", e.train().distillLoss());
    }
    train.put("top1", e.train().top1());
    if (e.valid() != null) {
      ObjectNode valid = n.putObject("valid");
      valid.put("loss", e.valid().loss());
      valid.put("top1", e.valid().top1());
      valid.put("top5", e.valid().top5());
      if (e.valid().teacherTop1() != null) {
        valid.put("teacherTop1", e.valid().teacherTop1());
        valid.put("teacherTop5", e.valid().teacherTop5());
      }
    }
    if (e.best() != null) {
      ObjectNode best = n.putObject("best");
      best.put("metric", e.best().metric());
      best.put("value", e.best().value());
      best.put("epoch", e.best().epoch());
    }
    n.put("epochSeconds", e.epochSeconds());
    n.put("time", e.time().toString());
    write(n);
  }

  @Override
  public void onEnd(EndRecord e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "end");
    n.put("status", e.status());
    if (e.reason() == null) {
      n.putNull("reason");
    } else {
      n.put("reason", e.reason());
    }
    n.put("epochsCompleted", e.epochsCompleted());
    n.put("time", (e.time() == null ? Instant.now() : e.time()).toString());
    write(n);
    close();
  }

  private synchronized void write(ObjectNode node) {
    try {
      if (out == null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
        out =
            Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      out.write(JSON.writeValueAsString(node));
      out.write('\n');
      out.flush();
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot write " + file, ex);
    }
  }

  @Override
  public synchronized void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException ignored) {
        // every line was flushed already
      }
      out = null;
    }
  }
}
