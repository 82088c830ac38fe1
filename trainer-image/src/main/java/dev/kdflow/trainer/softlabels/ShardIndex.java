package dev.kdflow.trainer.softlabels;

/**
 * The JSON index written beside each shard's data file once the data file is complete: what the
 * shard holds and its checksum. A data file without its index is unfinished and ignored.
 *
 * @param format file format version ({@link #FORMAT})
 * @param key what the soft labels were computed for
 * @param epochStart first epoch held (0-based)
 * @param epochEnd epoch after the last held
 * @param shard this shard's number, 0-based
 * @param shards shards the samples were split into
 * @param firstSample first sample index held
 * @param sampleCount consecutive sample indices held
 * @param bytes length of the data file
 * @param crc32c CRC32C of the data file, 8 hex digits
 */
public record ShardIndex(
    int format,
    SoftLabelKey key,
    int epochStart,
    int epochEnd,
    int shard,
    int shards,
    int firstSample,
    int sampleCount,
    long bytes,
    String crc32c) {

  /** The data file format: little-endian records ordered by epoch, then sample. */
  public static final int FORMAT = 1;

  /** Records (views) in the shard. */
  public long records() {
    return (long) (epochEnd - epochStart) * sampleCount;
  }

  /** Whether the shard holds the view of {@code sample} in {@code epoch}. */
  public boolean covers(int epoch, int sample) {
    int e = key.unaugmented() ? epochStart : epoch;
    return e >= epochStart
        && e < epochEnd
        && sample >= firstSample
        && sample - firstSample < sampleCount;
  }

  /** The record number of a covered view. */
  public long record(int epoch, int sample) {
    int e = key.unaugmented() ? epochStart : epoch;
    return (long) (e - epochStart) * sampleCount + (sample - firstSample);
  }

  /** The sample indices {@code [first, end)} of shard {@code shard} of {@code shards}. */
  public static int[] sampleRange(int shard, int shards, int samples) {
    if (shards < 1 || shard < 0 || shard >= shards) {
      throw new IllegalArgumentException(
          "shard " + shard + " of " + shards + ": the shard must be in [0, " + shards + ")");
    }
    return new int[] {
      (int) ((long) shard * samples / shards), (int) ((long) (shard + 1) * samples / shards)
    };
  }
}
