package dev.kdflow.trainer.softlabels;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * One shard's data file, read through memory maps (the operating system pages it in; the JVM holds
 * no copy), its CRC32C verified when it is opened. {@link Writer} writes one with a bounded buffer,
 * to a temporary name first, then renames it and writes its {@link ShardIndex}.
 */
public final class ShardFile {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ShardIndex index;
  private final Path data;
  private final List<ByteBuffer> chunks;
  private final int recordBytes;
  private final long recordsPerChunk;

  private ShardFile(ShardIndex index, Path data, List<ByteBuffer> chunks, long recordsPerChunk) {
    this.index = index;
    this.data = data;
    this.chunks = chunks;
    this.recordBytes = TopKLogits.recordBytes(index.key().topK());
    this.recordsPerChunk = recordsPerChunk;
  }

  /** What the shard holds. */
  public ShardIndex index() {
    return index;
  }

  /** The data file. */
  public Path data() {
    return data;
  }

  /** Reads a shard's index. */
  public static ShardIndex readIndex(Path indexFile) throws IOException {
    try {
      return JSON.readValue(indexFile.toFile(), ShardIndex.class);
    } catch (IOException e) {
      throw new IOException(indexFile + " is not a soft-label shard index: " + e.getMessage(), e);
    }
  }

  /**
   * Maps a shard's data file and verifies its length and CRC32C.
   *
   * @param index the shard's index
   * @param data its data file
   * @throws IOException naming the file when it is missing, of the wrong length, or damaged
   */
  public static ShardFile open(ShardIndex index, Path data) throws IOException {
    if (index.format() != ShardIndex.FORMAT) {
      throw new IOException(
          data + ": format " + index.format() + ", this trainer reads " + ShardIndex.FORMAT);
    }
    int recordBytes = TopKLogits.recordBytes(index.key().topK());
    long expected = index.records() * recordBytes;
    if (!Files.isRegularFile(data)) {
      throw new IOException(data + " is missing");
    }
    long size = Files.size(data);
    if (size != expected || size != index.bytes()) {
      throw new IOException(
          data
              + " has "
              + size
              + " bytes; its index says "
              + index.bytes()
              + " ("
              + expected
              + ")");
    }
    long recordsPerChunk = Math.max(1, Integer.MAX_VALUE / recordBytes);
    List<ByteBuffer> chunks = new ArrayList<>();
    CRC32C crc = new CRC32C();
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
      for (long start = 0; start < size; start += recordsPerChunk * recordBytes) {
        long length = Math.min(recordsPerChunk * recordBytes, size - start);
        MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, start, length);
        crc.update(m.duplicate());
        chunks.add(m.order(ByteOrder.LITTLE_ENDIAN));
      }
    }
    String actual = hex(crc.getValue());
    if (!actual.equals(index.crc32c())) {
      throw new IOException(
          data + " is damaged: CRC32C " + actual + ", its index says " + index.crc32c());
    }
    return new ShardFile(index, data, chunks, recordsPerChunk);
  }

  /**
   * Writes the logits the record of {@code sample} in {@code epoch} stands for (see {@link
   * TopKLogits#reconstruct}) into {@code out} at {@code offset}; the shard must cover it.
   */
  public void logits(int epoch, int sample, float[] out, int offset) {
    long r = index.record(epoch, sample);
    ByteBuffer b = chunks.get((int) (r / recordsPerChunk));
    int pos = (int) (r % recordsPerChunk) * recordBytes;
    int k = index.key().topK();
    float[] values = new float[k];
    int[] classes = new int[k];
    for (int j = 0; j < k; j++) {
      values[j] = b.getFloat(pos + 4 * j);
      classes[j] = b.getInt(pos + 4 * (k + j));
    }
    float lse = b.getFloat(pos + 8 * k);
    TopKLogits.reconstruct(values, classes, lse, index.key().classes(), out, offset);
  }

  static String hex(long crc) {
    return String.format(Locale.ROOT, "%08x", crc);
  }

  /**
   * Writes one shard: records in order through a bounded buffer into a temporary file, then {@link
   * #commit} renames it into place and writes the index. Closed without a commit, the temporary
   * file is deleted and nothing else changes.
   */
  public static final class Writer implements AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 20;
    private final Path data;
    private final Path indexFile;
    private final Path temp;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final CRC32C crc = new CRC32C();
    private final int k;
    private long bytes;
    private boolean committed;

    /**
     * @param data the data file's final path
     * @param indexFile the index's final path
     * @param k logits per record
     */
    public Writer(Path data, Path indexFile, int k) throws IOException {
      Files.createDirectories(data.getParent());
      this.data = data;
      this.indexFile = indexFile;
      this.temp = data.resolveSibling(data.getFileName() + ".tmp-" + ProcessHandle.current().pid());
      this.channel =
          FileChannel.open(
              temp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING);
      this.k = k;
      this.buffer =
          ByteBuffer.allocate(Math.max(BUFFER_BYTES, TopKLogits.recordBytes(k)))
              .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Appends one record. */
    public void write(float[] values, int[] classes, float logSumExp) throws IOException {
      if (buffer.remaining() < TopKLogits.recordBytes(k)) {
        flush();
      }
      for (int j = 0; j < k; j++) {
        buffer.putFloat(values[j]);
      }
      for (int j = 0; j < k; j++) {
        buffer.putInt(classes[j]);
      }
      buffer.putFloat(logSumExp);
    }

    private void flush() throws IOException {
      buffer.flip();
      crc.update(buffer.duplicate());
      bytes += buffer.remaining();
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      buffer.clear();
    }

    /**
     * Makes the shard visible: syncs the data, removes an older index of the same name (so a crash
     * below leaves no index describing other data), renames the data into place, then writes the
     * index (temporary file, rename).
     *
     * @param unsealed the index without length and checksum
     * @return the index written
     */
    public ShardIndex commit(ShardIndex unsealed) throws IOException {
      flush();
      channel.force(true);
      channel.close();
      ShardIndex sealed =
          new ShardIndex(
              unsealed.format(),
              unsealed.key(),
              unsealed.epochStart(),
              unsealed.epochEnd(),
              unsealed.shard(),
              unsealed.shards(),
              unsealed.firstSample(),
              unsealed.sampleCount(),
              bytes,
              hex(crc.getValue()));
      Files.deleteIfExists(indexFile);
      Files.move(temp, data, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Path indexTemp = indexFile.resolveSibling(indexFile.getFileName() + ".tmp");
      JSON.writeValue(indexTemp.toFile(), sealed);
      Files.move(
          indexTemp,
          indexFile,
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      committed = true;
      return sealed;
    }

    @Override
    public void close() throws IOException {
      if (channel.isOpen()) {
        channel.close();
      }
      if (!committed) {
        Files.deleteIfExists(temp);
      }
    }
  }
}
