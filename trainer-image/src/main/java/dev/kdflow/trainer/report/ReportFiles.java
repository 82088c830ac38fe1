package dev.kdflow.trainer.report;

import java.nio.file.Path;

/**
 * The files of a training report, all in {@code <experimentDir>/report/}.
 *
 * @param html {@code index.html}: the self-contained summary page (charts embedded)
 * @param lossChart {@code loss.png}: losses per epoch (and per logged step)
 * @param accuracyChart {@code accuracy.png}: validation accuracy per epoch, best epoch marked
 */
public record ReportFiles(Path html, Path lossChart, Path accuracyChart) {}
