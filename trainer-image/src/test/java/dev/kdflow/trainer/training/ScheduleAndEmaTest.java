package dev.kdflow.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.kdflow.api.EmaParams;
import dev.kdflow.api.TrainingSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SuperGradients' LR policies and EMA decay ramps. */
class ScheduleAndEmaTest {
  private static TrainingSpec spec(TrainingSpec.LrMode mode) {
    TrainingSpec s = new TrainingSpec();
    s.setMaxEpochs(10);
    s.setInitialLr(0.1);
    s.setLrMode(mode);
    return s;
  }

  @Test
  void stepScheduleDecaysAtTheListedEpochs() {
    TrainingSpec s = spec(TrainingSpec.LrMode.STEP);
    s.setLrUpdates(List.of(3, 6));
    LrSchedule lr = new LrSchedule(s);
    assertThat(lr.lr(2, 0, 5)).isCloseTo(0.1, within(1e-12));
    assertThat(lr.lr(3, 0, 5)).isCloseTo(0.01, within(1e-12));
    assertThat(lr.lr(9, 4, 5)).isCloseTo(0.001, within(1e-12));
  }

  @Test
  void linearWarmupThenCosineDownToTheFinalRatio() {
    TrainingSpec s = spec(TrainingSpec.LrMode.COSINE);
    s.setLrWarmupEpochs(2);
    s.setCosineFinalLrRatio(0.1);
    LrSchedule lr = new LrSchedule(s);
    assertThat(lr.lr(0, 3, 5)).isCloseTo(0.1 / 3, within(1e-12));
    assertThat(lr.lr(1, 0, 5)).isCloseTo(0.2 / 3, within(1e-12));
    assertThat(lr.lr(2, 0, 5)).isCloseTo(0.1, within(1e-12));
    double last = lr.lr(9, 4, 5);
    // SG divides by (total + 1): the last step stays just above the floor
    assertThat(last).isGreaterThan(0.01).isLessThan(0.011);
    assertThat(lr.lr(5, 0, 5)).isLessThan(lr.lr(4, 0, 5));
  }

  @Test
  void batchWarmupIsSuperGradientsLinearBatchLRWarmup() {
    TrainingSpec s = spec(TrainingSpec.LrMode.COSINE);
    s.setWarmupMode(TrainingSpec.WarmupMode.LINEAR_BATCH);
    s.setLrWarmupSteps(8);
    s.setWarmupInitialLr(0.01);
    s.setCosineFinalLrRatio(0.0);
    LrSchedule lr = new LrSchedule(s);
    // np.linspace(0.01, 0.1, min(8, 5 steps per epoch)): 0.01, 0.0325, ..., 0.1
    assertThat(lr.lr(0, 0, 5)).isCloseTo(0.01, within(1e-12));
    assertThat(lr.lr(0, 1, 5)).isCloseTo(0.01 + 0.09 / 4, within(1e-12));
    assertThat(lr.lr(0, 4, 5)).isCloseTo(0.1, within(1e-12));
    // the cosine waits for lr_warmup_steps (8), the learning rate holds in between
    assertThat(lr.lr(1, 2, 5)).isCloseTo(0.1, within(1e-12));
    // then counts its steps from there: step 9 is its step 1 of 10 * 5 - 8
    double expected = 0.5 * 0.1 * (1 + Math.cos(1.0 / (42 + 1) * Math.PI));
    assertThat(lr.lr(1, 4, 5)).isCloseTo(expected, within(1e-12));
    // the epoch warm-up is untouched by lrWarmupSteps
    TrainingSpec epochWarmup = spec(TrainingSpec.LrMode.CONSTANT);
    epochWarmup.setLrWarmupEpochs(1);
    assertThat(new LrSchedule(epochWarmup).lr(0, 3, 5)).isCloseTo(0.05, within(1e-12));
  }

  @Test
  void emaDecayRamps() {
    EmaParams p = new EmaParams();
    p.setDecay(0.99);
    p.setDecayType(EmaParams.DecayType.THRESHOLD);
    Ema threshold = new Ema(Map.of(), p, 1000, null);
    assertThat(threshold.decayAt(1)).isCloseTo(2.0 / 11, within(1e-12));
    assertThat(threshold.decayAt(100000)).isEqualTo(0.99);
    p.setDecayType(EmaParams.DecayType.EXP);
    p.setBeta(15.0);
    Ema exp = new Ema(Map.of(), p, 1000, null);
    assertThat(exp.decayAt(1000)).isCloseTo(0.99 * (1 - Math.exp(-15)), within(1e-12));
    assertThat(exp.decayAt(10)).isLessThan(exp.decayAt(100));
  }
}
