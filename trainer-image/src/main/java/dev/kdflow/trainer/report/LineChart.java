package dev.kdflow.trainer.report;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A small line chart drawn with Java2D: title, axes with "nice" ticks, grid, legend, optional
 * vertical event lines and point annotations. Enough for training curves without a chart library.
 * Non-finite values (a NaN loss) break a line instead of breaking the chart.
 */
final class LineChart {

  /** Colours that stay distinguishable for most colour-vision deficiencies (Tableau 10). */
  static final Color BLUE = new Color(0x1F77B4);

  static final Color ORANGE = new Color(0xFF7F0E);
  static final Color GREEN = new Color(0x2CA02C);
  static final Color RED = new Color(0xD62728);
  static final Color PURPLE = new Color(0x9467BD);
  static final Color GREY = new Color(0x7F7F7F);
  static final Color BROWN = new Color(0x8C564B);

  private static final Color TEXT = new Color(0x222222);
  private static final Color MUTED = new Color(0x555555);
  private static final Color GRID = new Color(0xE8E8E8);
  private static final Color AXIS = new Color(0x9A9A9A);
  private static final int MAX_DOTS = 60;

  /**
   * One line.
   *
   * @param width stroke width in pixels
   * @param dashed dashed instead of solid
   * @param alpha opacity (a faint background line uses ~0.3)
   * @param dots draw a dot on each point (skipped when there are many points)
   */
  record Series(
      String name,
      Color color,
      double[] x,
      double[] y,
      float width,
      boolean dashed,
      float alpha,
      boolean dots) {}

  /** A highlighted point with a label (e.g. the best epoch). */
  record Marker(double x, double y, String label, Color color) {}

  /** A vertical line at {@code x} with a short label (e.g. a resume). */
  record Event(double x, String label) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();
  private final List<Marker> markers = new ArrayList<>();
  private final List<Event> events = new ArrayList<>();
  private boolean percent;
  private boolean yFromZero;
  private boolean xFromZero;
  private String emptyMessage = "No data yet";

  LineChart(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  LineChart add(Series s) {
    if (s.x().length != s.y().length) {
      throw new IllegalArgumentException(s.name() + ": x and y lengths differ");
    }
    if (s.x().length > 0) {
      series.add(s);
    }
    return this;
  }

  LineChart marker(Marker m) {
    markers.add(m);
    return this;
  }

  LineChart event(Event e) {
    events.add(e);
    return this;
  }

  /** Y values are fractions shown as percentages, clamped to [0 %, 100 %]. */
  LineChart percent() {
    this.percent = true;
    return this;
  }

  /** The y axis starts at zero (losses). */
  LineChart yFromZero() {
    this.yFromZero = true;
    return this;
  }

  /** The x axis starts at zero (step-level data begins before the first finished epoch). */
  LineChart xFromZero() {
    this.xFromZero = true;
    return this;
  }

  /** The text shown when no series has a finite point. */
  LineChart emptyMessage(String message) {
    this.emptyMessage = message;
    return this;
  }

  /** Draws the chart. */
  BufferedImage render(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      draw(g, width, height);
    } finally {
      g.dispose();
    }
    return image;
  }

  /** PNG bytes of an image. */
  static byte[] png(BufferedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", out)) {
        throw new IllegalStateException("no PNG writer available");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private void draw(Graphics2D g, int width, int height) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);

    Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    Font smallFont = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    double left = 78;
    double right = width - 26;
    double top = 52;
    double bottom = height - 56;
    Rectangle2D plot = new Rectangle2D.Double(left, top, right - left, bottom - top);

    g.setFont(titleFont);
    g.setColor(TEXT);
    g.drawString(title, (float) left, 32f);

    double[] xr = xRange();
    double[] yr = yRange();
    boolean empty = xr == null;
    if (empty) {
      xr = new double[] {0, 1};
      yr = new double[] {0, 1};
    }
    Ticks xt = Ticks.integers(xr[0], xr[1], 10);
    Ticks yt = Ticks.nice(yr[0], yr[1], 6, yFromZero, percent);
    double x0 = Math.min(xr[0], xt.min) - 0.02 * (xr[1] - xr[0] + 1e-9);
    double x1 = Math.max(xr[1], xt.max) + 0.02 * (xr[1] - xr[0] + 1e-9);
    Scale sx = new Scale(x0, x1, plot.getMinX(), plot.getMaxX());
    Scale sy = new Scale(yt.min, yt.max, plot.getMaxY(), plot.getMinY());

    // Grid and ticks.
    g.setFont(tickFont);
    FontMetrics fm = g.getFontMetrics();
    g.setStroke(new BasicStroke(1f));
    for (double v : empty ? List.<Double>of() : yt.values()) {
      double py = sy.map(v);
      g.setColor(GRID);
      g.draw(new Line2D.Double(plot.getMinX(), py, plot.getMaxX(), py));
      if (!empty) {
        String label = formatY(v, yt.step);
        g.setColor(MUTED);
        g.drawString(
            label,
            (float) (plot.getMinX() - 8 - fm.stringWidth(label)),
            (float) (py + fm.getAscent() / 2.0 - 1));
      }
    }
    for (double v : empty ? List.<Double>of() : xt.values()) {
      if (v < x0 || v > x1) {
        continue;
      }
      double px = sx.map(v);
      g.setColor(GRID);
      g.draw(new Line2D.Double(px, plot.getMinY(), px, plot.getMaxY()));
      if (!empty) {
        String label = formatX(v);
        g.setColor(AXIS);
        g.draw(new Line2D.Double(px, plot.getMaxY(), px, plot.getMaxY() + 4));
        g.setColor(MUTED);
        g.drawString(
            label,
            (float) (px - fm.stringWidth(label) / 2.0),
            (float) (plot.getMaxY() + 6 + fm.getAscent()));
      }
    }
    g.setColor(AXIS);
    g.draw(new Line2D.Double(plot.getMinX(), plot.getMaxY(), plot.getMaxX(), plot.getMaxY()));
    g.draw(new Line2D.Double(plot.getMinX(), plot.getMinY(), plot.getMinX(), plot.getMaxY()));

    // Axis labels.
    g.setFont(labelFont);
    fm = g.getFontMetrics();
    g.setColor(TEXT);
    g.drawString(
        xLabel, (float) (plot.getCenterX() - fm.stringWidth(xLabel) / 2.0), (float) (height - 14));
    AffineTransform saved = g.getTransform();
    g.rotate(-Math.PI / 2);
    g.drawString(yLabel, (float) (-plot.getCenterY() - fm.stringWidth(yLabel) / 2.0), (float) (22));
    g.setTransform(saved);

    if (empty) {
      g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 15));
      fm = g.getFontMetrics();
      g.setColor(MUTED);
      g.drawString(
          emptyMessage,
          (float) (plot.getCenterX() - fm.stringWidth(emptyMessage) / 2.0),
          (float) plot.getCenterY());
      return;
    }

    Shape clip = g.getClip();
    g.clip(
        new Rectangle2D.Double(
            plot.getX() - 6, plot.getY() - 6, plot.getWidth() + 12, plot.getHeight() + 12));

    // Events (resumes) under the data.
    g.setFont(smallFont);
    fm = g.getFontMetrics();
    for (Event e : events) {
      double px = sx.map(e.x());
      if (px < plot.getMinX() || px > plot.getMaxX()) {
        continue;
      }
      g.setColor(new Color(0xB0B0B0));
      g.setStroke(
          new BasicStroke(
              1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f}, 0f));
      g.draw(new Line2D.Double(px, plot.getMinY(), px, plot.getMaxY()));
    }

    // Series.
    for (Series s : series) {
      g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, s.alpha()));
      g.setColor(s.color());
      g.setStroke(stroke(s));
      g.draw(path(s, sx, sy));
      if (!(s.dots() && s.x().length <= MAX_DOTS)) {
        // A point with no finite neighbour draws no line segment; show it as a small dot.
        double r = s.width() + 1;
        for (int i = 0; i < s.x().length; i++) {
          if (isolated(s, i)) {
            g.fill(new Ellipse2D.Double(sx.map(s.x()[i]) - r, sy.map(s.y()[i]) - r, 2 * r, 2 * r));
          }
        }
      }
      if (s.dots() && s.x().length <= MAX_DOTS) {
        double r = Math.max(2.5, s.width() + 1.2);
        for (int i = 0; i < s.x().length; i++) {
          if (finite(s.x()[i]) && finite(s.y()[i])) {
            Ellipse2D dot =
                new Ellipse2D.Double(sx.map(s.x()[i]) - r, sy.map(s.y()[i]) - r, 2 * r, 2 * r);
            g.setColor(s.color());
            g.fill(dot);
            g.setColor(Color.WHITE);
            g.setStroke(new BasicStroke(1f));
            g.draw(dot);
          }
        }
      }
      g.setComposite(AlphaComposite.SrcOver);
    }

    // Event labels above the data, on a light background so lines do not cross the text.
    g.setFont(smallFont);
    fm = g.getFontMetrics();
    for (Event e : events) {
      double px = sx.map(e.x());
      if (px < plot.getMinX() || px > plot.getMaxX()) {
        continue;
      }
      int tw = fm.stringWidth(e.label());
      double tx = px + 5;
      if (tx + tw > plot.getMaxX()) {
        tx = px - 5 - tw;
      }
      double ty = plot.getMinY() + fm.getAscent() + 4;
      g.setColor(new Color(255, 255, 255, 215));
      g.fill(new Rectangle2D.Double(tx - 2, ty - fm.getAscent(), tw + 4, fm.getHeight()));
      g.setColor(MUTED);
      g.drawString(e.label(), (float) tx, (float) ty);
    }

    // Markers.
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
    fm = g.getFontMetrics();
    for (Marker m : markers) {
      if (!finite(m.x()) || !finite(m.y())) {
        continue;
      }
      double px = sx.map(m.x());
      double py = sy.map(m.y());
      g.setColor(m.color());
      g.setStroke(new BasicStroke(2.2f));
      g.draw(new Ellipse2D.Double(px - 8, py - 8, 16, 16));
      int tw = fm.stringWidth(m.label());
      double bw = tw + 10;
      double bh = fm.getAscent() + fm.getDescent() + 6;
      // Above, below, right, left of the point: the first that hides no data and fits.
      double[][] candidates = {
        {px - bw / 2, py - 14 - bh},
        {px - bw / 2, py + 14},
        {px + 14, py - bh / 2},
        {px - 14 - bw, py - bh / 2}
      };
      double bx = candidates[0][0];
      double by = candidates[0][1];
      double fewest = Double.MAX_VALUE;
      for (double[] c : candidates) {
        double cx = Math.max(plot.getMinX() + 2, Math.min(c[0], plot.getMaxX() - bw - 2));
        double cy = Math.max(plot.getMinY() + 2, Math.min(c[1], plot.getMaxY() - bh - 2));
        Rectangle2D candidate = new Rectangle2D.Double(cx, cy, bw, bh);
        double hidden = covered(candidate, sx, sy);
        if (candidate.intersects(px - 9, py - 9, 18, 18)) {
          hidden += 1000;
        }
        if (hidden < fewest) {
          fewest = hidden;
          bx = cx;
          by = cy;
        }
      }
      double tx = bx + 5;
      double ty = by + 3 + fm.getAscent();
      RoundRectangle2D box =
          new RoundRectangle2D.Double(
              tx - 5, ty - fm.getAscent() - 3, tw + 10, fm.getAscent() + fm.getDescent() + 6, 6, 6);
      g.setColor(new Color(255, 255, 255, 225));
      g.fill(box);
      g.setColor(m.color());
      g.setStroke(new BasicStroke(1f));
      g.draw(box);
      g.drawString(m.label(), (float) tx, (float) ty);
    }
    g.setClip(clip);

    drawLegend(g, plot, sx, sy);
  }

  private void drawLegend(Graphics2D g, Rectangle2D plot, Scale sx, Scale sy) {
    if (series.isEmpty()) {
      return;
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    FontMetrics fm = g.getFontMetrics();
    int sample = 26;
    int rowHeight = fm.getHeight() + 4;
    int textWidth = series.stream().mapToInt(s -> fm.stringWidth(s.name())).max().orElse(0);
    double w = 12 + sample + 8 + textWidth + 12;
    double h = 8 + rowHeight * series.size() + 4;
    double pad = 10;
    Rectangle2D[] corners = {
      new Rectangle2D.Double(plot.getMaxX() - w - pad, plot.getMinY() + pad, w, h),
      new Rectangle2D.Double(plot.getMaxX() - w - pad, plot.getMaxY() - h - pad, w, h),
      new Rectangle2D.Double(plot.getMinX() + pad, plot.getMinY() + pad, w, h),
      new Rectangle2D.Double(plot.getMinX() + pad, plot.getMaxY() - h - pad, w, h),
      new Rectangle2D.Double(plot.getCenterX() - w / 2, plot.getMinY() + pad, w, h),
      new Rectangle2D.Double(plot.getCenterX() - w / 2, plot.getMaxY() - h - pad, w, h),
    };
    Rectangle2D box = corners[0];
    double fewest = Double.MAX_VALUE;
    for (Rectangle2D corner : corners) {
      double covered = covered(corner, sx, sy);
      if (covered < fewest) {
        fewest = covered;
        box = corner;
      }
    }
    RoundRectangle2D shape =
        new RoundRectangle2D.Double(box.getX(), box.getY(), box.getWidth(), box.getHeight(), 8, 8);
    g.setColor(new Color(255, 255, 255, 230));
    g.fill(shape);
    g.setColor(new Color(0xCCCCCC));
    g.setStroke(new BasicStroke(1f));
    g.draw(shape);
    double y = box.getY() + 8;
    for (Series s : series) {
      double mid = y + rowHeight / 2.0;
      g.setComposite(
          AlphaComposite.getInstance(AlphaComposite.SRC_OVER, Math.max(s.alpha(), 0.5f)));
      g.setColor(s.color());
      g.setStroke(stroke(s));
      g.draw(new Line2D.Double(box.getX() + 12, mid, box.getX() + 12 + sample, mid));
      if (s.dots() && s.x().length <= MAX_DOTS) {
        g.fill(new Ellipse2D.Double(box.getX() + 12 + sample / 2.0 - 3, mid - 3, 6, 6));
      }
      g.setComposite(AlphaComposite.SrcOver);
      g.setColor(TEXT);
      g.drawString(
          s.name(),
          (float) (box.getX() + 12 + sample + 8),
          (float) (mid + fm.getAscent() / 2.0 - 2));
      y += rowHeight;
    }
  }

  /** How much of the data a legend box would hide: points inside, weighted by line importance. */
  private double covered(Rectangle2D box, Scale sx, Scale sy) {
    double covered = 0;
    for (Series s : series) {
      double weight = s.alpha() < 0.5 ? 0.2 : 1.0;
      int stride = Math.max(1, s.x().length / 400);
      for (int i = 0; i < s.x().length; i += stride) {
        if (finite(s.x()[i])
            && finite(s.y()[i])
            && box.contains(sx.map(s.x()[i]), sy.map(s.y()[i]))) {
          covered += weight * stride;
        }
      }
      // Segments crossing the box count too, sampled along their length.
      for (int i = stride; i < s.x().length; i += stride) {
        double ax = s.x()[i - stride];
        double ay = s.y()[i - stride];
        double bx = s.x()[i];
        double by = s.y()[i];
        if (!finite(ax) || !finite(ay) || !finite(bx) || !finite(by)) {
          continue;
        }
        for (int k = 1; k < 8; k++) {
          double t = k / 8.0;
          if (box.contains(sx.map(ax + t * (bx - ax)), sy.map(ay + t * (by - ay)))) {
            covered += weight * stride / 4.0;
          }
        }
      }
    }
    for (Marker m : markers) {
      if (finite(m.x()) && finite(m.y()) && box.contains(sx.map(m.x()), sy.map(m.y()))) {
        covered += 50;
      }
    }
    return covered;
  }

  private static Stroke stroke(Series s) {
    return s.dashed()
        ? new BasicStroke(
            s.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {7f, 5f}, 0f)
        : new BasicStroke(s.width(), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
  }

  private static Path2D path(Series s, Scale sx, Scale sy) {
    Path2D.Double path = new Path2D.Double();
    boolean pen = false;
    for (int i = 0; i < s.x().length; i++) {
      double x = s.x()[i];
      double y = s.y()[i];
      if (!finite(x) || !finite(y)) {
        pen = false;
        continue;
      }
      if (pen) {
        path.lineTo(sx.map(x), sy.map(y));
      } else {
        path.moveTo(sx.map(x), sy.map(y));
        pen = true;
      }
    }
    return path;
  }

  private double[] xRange() {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x().length; i++) {
        if (finite(s.x()[i]) && finite(s.y()[i])) {
          min = Math.min(min, s.x()[i]);
          max = Math.max(max, s.x()[i]);
        }
      }
    }
    if (min > max) {
      return null;
    }
    if (xFromZero) {
      min = Math.min(0, min);
    }
    if (max - min < 1) {
      double mid = (min + max) / 2;
      return new double[] {Math.floor(mid - 0.5), Math.ceil(mid + 0.5)};
    }
    return new double[] {min, max};
  }

  private double[] yRange() {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.y().length; i++) {
        if (finite(s.x()[i]) && finite(s.y()[i])) {
          min = Math.min(min, s.y()[i]);
          max = Math.max(max, s.y()[i]);
        }
      }
    }
    if (min > max) {
      return null;
    }
    if (yFromZero) {
      min = Math.min(0, min);
    }
    if (max - min < 1e-9) {
      double pad = Math.max(Math.abs(max) * 0.05, percent ? 0.01 : 1e-3);
      min -= pad;
      max += pad;
    } else if (!yFromZero) {
      double pad = (max - min) * 0.06;
      min -= pad;
      max += pad;
    }
    if (percent) {
      min = Math.max(0, min);
      max = Math.min(1, max);
    }
    return new double[] {min, max};
  }

  private String formatY(double v, double step) {
    if (percent) {
      int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step * 100) - 1e-9));
      return String.format(Locale.ROOT, "%." + decimals + "f%%", v * 100);
    }
    int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
    return String.format(Locale.ROOT, "%." + Math.min(decimals, 6) + "f", v);
  }

  private static String formatX(double v) {
    return v == Math.rint(v)
        ? String.valueOf((long) v)
        : BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  private static boolean isolated(Series s, int i) {
    return finite(s.x()[i])
        && finite(s.y()[i])
        && (i == 0 || !finite(s.x()[i - 1]) || !finite(s.y()[i - 1]))
        && (i == s.x().length - 1 || !finite(s.x()[i + 1]) || !finite(s.y()[i + 1]));
  }

  private static boolean finite(double v) {
    return !Double.isNaN(v) && !Double.isInfinite(v);
  }

  /** Linear map from data to pixels. */
  private record Scale(double d0, double d1, double p0, double p1) {
    double map(double v) {
      return p0 + (v - d0) / (d1 - d0) * (p1 - p0);
    }
  }

  /** Tick positions {@code min, min+step, ..., max}. */
  private record Ticks(double min, double max, double step) {

    List<Double> values() {
      List<Double> values = new ArrayList<>();
      for (int i = 0; min + i * step <= max + step * 1e-6; i++) {
        values.add(min + i * step);
      }
      return values;
    }

    /** Heckbert's nice numbers: steps of 1, 2 or 5 times a power of ten, covering the range. */
    static Ticks nice(double lo, double hi, int count, boolean fromZero, boolean percent) {
      double step = niceStep((hi - lo) / Math.max(1, count - 1));
      double min = Math.floor(lo / step + 1e-9) * step;
      double max = Math.ceil(hi / step - 1e-9) * step;
      if (fromZero && lo >= 0) {
        min = 0;
      }
      if (percent) {
        min = Math.max(0, min);
        max = Math.min(1, max);
      }
      return new Ticks(min, max, step);
    }

    /** Whole-number ticks (epochs). */
    static Ticks integers(double lo, double hi, int count) {
      double step = niceStep((hi - lo) / Math.max(1, count - 1));
      // Whole epochs, except within about one epoch (logged steps only), where quarters help.
      step = hi - lo <= 1.5 ? Math.max(0.25, step) : Math.ceil(Math.max(1, step));
      double min = Math.ceil(lo / step - 1e-9) * step;
      double max = Math.floor(hi / step + 1e-9) * step;
      if (max < min) {
        max = min;
      }
      return new Ticks(min, max, step);
    }

    private static double niceStep(double raw) {
      if (raw <= 0 || !Double.isFinite(raw)) {
        return 1;
      }
      double exponent = Math.floor(Math.log10(raw));
      double fraction = raw / Math.pow(10, exponent);
      double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
      return nice * Math.pow(10, exponent);
    }
  }
}
