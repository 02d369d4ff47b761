//! The plot of counted hours over time: an SVG drawn on the server, with the requirement as a
//! line. Its text says in words what it shows, for a screen reader as for the eye.

use rsc_model::Date;

/// One point: the hours counted in the window ending on `on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The window's last day.
    pub on: Date,
    /// Minutes counted in it.
    pub minutes: u64,
}

/// The plot's width for a page's column; [`NARROW`] for a phone's, where the same text at
/// the same size stays readable.
pub const WIDE: f64 = 640.0;
/// See [`WIDE`].
pub const NARROW: f64 = 360.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The SVG of `points` (oldest first) against `required_minutes`, titled `title`, `width` wide.
pub fn svg(points: &[Point], required_minutes: u64, title: &str, width: f64) -> String {
    let most = points.iter().map(|p| p.minutes).max().unwrap_or(0).max(required_minutes).max(60);
    // Round the scale up to a whole number of 10-hour steps.
    let top_hours = (most as f64 / 60.0 / 10.0).ceil().max(1.0) * 10.0;
    let (first, last) = match (points.first(), points.last()) {
        (Some(f), Some(l)) => (f.on, l.on),
        _ => return String::new(),
    };
    let span = last.days_since(first).max(1) as f64;
    let x = |d: Date| LEFT + (width - LEFT - RIGHT) * d.days_since(first) as f64 / span;
    let y = |minutes: u64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - minutes as f64 / 60.0 / top_hours);
    let mut out = String::new();
    let description = format!(
        "{}: from {} to {}, the hours counted in the window rose or fell to {} h against the {} h required.",
        title,
        first,
        last,
        points.last().map(|p| p.minutes / 60).unwrap_or(0),
        required_minutes / 60
    );
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {HEIGHT}\" role=\"img\" aria-labelledby=\"plot-title plot-desc\" font-family=\"system-ui, DejaVu Sans, sans-serif\">\
         <title id=\"plot-title\">{}</title><desc id=\"plot-desc\">{}</desc>",
        escape(title),
        escape(&description)
    ));
    // Horizontal grid every 10 hours (or 5 steps at most), labelled.
    let step = (top_hours / 5.0 / 10.0).ceil().max(1.0) * 10.0;
    let mut h = 0.0;
    while h <= top_hours + 0.01 {
        let gy = y((h * 60.0) as u64);
        out.push_str(&format!(
            "<line x1=\"{LEFT}\" y1=\"{gy:.1}\" x2=\"{:.1}\" y2=\"{gy:.1}\" stroke=\"#d0d4da\" stroke-width=\"1\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"end\" fill=\"#3b4350\">{h} h</text>",
            width - RIGHT,
            LEFT - 6.0,
            gy + 4.0
        ));
        h += step;
    }
    // Year or half-year ticks along the bottom: the first day of January and July.
    let mut tick = Date::from_ymd(first.year(), 1, 1).unwrap_or(first);
    while tick <= last {
        if tick >= first {
            let tx = x(tick);
            out.push_str(&format!(
                "<line x1=\"{tx:.1}\" y1=\"{:.1}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"#3b4350\"/>\
                 <text x=\"{tx:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#3b4350\">{}</text>",
                HEIGHT - BOTTOM,
                HEIGHT - BOTTOM + 5.0,
                HEIGHT - BOTTOM + 18.0,
                &tick.to_string()[..7]
            ));
        }
        tick = tick.plus_months(6);
    }
    // The requirement.
    let ry = y(required_minutes);
    out.push_str(&format!(
        "<line x1=\"{LEFT}\" y1=\"{ry:.1}\" x2=\"{:.1}\" y2=\"{ry:.1}\" stroke=\"#b3261e\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"14\" text-anchor=\"end\" fill=\"#b3261e\">required: {} h</text>",
        width - RIGHT,
        width - RIGHT,
        ry - 6.0,
        required_minutes / 60
    ));
    // The counted hours, as steps: a window's total holds until the next point.
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, x(p.on), y(p.minutes)))
        .collect();
    out.push_str(&format!(
        "<path d=\"{}\" fill=\"none\" stroke=\"#1b5fa8\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>",
        path.join(" ")
    ));
    out.push_str(&format!(
        "<line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#3b4350\"/></svg>",
        HEIGHT - BOTTOM,
        width - RIGHT,
        HEIGHT - BOTTOM
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plot_draws_every_point_and_the_requirement_and_escapes_its_title() {
        let day = |m: u32| Date::from_ymd(2025, m, 1).expect("date");
        let points =
            [Point { on: day(1), minutes: 0 }, Point { on: day(4), minutes: 600 }, Point { on: day(8), minutes: 1800 }];
        let svg = svg(&points, 3000, "Hours <NMAIMH> & co", WIDE);
        assert!(svg.contains("Hours &lt;NMAIMH&gt; &amp; co"), "{svg}");
        assert!(svg.contains("required: 50 h"));
        let path = svg.split("<path d=\"").nth(1).expect("a path").split('"').next().expect("d");
        assert_eq!(path.split(' ').count(), 3, "{path}");
        // The latest point is the highest (smallest y), and the first sits on the axis.
        let ys: Vec<f64> =
            path.split(' ').map(|p| p[1..].split(',').nth(1).expect("y").parse().expect("number")).collect();
        assert!(ys[2] < ys[1] && ys[1] < ys[0], "{ys:?}");
        assert!((ys[0] - (HEIGHT - BOTTOM)).abs() < 0.1, "{ys:?}");
        assert!(svg.contains("2025-07"), "half-year ticks: {svg}");
        assert_eq!(super::svg(&[], 3000, "x", WIDE), "");
    }
}
