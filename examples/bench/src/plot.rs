//! The growth mode's plots, drawn as SVG with plotters: p50 latency against size, one colour
//! per operation, the SCIM app as a solid line with filled markers and the ceiling as a
//! lighter dashed line with hollow markers in the same colour, the legend beside the chart.
//! An axis is logarithmic when its values span a decade or more (x unless kept linear). Knows nothing of what was
//! measured or how.

use std::path::Path;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::BoxError;

/// Width of the whole picture, in pixels.
const WIDTH: u32 = 1040;
/// Height of the whole picture, in pixels.
const HEIGHT: u32 = 580;
/// Width of the legend beside the chart, in pixels.
const LEGEND_WIDTH: u32 = 290;

/// One colour per operation, in the order the series come (Tableau's ten).
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// One operation's points on both sides: `(x, p50 in ms)`, x increasing.
pub struct Series {
    /// The operation, as the legend names it.
    pub name: String,
    /// The SCIM app's points.
    pub scim: Vec<(f64, f64)>,
    /// The ceiling's points.
    pub ceiling: Vec<(f64, f64)>,
}

/// A plot: its texts and its series.
pub struct Figure<'a> {
    /// The title above the chart.
    pub title: &'a str,
    /// What x is.
    pub x_label: &'a str,
    /// Keeps x linear even when it spans decades (positions spread evenly).
    pub linear_x: bool,
    /// What y is.
    pub y_label: &'a str,
    /// The legend's name for the solid lines.
    pub scim_label: &'a str,
    /// The legend's name for the dashed lines.
    pub ceiling_label: &'a str,
    /// The operations.
    pub series: &'a [Series],
}

/// Draws `figure` into the SVG file `path`.
pub fn draw(path: &Path, figure: &Figure<'_>) -> Result<(), BoxError> {
    let root = SVGBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let (chart_area, legend_area) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
    let points = || {
        figure
            .series
            .iter()
            .flat_map(|s| s.scim.iter().chain(&s.ceiling))
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
    };
    let (x_min, x_max) = bounds(points().map(|(x, _)| *x));
    let (y_min, y_max) = bounds(points().map(|(_, y)| *y));
    let x_log = !figure.linear_x && x_max >= 10.0 * x_min;
    let y_log = y_max >= 10.0 * y_min;
    let x_linear = 0.0..x_max * 1.05;
    let x_logs = (x_min / 1.4..x_max * 1.4).log_scale();
    let y_linear = 0.0..y_max * 1.15;
    let y_logs = (y_min / 1.6..y_max * 1.6).log_scale();
    match (x_log, y_log) {
        (false, false) => chart(&chart_area, figure, (x_linear, y_linear), (false, false))?,
        (false, true) => chart(&chart_area, figure, (x_linear, y_logs), (false, true))?,
        (true, false) => chart(&chart_area, figure, (x_logs, y_linear), (true, false))?,
        (true, true) => chart(&chart_area, figure, (x_logs, y_logs), (true, true))?,
    }
    legend(&legend_area, figure)?;
    root.present()?;
    Ok(())
}

/// The least and greatest of some positive numbers (`1..10` when there are none).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, 0.0_f64), |(low, high), v| {
        (low.min(v), high.max(v))
    });
    if high > 0.0 {
        (low, high)
    } else {
        (1.0, 10.0)
    }
}

/// The chart: mesh, labels, title and the series, on `x` and `y` (linear or log ranges, as
/// `logs` says).
fn chart<X, Y>(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    figure: &Figure<'_>,
    (x, y): (X, Y),
    (x_log, y_log): (bool, bool),
) -> Result<(), BoxError>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(figure.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(46)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc(figure.x_label)
        .y_desc(figure.y_label)
        // A log axis is asked for many ticks so it has 2× and 5× ones to label.
        .x_labels(if x_log { 40 } else { 11 })
        .y_labels(if y_log { 40 } else { 11 })
        .x_label_formatter(&|v| label(*v, x_log, count))
        .y_label_formatter(&|v| label(*v, y_log, millis))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    for (series, colour) in figure.series.iter().zip(COLOURS.iter().cycle()) {
        let solid = colour.filled().stroke_width(2);
        let light = colour.mix(0.55).stroke_width(2);
        chart.draw_series(LineSeries::new(series.scim.iter().copied(), solid).point_size(4))?;
        chart.draw_series(DashedLineSeries::new(
            series.ceiling.iter().copied(),
            7,
            5,
            light,
        ))?;
        chart.draw_series(
            series
                .ceiling
                .iter()
                .map(|point| Circle::new(*point, 4, light)),
        )?;
    }
    Ok(())
}

/// The legend: each operation's colour and name, then which line is which side.
fn legend(area: &DrawingArea<SVGBackend<'_>, Shift>, figure: &Figure<'_>) -> Result<(), BoxError> {
    let font = ("sans-serif", 14).into_font();
    let mut top = 60;
    for (series, colour) in figure.series.iter().zip(COLOURS.iter().cycle()) {
        area.draw(&PathElement::new(
            vec![(8, top), (40, top)],
            colour.stroke_width(3),
        ))?;
        area.draw(&Circle::new((24, top), 4, colour.filled()))?;
        area.draw(&Text::new(series.name.clone(), (50, top - 7), font.clone()))?;
        top += 26;
    }
    top += 14;
    let grey = RGBColor(90, 90, 90);
    area.draw(&PathElement::new(
        vec![(8, top), (40, top)],
        grey.stroke_width(2),
    ))?;
    area.draw(&Circle::new((24, top), 4, grey.filled()))?;
    area.draw(&Text::new(figure.scim_label, (50, top - 7), font.clone()))?;
    top += 26;
    let light = grey.mix(0.55).stroke_width(2);
    area.draw(&DashedPathElement::new(
        vec![(8, top), (40, top)],
        7,
        5,
        light,
    ))?;
    area.draw(&Circle::new((24, top), 4, light))?;
    area.draw(&Text::new(figure.ceiling_label, (50, top - 7), font))?;
    Ok(())
}

/// A tick's label: every tick's on a linear axis; on a log axis only those at 1, 2 and 5
/// times a power of ten (the others keep their grid line, unlabelled, so labels do not
/// crowd).
fn label(value: f64, log: bool, format: fn(f64) -> String) -> String {
    let shown = !log
        || (value > 0.0 && {
            let mantissa = value / 10_f64.powf(value.log10().floor());
            [1.0, 2.0, 5.0, 10.0]
                .iter()
                .any(|m| (mantissa - m).abs() < 1e-6 * m)
        });
    if shown {
        format(value)
    } else {
        String::new()
    }
}

/// `10k`, `1M`, `250` for a count on an axis.
fn count(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, unit) = if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    if (scaled - scaled.round()).abs() < 1e-9 {
        format!("{scaled:.0}{unit}")
    } else {
        format!("{scaled:.1}{unit}")
    }
}

/// Milliseconds on an axis, with as many decimals as small values need.
fn millis(value: f64) -> String {
    if value >= 10.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.1}")
    } else if value >= 0.1 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}
