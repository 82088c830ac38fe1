package dev.kdflow.trainer.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Replaces a checkpoint directory atomically: the new content is written into a temporary sibling
 * ({@code <name>.tmp-XXXX}), flushed to disk, and only then renamed into place. The previous
 * directory is moved aside ({@code <name>.old-XXXX}) just before the rename and deleted after it,
 * so at every moment either the complete old or the complete new checkpoint exists; {@link
 * #resolve} finds the old one if a crash happened between the two renames.
 */
public final class AtomicDirectory {
  private AtomicDirectory() {}

  /** Fills a directory. */
  @FunctionalInterface
  public interface Writer {
    void write(Path dir) throws IOException;
  }

  /**
   * Writes {@code target} atomically.
   *
   * @param target the final directory, e.g. {@code <root>/<experiment>/ckpt_latest}
   * @param writer fills the temporary directory
   */
  public static void write(Path target, Writer writer) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    String name = target.getFileName().toString();
    Path tmp = parent.resolve(name + ".tmp-" + UUID.randomUUID().toString().substring(0, 8));
    Files.createDirectory(tmp);
    try {
      writer.write(tmp);
      syncAll(tmp);
    } catch (IOException e) {
      deleteQuietly(tmp);
      // e.g. "No space left on device", which does not say where
      throw new IOException("cannot write " + target + ": " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      deleteQuietly(tmp);
      throw e;
    }
    Path old = null;
    if (Files.exists(target)) {
      old = parent.resolve(name + ".old-" + UUID.randomUUID().toString().substring(0, 8));
      move(target, old);
    }
    try {
      move(tmp, target);
    } catch (IOException e) {
      if (old != null) {
        move(old, target);
      }
      deleteTree(tmp);
      throw e;
    }
    syncDir(parent);
    if (old != null) {
      deleteTree(old);
    }
    deleteLeftovers(parent, name);
  }

  /**
   * Deletes what writers of {@code name} killed mid-write left beside it: temporary directories
   * (never complete) and moved-aside previous versions (superseded now that {@code name} exists).
   */
  private static void deleteLeftovers(Path parent, String name) {
    try (Stream<Path> s = Files.list(parent)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith(name + ".tmp-") || n.startsWith(name + ".old-")) {
          deleteQuietly(p);
        }
      }
    } catch (IOException ignored) {
      // leftovers take space but are never read: resolve() prefers the complete directory
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      deleteTree(dir);
    } catch (IOException ignored) {
      // a leftover temporary directory is never read
    }
  }

  /**
   * The directory to read for {@code target}: itself when it exists, else a complete previous
   * version left by an interrupted replacement, else null.
   */
  public static Path resolve(Path target) throws IOException {
    if (Files.isDirectory(target)) {
      return target;
    }
    Path parent = target.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      return null;
    }
    String prefix = target.getFileName() + ".old-";
    try (Stream<Path> s = Files.list(parent)) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix))
          .filter(Files::isDirectory)
          .findFirst()
          .orElse(null);
    }
  }

  /** Writes one file atomically (temporary sibling, flush, rename). */
  public static void writeFile(Path target, byte[] content) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp =
        parent.resolve(
            target.getFileName() + ".tmp-" + UUID.randomUUID().toString().substring(0, 8));
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(content));
      ch.force(true);
    }
    try {
      move(tmp, target);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the checkpoint file system cannot rename atomically: " + to, e);
    }
  }

  private static void syncAll(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p)) {
          try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.force(true);
          }
        }
      }
    }
    syncDir(dir);
  }

  private static void syncDir(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // not every file system lets a directory be opened for syncing; the rename stays atomic
    }
  }

  /** Deletes a directory tree (best effort for leftovers, strict for the caller's errors). */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
