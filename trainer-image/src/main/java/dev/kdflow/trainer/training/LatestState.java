package dev.kdflow.trainer.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON part of ckpt_latest ({@code state.json}); tensors live beside it.
 *
 * @param formatVersion layout version
 * @param experiment experiment name
 * @param architecture the student's registry name (null when not from the registry)
 * @param archParams the student's arch params
 * @param epoch epochs completed
 * @param globalStep optimizer steps taken
 * @param optimizer optimizer type
 * @param optimizerSteps the optimizer's own step count
 * @param emaUpdates EMA update count; null without EMA
 * @param best best validation result so far; null when none
 * @param seed the run's seed
 * @param maxEpochs the run's planned epochs
 * @param lastValid the last validation metrics; null when none yet
 */
public record LatestState(
    int formatVersion,
    String experiment,
    String architecture,
    Map<String, Object> archParams,
    int epoch,
    long globalStep,
    String optimizer,
    long optimizerSteps,
    Long emaUpdates,
    EpochRecord.Best best,
    long seed,
    int maxEpochs,
    EpochRecord.ValidMetrics lastValid) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How the student this run recorded differs from another network, or empty when it is the same:
   * another architecture, or an arch param both name with another value (a param only one of them
   * names is left to the architecture's default, so writing a default out changes nothing; 10 and
   * 10.0 are the same value). Used before anything trains ({@code kdflow run}) and again when a run
   * resumes, so both refuse exactly the same directories.
   *
   * @param otherArchitecture the other network's registry name (null: nothing to compare)
   * @param otherArchParams its arch params (null: none)
   */
  public Optional<String> otherNetwork(
      String otherArchitecture, Map<String, Object> otherArchParams) {
    if (otherArchitecture == null || architecture == null) {
      return Optional.empty();
    }
    if (!architecture.equals(otherArchitecture)) {
      return Optional.of(architecture + ", not " + otherArchitecture);
    }
    Map<String, Object> before = archParams == null ? Map.of() : archParams;
    Map<String, Object> now = otherArchParams == null ? Map.of() : otherArchParams;
    for (Map.Entry<String, Object> e : now.entrySet()) {
      if (before.containsKey(e.getKey()) && !sameValue(before.get(e.getKey()), e.getValue())) {
        return Optional.of(
            architecture
                + " with archParams."
                + e.getKey()
                + " "
                + JSON.valueToTree(before.get(e.getKey()))
                + ", not "
                + JSON.valueToTree(e.getValue()));
      }
    }
    return Optional.empty();
  }

  /** JSON equality where 10, 10L and 10.0 are the same number. */
  private static boolean sameValue(Object a, Object b) {
    JsonNode x = JSON.valueToTree(a);
    JsonNode y = JSON.valueToTree(b);
    return x.equals(
        (Comparator<JsonNode>)
            (m, n) ->
                m.isNumber() && n.isNumber()
                    ? m.decimalValue().compareTo(n.decimalValue())
                    : m.equals(n) ? 0 : 1,
        y);
  }
}
