package dev.kdflow.trainer.cli;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.PrecomputeSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.trainer.ExperimentRunner;
import dev.kdflow.trainer.recipe.ExperimentLoader;
import dev.kdflow.trainer.softlabels.ShardIndex;
import dev.kdflow.trainer.training.ExperimentDirectory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kdflow precompute-teacher FILE [--epochs a:b | --unaugmented] [--shard i/N]}: stores the
 * frozen teacher's outputs for the training views of one shard of the samples, so that training
 * reads them instead of running the teacher.
 */
@Command(
    name = "precompute-teacher",
    description = {
      "Runs the experiment's frozen teacher over exactly the training views the student will see"
          + " (the same seed and augmentation, view by view) and stores its top-k logits"
          + " (spec.kd.precompute.topK, all classes by default) in checksummed shard files under"
          + " the experiment directory's softlabels/ folder.",
      "A run whose spec sets kd.precompute reads them instead of running the teacher; views no"
          + " shard holds fall back to the teacher, with one log line saying why.",
      "Shards split the sample indices, so N processes (an Indexed Job on a cluster) can each"
          + " compute one. Without --shard the shard is $JOB_COMPLETION_INDEX of"
          + " kd.precompute.shards when that variable is set, else all samples."
    })
final class PrecomputeTeacherCommand implements Callable<Integer> {
  /** The Indexed Job's completion index variable, set in each of its pods. */
  static final String COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX";

  private static final long PROGRESS_EVERY_NANOS = 30_000_000_000L;

  @ParentCommand KDFlowCli cli;

  @ArgGroup(exclusive = true)
  Views views;

  static final class Views {
    @Option(
        names = "--epochs",
        paramLabel = "A:B",
        description =
            "Epochs A (inclusive) to B (exclusive), 0-based; default 0:training.maxEpochs.")
    String epochs;

    @Option(
        names = "--unaugmented",
        description =
            "One view per image, for every epoch (training data without augmentation only).")
    boolean unaugmented;
  }

  @Option(
      names = "--shard",
      paramLabel = "I/N",
      description = "Compute shard I (0-based) of N of the sample indices.")
  String shard;

  @Parameters(
      paramLabel = "FILE|KEY=VALUE",
      arity = "1..*",
      description = "One experiment file, then key.path=value overrides.")
  List<String> arguments = new ArrayList<>();

  /** Where environment variables come from (tests replace it). */
  Map<String, String> environment = System.getenv();

  @Override
  public Integer call() {
    Arguments args = Arguments.split(arguments);
    if (args.files().size() != 1) {
      throw new InvalidExperimentException(
          "FILE", "precompute-teacher takes one experiment file, got " + args.files());
    }
    KDExperiment experiment =
        ExperimentLoader.load(args.files().get(0), args.overrides()).experiment();
    Integer a = null;
    Integer b = null;
    boolean unaugmented = views != null && views.unaugmented;
    if (views != null && views.epochs != null) {
      int[] range = pair(views.epochs, ":", "--epochs", "A:B, e.g. 0:10");
      a = range[0];
      b = range[1];
    }
    int[] s = shard(experiment);
    ExperimentRunner runner =
        new ExperimentRunner(experiment.getSpec(), experiment.getMetadata().getName());
    long start = System.nanoTime();
    long[] lastReport = {start};
    ShardIndex index =
        runner.precomputeTeacher(
            a,
            b,
            unaugmented,
            s[0],
            s[1],
            done -> {
              long now = System.nanoTime();
              if (now - lastReport[0] > PROGRESS_EVERY_NANOS) {
                lastReport[0] = now;
                cli.out.println("  " + done + " views done");
              }
            });
    double seconds = (System.nanoTime() - start) / 1e9;
    cli.out.printf(
        "precomputed shard %d of %d: samples %d-%d, %s, top %d of %d logits, %d views in %.1f s"
            + " (%s)%n",
        index.shard(),
        index.shards(),
        index.firstSample(),
        index.firstSample() + index.sampleCount() - 1,
        index.key().unaugmented()
            ? "unaugmented"
            : "epochs " + index.epochStart() + "-" + (index.epochEnd() - 1),
        index.key().topK(),
        index.key().classes(),
        index.records(),
        seconds,
        new ExperimentDirectory(runner.experimentDir()).softLabels());
    return ExitCodes.OK;
  }

  /** The shard from --shard, else from the Indexed Job's completion index, else 0 of 1. */
  int[] shard(KDExperiment experiment) {
    if (shard != null) {
      return pair(shard, "/", "--shard", "I/N, e.g. 0/4");
    }
    String index = environment.get(COMPLETION_INDEX_ENV);
    if (index == null) {
      return new int[] {0, 1};
    }
    PrecomputeSpec p =
        experiment.getSpec().getKd() == null ? null : experiment.getSpec().getKd().getPrecompute();
    int shards =
        p == null || p.getShards() == null ? new PrecomputeSpec().getShards() : p.getShards();
    try {
      return new int[] {Integer.parseInt(index.trim()), shards};
    } catch (NumberFormatException e) {
      throw new InvalidExperimentException(
          COMPLETION_INDEX_ENV, "must be a shard number, got '" + index + "'");
    }
  }

  private static int[] pair(String text, String separator, String option, String form) {
    String[] parts = text.split(separator, -1);
    try {
      if (parts.length == 2) {
        return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidExperimentException(option, "must be " + form + ", got '" + text + "'");
  }
}
