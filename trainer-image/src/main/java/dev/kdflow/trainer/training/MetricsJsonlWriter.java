package dev.kdflow.trainer.training;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends the run's records to {@code metrics.jsonl}, one {@link MetricsRecord} per line: {@code
 * start}, {@code step} (every {@code logEveryNSteps} optimizer steps; 0 = none), {@code epoch} and
 * {@code end}. Each line is flushed as it is written.
 */
public final class MetricsJsonlWriter implements TrainingProgressListener, AutoCloseable {
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
    write(MetricsRecord.of(s));
  }

  @Override
  public void onStep(StepRecord s) {
    if (logEveryNSteps == 0 || s.step() % logEveryNSteps != 0) {
      return;
    }
    write(MetricsRecord.of(s));
  }

  @Override
  public void onEpochEnd(EpochRecord e) {
    write(MetricsRecord.of(e));
  }

  @Override
  public void onEnd(EndRecord e) {
    write(MetricsRecord.of(e));
    close();
  }

  private synchronized void write(MetricsRecord metricsRecord) {
    try {
      if (out == null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
        out =
            Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      out.write(metricsRecord.toJson());
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
