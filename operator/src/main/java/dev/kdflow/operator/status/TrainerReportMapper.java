package dev.kdflow.operator.status;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.AttemptStatus;
import dev.kdflow.api.CheckpointRef;
import dev.kdflow.api.CheckpointsStatus;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.MetricValues;
import dev.kdflow.api.MetricsStatus;
import dev.kdflow.api.ProgressStatus;
import dev.kdflow.api.trainer.TrainerReport;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Maps what a trainer reports ({@link TrainerReport}, from {@code GET /status} or the termination
 * message) onto the status parts it feeds: {@code progress}, {@code metrics}, {@code checkpoints}
 * and {@code attempt.resumedFrom}. Pure.
 *
 * <p>Reports merge into what the status already holds (a restarted trainer may not repeat earlier
 * checkpoints), and a report with nothing new leaves the status exactly as it was, ETA and {@code
 * lastUpdateTime} included, so polling an idle trainer causes no status write.
 */
public final class TrainerReportMapper {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private TrainerReportMapper() {}

  /**
   * The report in a termination message or response body; empty when it is not a report (e.g. the
   * log tail Kubernetes substitutes with {@code FallbackToLogsOnError}).
   */
  public static Optional<TrainerReport> parse(String json) {
    if (json == null || !json.strip().startsWith("{")) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(JSON.readValue(json.strip(), TrainerReport.class));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Merges the report into the status.
   *
   * @param s the status to change in place
   * @param r the trainer's report
   * @param where where the checkpoint volume is, to turn reported checkpoints into locations
   * @param now the time, used as {@code lastUpdateTime} when the report carries none
   * @return whether the report brought anything new (and so the status changed)
   */
  public static boolean apply(
      KDExperimentStatus s, TrainerReport r, CheckpointLocations where, Instant now) {
    ProgressStatus progress = progress(r, s.getProgress());
    MetricsStatus metrics = metrics(r, s.getMetrics());
    CheckpointsStatus checkpoints = checkpoints(r, s.getCheckpoints(), where);
    Integer oldResumedFrom = s.getAttempt() == null ? null : s.getAttempt().getResumedFrom();
    Integer resumedFrom =
        r.getResumedFromEpoch() != null ? r.getResumedFromEpoch() : oldResumedFrom;
    boolean news =
        !sameProgress(progress, s.getProgress())
            || !Objects.equals(metrics, s.getMetrics())
            || !Objects.equals(checkpoints, s.getCheckpoints())
            || !Objects.equals(resumedFrom, oldResumedFrom);
    if (!news) {
      return false;
    }
    progress.setLastUpdateTime(time(r.getUpdateTime(), now));
    s.setProgress(progress);
    s.setMetrics(metrics);
    s.setCheckpoints(checkpoints);
    if (resumedFrom != null) {
      AttemptStatus a = s.getAttempt() == null ? new AttemptStatus() : s.getAttempt();
      a.setResumedFrom(resumedFrom);
      s.setAttempt(a);
    }
    return true;
  }

  static ProgressStatus progress(TrainerReport r, ProgressStatus old) {
    Integer total = first(r.getTotalEpochs(), old == null ? null : old.getTotalEpochs());
    int epoch = first(r.getEpoch(), old == null ? null : old.getEpoch(), 0);
    ProgressStatus p;
    if (total != null) {
      p = ProgressStatus.ofEpochs(epoch, total);
    } else {
      p = new ProgressStatus();
      p.setEpoch(epoch);
    }
    Long step = first(r.getStep(), old == null ? null : old.getStep());
    p.setStep(step);
    Integer perEpoch = r.getStepsPerEpoch();
    if (step != null && perEpoch != null && perEpoch > 0 && total != null && total > 0) {
      double done = Math.min(1.0, (double) step / ((long) perEpoch * total));
      p.setPercent(Math.max(p.getPercent(), Math.round(1000.0 * done) / 10.0));
    }
    boolean ended =
        r.getPhase() == TrainerReport.Phase.SUCCEEDED || r.getPhase() == TrainerReport.Phase.FAILED;
    p.setEtaSeconds(ended ? null : r.getEtaSeconds());
    return p;
  }

  static MetricsStatus metrics(TrainerReport r, MetricsStatus old) {
    MetricValues latest = old == null ? null : old.getLatest();
    TrainerReport.Metrics m = r.getLatest();
    if (m != null) {
      MetricValues v = new MetricValues();
      v.setEpoch(m.getValidatedEpoch());
      v.setTop1(m.getTop1());
      v.setTop5(m.getTop5());
      v.setLoss(m.getLoss());
      v.setTaskLoss(m.getTaskLoss());
      v.setDistillLoss(m.getDistillLoss());
      v.setTeacherTop1(m.getTeacherTop1());
      if (!v.equals(new MetricValues())) {
        latest = v;
      }
    }
    MetricValues best = old == null ? null : old.getBest();
    TrainerReport.Best b = r.getBest();
    if (b != null && b.getValue() != null) {
      MetricValues v = new MetricValues();
      v.setEpoch(b.getEpoch());
      MetricValues same =
          latest != null && latest.getEpoch() != null && latest.getEpoch().equals(b.getEpoch())
              ? latest
              : best != null && Objects.equals(best.getEpoch(), b.getEpoch()) ? best : null;
      if (same != null) {
        // validation figures of the best epoch (training-step losses are not the best epoch's)
        v.setTop1(same.getTop1());
        v.setTop5(same.getTop5());
        v.setTeacherTop1(same.getTeacherTop1());
      }
      if (b.getTop1() != null || b.getTop5() != null) {
        // The trainer sends the best epoch's own validation figures: exact, whatever was polled.
        v.setTop1(b.getTop1());
        v.setTop5(b.getTop5());
        v.setTeacherTop1(b.getTeacherTop1());
      }
      if (isTop5(b.getMetric())) {
        v.setTop5(b.getValue());
      } else {
        v.setTop1(b.getValue());
      }
      best = v;
    }
    if (latest == null && best == null) {
      return old;
    }
    MetricsStatus ms = new MetricsStatus();
    ms.setLatest(latest);
    ms.setBest(best);
    return ms;
  }

  static CheckpointsStatus checkpoints(
      TrainerReport r, CheckpointsStatus old, CheckpointLocations where) {
    TrainerReport.Checkpoints cp = r.getCheckpoints();
    if (cp == null) {
      return old;
    }
    CheckpointsStatus c = new CheckpointsStatus();
    c.setLatest(old == null ? null : old.getLatest());
    c.setBest(old == null ? null : old.getBest());
    CheckpointRef latest = ref(cp.getLatest(), where);
    if (latest != null) {
      c.setLatest(latest);
    }
    CheckpointRef best = ref(cp.getBest(), where);
    if (best != null) {
      c.setBest(best);
    }
    Map<String, CheckpointRef> history = new LinkedHashMap<>();
    if (old != null && old.getHistory() != null) {
      old.getHistory().forEach(h -> history.put(h.getPath(), h));
    }
    if (cp.getHistory() != null) {
      cp.getHistory().stream()
          .map(h -> ref(h, where))
          .filter(Objects::nonNull)
          .forEach(h -> history.put(h.getPath(), h));
    }
    List<CheckpointRef> ordered = new ArrayList<>(history.values());
    ordered.sort(
        Comparator.comparing(
            CheckpointRef::getEpoch, Comparator.nullsFirst(Comparator.naturalOrder())));
    int from = Math.max(0, ordered.size() - CheckpointsStatus.MAX_HISTORY);
    c.setHistory(new ArrayList<>(ordered.subList(from, ordered.size())));
    if (c.getLatest() == null && c.getBest() == null && c.getHistory().isEmpty()) {
      return old;
    }
    return c;
  }

  private static CheckpointRef ref(TrainerReport.Checkpoint c, CheckpointLocations where) {
    return c == null ? null : where.ref(c.getPath(), c.getEpoch(), c.getValue());
  }

  /** Whether the watched metric is the top-5 accuracy (anything else is read as top-1). */
  private static boolean isTop5(String metric) {
    return metric != null
        && metric.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "").contains("top5");
  }

  private static boolean sameProgress(ProgressStatus a, ProgressStatus b) {
    if (a == null || b == null) {
      return a == b;
    }
    return Objects.equals(a.getEpoch(), b.getEpoch())
        && Objects.equals(a.getTotalEpochs(), b.getTotalEpochs())
        && Objects.equals(a.getStep(), b.getStep())
        && Objects.equals(a.getPercent(), b.getPercent())
        && Objects.equals(a.getSummary(), b.getSummary());
  }

  /** The report's time in RFC 3339 (seconds, UTC), or now when it has none or it is unreadable. */
  private static String time(String reported, Instant now) {
    if (reported != null) {
      try {
        return StatusResolver.format(OffsetDateTime.parse(reported).toInstant());
      } catch (DateTimeParseException e) {
        try {
          return StatusResolver.format(Instant.parse(reported));
        } catch (DateTimeParseException ignored) {
          // fall through
        }
      }
    }
    return StatusResolver.format(now);
  }

  @SafeVarargs
  private static <T> T first(T... values) {
    for (T v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }
}
