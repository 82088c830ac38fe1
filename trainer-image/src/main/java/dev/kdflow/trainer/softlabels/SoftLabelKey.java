package dev.kdflow.trainer.softlabels;

import java.util.ArrayList;
import java.util.List;

/**
 * What a set of stored soft labels was computed for. Shards whose key differs from the one a run
 * expects were made for another teacher, another augmentation, normalisation, seed or dataset, and
 * are refused.
 *
 * @param teacherDigest digest of the teacher's weights and settings ({@link TeacherDigest})
 * @param topK logits kept per view
 * @param classes classes the teacher predicts
 * @param samples images in the training split
 * @param unaugmented whether one view per image serves every epoch (the data is not augmented)
 * @param views how views are made: seed, augmentation, normalisation, image shape, dataset
 */
public record SoftLabelKey(
    String teacherDigest, int topK, int classes, int samples, boolean unaugmented, String views) {

  /** Checks the bounds. */
  public SoftLabelKey {
    if (classes < 1 || topK < 1 || topK > classes) {
      throw new IllegalArgumentException(
          "kd.precompute.topK must be in [1, " + classes + "] (the classes), got " + topK);
    }
  }

  /**
   * The differences between this (stored) key and the one a run expects, each naming the field and
   * both values; empty when they match.
   */
  public List<String> differences(SoftLabelKey expected) {
    List<String> out = new ArrayList<>();
    compare(out, "teacher", teacherDigest, expected.teacherDigest);
    compare(out, "topK", topK, expected.topK);
    compare(out, "classes", classes, expected.classes);
    compare(out, "samples", samples, expected.samples);
    compare(out, "unaugmented", unaugmented, expected.unaugmented);
    compare(out, "views", views, expected.views);
    return out;
  }

  private static void compare(List<String> out, String name, Object stored, Object expected) {
    if (!stored.equals(expected)) {
      out.add(name + " is " + stored + " in the shard but " + expected + " in this run");
    }
  }
}
