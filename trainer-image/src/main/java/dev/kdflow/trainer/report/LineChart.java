package dev.kdflow.trainer.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYDrawableAnnotation;
import org.jfree.chart.annotations.XYPointerAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.Range;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A training-curve chart described in the report's terms (series, a highlighted point, vertical
 * event lines) and drawn by JFreeChart. Non-finite values (a NaN loss) break a line instead of
 * breaking the chart; a point with no finite neighbour is shown as a dot.
 */
final class LineChart {

  /** Colours that stay distinguishable for most colour-vision deficiencies (Tableau 10). */
  static final Color BLUE = new Color(0x1F77B4);

  static final Color ORANGE = new Color(0xFF7F0E);
  static final Color GREEN = new Color(0x2CA02C);
  static final Color RED = new Color(0xD62728);
  static final Color PURPLE = new Color(0x9467BD);
  static final Color GREY = new Color(0x7F7F7F);

  private static final Color TEXT = new Color(0x222222);
  private static final Color MUTED = new Color(0x555555);
  private static final Color GRID = new Color(0xE8E8E8);
  private static final Color EVENT = new Color(0xB0B0B0);

  /** Above this many points a series is drawn as a line only. */
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
    return toJFreeChart().createBufferedImage(width, height, BufferedImage.TYPE_INT_RGB, null);
  }

  /** PNG bytes of an image. */
  static byte[] png(BufferedImage image) {
    try {
      return ChartUtils.encodeAsPNG(image);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The chart as a JFreeChart model: one dataset and renderer per series, in the order added. */
  JFreeChart toJFreeChart() {
    NumberAxis xAxis = new NumberAxis(xLabel);
    xAxis.setAutoRangeIncludesZero(xFromZero);
    NumberAxis yAxis = new NumberAxis(yLabel);
    yAxis.setAutoRangeIncludesZero(yFromZero);
    XYPlot plot = new XYPlot(null, xAxis, yAxis, null);
    // Later series on top: the faint step-level lines go under the epoch curves.
    plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setOutlineVisible(false);
    plot.setDomainGridlinePaint(GRID);
    plot.setRangeGridlinePaint(GRID);
    plot.setDomainGridlineStroke(new BasicStroke(1f));
    plot.setRangeGridlineStroke(new BasicStroke(1f));
    plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
    plot.setNoDataMessage(emptyMessage);
    plot.setNoDataMessageFont(new Font(Font.SANS_SERIF, Font.ITALIC, 15));
    plot.setNoDataMessagePaint(MUTED);

    int index = 0;
    for (Series s : series) {
      if (!hasFinitePoint(s)) {
        continue;
      }
      // Kept in the given order (no sorting) so that item i is point i of the series; a
      // non-finite value becomes NaN, where JFreeChart lifts the pen.
      XYSeries data = new XYSeries(s.name(), false, true);
      for (int i = 0; i < s.x().length; i++) {
        data.add(s.x()[i], finite(s.y()[i]) ? s.y()[i] : Double.NaN);
      }
      plot.setDataset(index, new XYSeriesCollection(data));
      plot.setRenderer(index, new SeriesRenderer(s));
      index++;
    }
    if (index > 0) {
      if (span(plot) > 1.5) {
        // Whole epochs; within about one epoch (logged steps only) finer ticks help.
        xAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
      }
      if (percent) {
        NumberFormat format = NumberFormat.getPercentInstance(Locale.ROOT);
        format.setMaximumFractionDigits(1);
        yAxis.setNumberFormatOverride(format);
        Range range = yAxis.getRange();
        double lower = Math.max(0, range.getLowerBound());
        double upper = Math.min(1, range.getUpperBound());
        if (upper > lower) {
          yAxis.setRange(lower, upper);
        }
      }
      for (Event e : events) {
        ValueMarker line =
            new ValueMarker(
                e.x(),
                EVENT,
                new BasicStroke(
                    1.2f,
                    BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER,
                    10f,
                    new float[] {5f, 4f},
                    0f));
        line.setLabel(e.label());
        line.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        line.setLabelPaint(MUTED);
        line.setLabelBackgroundColor(new Color(255, 255, 255, 215));
        line.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        line.setLabelTextAnchor(TextAnchor.TOP_LEFT);
        plot.addDomainMarker(line, Layer.BACKGROUND);
      }
      for (Marker m : markers) {
        if (finite(m.x()) && finite(m.y())) {
          plot.addAnnotation(ring(m));
          plot.addAnnotation(label(m));
        }
      }
    }

    JFreeChart chart =
        new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 18), plot, index > 0);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setPaint(TEXT);
    if (chart.getLegend() != null) {
      chart.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      chart.getLegend().setFrame(new BlockBorder(Color.WHITE));
    }
    return chart;
  }

  /** A ring of fixed size in pixels around the highlighted point. */
  private static XYDrawableAnnotation ring(Marker m) {
    return new XYDrawableAnnotation(
        m.x(),
        m.y(),
        18,
        18,
        (g, area) -> {
          g.setPaint(m.color());
          g.setStroke(new BasicStroke(2.2f));
          g.draw(
              new Ellipse2D.Double(
                  area.getX() + 1, area.getY() + 1, area.getWidth() - 2, area.getHeight() - 2));
        });
  }

  /** The highlighted point's label, below it (a best accuracy sits near the top of its curve). */
  private static XYPointerAnnotation label(Marker m) {
    XYPointerAnnotation label = new XYPointerAnnotation(m.label(), m.x(), m.y(), Math.PI / 2);
    label.setTipRadius(10);
    label.setBaseRadius(34);
    label.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
    label.setPaint(m.color());
    label.setArrowPaint(m.color());
    label.setBackgroundPaint(new Color(255, 255, 255, 225));
    label.setOutlineVisible(true);
    label.setOutlinePaint(m.color());
    label.setTextAnchor(TextAnchor.TOP_CENTER);
    return label;
  }

  /** The x extent of all plotted data. */
  private static double span(XYPlot plot) {
    Range range = plot.getDataRange(plot.getDomainAxis());
    return range == null ? 0 : range.getLength();
  }

  /** One series' look: colour with its opacity, stroke, and dots where the series wants them. */
  private static final class SeriesRenderer extends XYLineAndShapeRenderer {
    private static final long serialVersionUID = 1L;

    private final transient Series series;
    private final boolean dots;

    SeriesRenderer(Series s) {
      super(true, true);
      this.series = s;
      this.dots = s.dots() && s.x().length <= MAX_DOTS;
      Color c = s.color();
      setSeriesPaint(
          0, new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.round(s.alpha() * 255)));
      setSeriesStroke(0, stroke(s));
      double r = dots ? Math.max(2.5, s.width() + 1.2) : s.width() + 1;
      setSeriesShape(0, new Ellipse2D.Double(-r, -r, 2 * r, 2 * r));
      setDrawOutlines(dots);
      setUseOutlinePaint(true);
      setSeriesOutlinePaint(0, Color.WHITE);
      setSeriesOutlineStroke(0, new BasicStroke(1f));
    }

    @Override
    public boolean getItemShapeVisible(int seriesIndex, int item) {
      // A point with no finite neighbour draws no line segment; it still needs a dot.
      return dots || isolated(series, item);
    }
  }

  private static Stroke stroke(Series s) {
    return s.dashed()
        ? new BasicStroke(
            s.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {7f, 5f}, 0f)
        : new BasicStroke(s.width(), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
  }

  private static boolean hasFinitePoint(Series s) {
    for (int i = 0; i < s.x().length; i++) {
      if (finite(s.x()[i]) && finite(s.y()[i])) {
        return true;
      }
    }
    return false;
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
}
