package dev.kdflow.operator.testing;

import dev.kdflow.api.trainer.TrainerReport;

/** Trainer reports as a trainer would serve them. */
public final class TrainerReports {
  private TrainerReports() {}

  /** {@link #running(int, long, double)} of the named experiment, as a real trainer reports it. */
  public static TrainerReport running(String experiment, int epoch, long step, double top1) {
    TrainerReport r = running(epoch, step, top1);
    r.setExperiment(experiment);
    return r;
  }

  /** A report after {@code epoch} of 10 epochs of 100 steps, validated after that epoch. */
  public static TrainerReport running(int epoch, long step, double top1) {
    TrainerReport r = new TrainerReport();
    r.setPhase(TrainerReport.Phase.RUNNING);
    r.setEpoch(epoch);
    r.setTotalEpochs(10);
    r.setStep(step);
    r.setStepsPerEpoch(100);
    r.setEtaSeconds(300L);
    r.setUpdateTime("2026-01-01T00:09:30.123456Z");
    TrainerReport.Metrics m = new TrainerReport.Metrics();
    m.setLoss(0.9);
    m.setTaskLoss(0.5);
    m.setDistillLoss(0.4);
    m.setLr(0.1);
    m.setTop1(top1);
    m.setTop5(0.99);
    m.setTeacherTop1(0.91);
    m.setValidatedEpoch(epoch);
    r.setLatest(m);
    TrainerReport.Best b = new TrainerReport.Best();
    b.setMetric("top1");
    b.setValue(top1);
    b.setEpoch(epoch);
    r.setBest(b);
    TrainerReport.Checkpoints c = new TrainerReport.Checkpoints();
    c.setLatest(checkpoint("/tmp/x/fmnist/ckpt_latest", epoch, top1));
    c.setBest(checkpoint("/tmp/x/fmnist/ckpt_best", epoch, top1));
    r.setCheckpoints(c);
    return r;
  }

  public static TrainerReport.Checkpoint checkpoint(String path, int epoch, double value) {
    TrainerReport.Checkpoint c = new TrainerReport.Checkpoint();
    c.setPath(path);
    c.setEpoch(epoch);
    c.setMetric("top1");
    c.setValue(value);
    return c;
  }
}
