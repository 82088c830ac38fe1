package dev.kdflow.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.trainer.ExperimentRunner;
import dev.kdflow.trainer.checkpoint.AtomicDirectory;
import dev.kdflow.trainer.training.CheckpointInfo;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.ExperimentDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code kdflow evaluate --checkpoint DIR}: the accuracy of a saved student. */
@Command(
    name = "evaluate",
    description = {
      "Measures a saved student (ckpt_best, ckpt_epoch_N) on the validation split it was"
          + " validated on (recorded in its checkpoint.json), or on another dataset."
    })
final class EvaluateCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParentCommand KDFlowCli cli;

  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "DIR",
      description = "A student checkpoint directory, e.g. checkpoints/NAME/ckpt_best.")
  Path checkpoint;

  @Option(
      names = "--dataset-type",
      paramLabel = "TYPE",
      description = "fashionMnist, mnist, cifar10 or imageFolder (default: the recorded one).")
  String datasetType;

  @Option(
      names = "--dataset-path",
      paramLabel = "DIR",
      description = "The dataset's directory (default: the recorded one).")
  Path datasetPath;

  @Option(
      names = "--valid-limit",
      paramLabel = "N",
      description = "Evaluate on the first N validation images only.")
  Integer validLimit;

  @Option(names = "--json", description = "Print the metrics as one JSON object.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    DatasetSpec dataset = datasetOverride();
    EpochRecord.ValidMetrics m = ExperimentRunner.evaluateCheckpoint(checkpoint, dataset);
    if (json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("checkpoint", checkpoint.toString());
      out.put("top1", m.top1());
      out.put("top5", m.top5());
      out.put("loss", m.loss());
      cli.out.println(JSON.writeValueAsString(out));
    } else {
      cli.out.printf(
          Locale.ROOT,
          "%s: top-1 %s  top-5 %s  loss %.4f%n",
          checkpoint,
          Format.percent(m.top1()),
          Format.percent(m.top5()),
          m.loss());
    }
    return ExitCodes.OK;
  }

  /** The recorded dataset with the options applied; null when no option asks for a change. */
  private DatasetSpec datasetOverride() {
    if (datasetType == null && datasetPath == null && validLimit == null) {
      return null;
    }
    CheckpointInfo info = recordedInfo();
    Map<String, Object> data = info == null || info.data() == null ? Map.of() : info.data();
    DatasetSpec d =
        data.get("dataset") == null
            ? new DatasetSpec()
            : JSON.convertValue(data.get("dataset"), DatasetSpec.class);
    boolean sameData = datasetType == null && datasetPath == null;
    if (datasetType != null) {
      try {
        d.setType(JSON.convertValue(datasetType, DatasetSpec.Type.class));
      } catch (IllegalArgumentException e) {
        throw new InvalidExperimentException(
            "--dataset-type",
            "unknown dataset type '"
                + datasetType
                + "'; use fashionMnist, mnist, cifar10 or imageFolder");
      }
    }
    if (datasetPath != null) {
      d.setPath(datasetPath.toString());
    }
    if (validLimit != null) {
      if (validLimit < 1) {
        throw new InvalidExperimentException("--valid-limit", "must be >= 1");
      }
      d.setValidLimit(validLimit);
    }
    if (sameData && data.get("normalization") instanceof Map<?, ?> n) {
      // Same images: keep the normalisation the student was trained with.
      d.setMean(doubles(n.get("mean")));
      d.setStd(doubles(n.get("std")));
    }
    return d;
  }

  private CheckpointInfo recordedInfo() {
    try {
      Path dir = AtomicDirectory.resolve(checkpoint);
      if (dir == null) {
        throw new InvalidExperimentException(
            "--checkpoint", checkpoint + " does not exist; pass a ckpt_best or ckpt_epoch_N");
      }
      return ExperimentDirectory.readInfo(dir);
    } catch (IOException e) {
      throw new InvalidExperimentException(
          "--checkpoint",
          checkpoint + " is not a kdflow student checkpoint (" + e.getMessage() + ")",
          e);
    }
  }

  private static List<Double> doubles(Object list) {
    return ((List<?>) list).stream().map(o -> ((Number) o).doubleValue()).toList();
  }
}
