package dev.kdflow.trainer.cli;

/** How {@code kdflow run} shows training progress. */
public enum ProgressMode {
  /** A progress bar on a terminal, plain lines otherwise (logs, pods). */
  AUTO,
  /** A progress bar redrawn in place. */
  BAR,
  /** One line per epoch and a few per epoch for steps: readable in logs. */
  PLAIN,
  /** Epoch lines only. */
  QUIET
}
