//! Bar charts drawn on the server as inline SVG: readable without
//! JavaScript, printable, and accessible — each chart is an image named by
//! its `<title>`, described by a `<desc>` that lists every value, and each
//! bar carries its label and value as text beside it (and a `<title>` for
//! pointers). Colours come from the style sheet's palette with a contrast
//! of at least 4.5:1 on white (bars: the brand blue, 8.6:1).
//!
//! Horizontal bars, one row each, so that long labels (party names,
//! areas) stay readable; the drawing scales to its container through its
//! `viewBox`.

use std::fmt::Write as _;

/// Width of the drawing, in SVG units.
const WIDTH: u32 = 640;
/// Where bars start: the labels are right-aligned before it.
const LABEL_WIDTH: u32 = 250;
/// The room left after the longest bar for its value.
const VALUE_ROOM: u32 = 60;
/// Height of a row, and of its bar.
const ROW: u32 = 26;
const BAR: u32 = 18;
/// Labels longer than this are cut with an ellipsis (the whole one is in
/// the bar's `<title>` and the chart's `<desc>`).
const LABEL_CHARS: usize = 30;

/// One bar: what it counts and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// What the bar stands for, as shown.
    pub label: String,
    /// The count.
    pub value: u64,
}

/// A horizontal bar chart.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// The `id` of the `<svg>`; its title and description get `-title` and
    /// `-desc` added.
    pub id: String,
    /// The chart's name (its accessible name).
    pub title: String,
    /// The bars, in the order shown.
    pub bars: Vec<Bar>,
}

/// `text` with XML's special characters escaped, for text and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `label`, cut to [`LABEL_CHARS`] characters with an ellipsis.
fn cut(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let kept: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", kept.trim_end())
    }
}

impl BarChart {
    /// A chart of `bars` named `title`.
    pub fn new(id: &str, title: impl Into<String>, bars: Vec<Bar>) -> Self {
        Self {
            id: id.to_owned(),
            title: title.into(),
            bars,
        }
    }

    /// Whether there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.bars.is_empty()
    }

    /// The sum of the bars.
    pub fn total(&self) -> u64 {
        self.bars.iter().map(|b| b.value).sum()
    }

    /// Every bar as `label: value`, for the description.
    fn described(&self) -> String {
        let parts: Vec<String> = self
            .bars
            .iter()
            .map(|b| format!("{}: {}", b.label, b.value))
            .collect();
        parts.join("; ")
    }

    /// The `<svg>` element, ready to be placed in the page as is.
    pub fn svg(&self) -> String {
        let id = escape(&self.id);
        let height = ROW * self.bars.len() as u32 + 8;
        let max = self.bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
        let room = WIDTH - LABEL_WIDTH - VALUE_ROOM;
        let mut svg = String::with_capacity(400 + 300 * self.bars.len());
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{id}\" \
             viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
             aria-labelledby=\"{id}-title {id}-desc\">\
             <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            escape(&self.title),
            escape(&self.described()),
        );
        for (i, bar) in self.bars.iter().enumerate() {
            let y = 4 + ROW * i as u32;
            // At least a sliver for a non-zero value, so it shows.
            let width = match bar.value {
                0 => 0,
                v => ((v as f64 / max as f64) * room as f64).round().max(2.0) as u32,
            };
            let label = escape(&bar.label);
            let middle = y + ROW / 2;
            let _ = write!(
                svg,
                "<g class=\"row\"><title>{label}: {value}</title>\
                 <text class=\"label\" x=\"{lx}\" y=\"{middle}\" text-anchor=\"end\" \
                 dominant-baseline=\"middle\">{shown}</text>\
                 <rect class=\"bar\" x=\"{LABEL_WIDTH}\" y=\"{by}\" width=\"{width}\" \
                 height=\"{BAR}\" data-label=\"{label}\" data-value=\"{value}\"/>\
                 <text class=\"value\" x=\"{vx}\" y=\"{middle}\" \
                 dominant-baseline=\"middle\">{value}</text></g>",
                value = bar.value,
                lx = LABEL_WIDTH - 8,
                shown = escape(&cut(&bar.label)),
                by = y + (ROW - BAR) / 2,
                vx = LABEL_WIDTH + width + 6,
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(values: &[(&str, u64)]) -> Vec<Bar> {
        values
            .iter()
            .map(|(label, value)| Bar {
                label: (*label).to_owned(),
                value: *value,
            })
            .collect()
    }

    /// The values of an attribute, in order.
    fn attrs<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
        let needle = format!(" {name}=\"");
        svg.match_indices(&needle)
            .map(|(i, _)| {
                let rest = &svg[i + needle.len()..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect()
    }

    #[test]
    fn bars_are_drawn_to_scale_with_their_labels_and_values() {
        let chart = BarChart::new(
            "by-area",
            "Exchanges by area",
            bars(&[("investment", 4), ("training", 2), ("trade", 0)]),
        );
        let svg = chart.svg();
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 3);
        assert_eq!(
            attrs(&svg, "data-label"),
            ["investment", "training", "trade"]
        );
        assert_eq!(attrs(&svg, "data-value"), ["4", "2", "0"]);
        let widths: Vec<u32> = svg
            .match_indices("<rect class=\"bar\"")
            .map(|(i, _)| attrs(&svg[i..], "width")[0].parse().unwrap())
            .collect();
        assert_eq!(widths, [330, 165, 0], "the longest bar fills the room");
        assert!(svg.contains("<title id=\"by-area-title\">Exchanges by area</title>"));
        assert!(svg.contains("investment: 4; training: 2; trade: 0"));
        assert!(svg.contains("aria-labelledby=\"by-area-title by-area-desc\""));
        assert!(svg.contains("role=\"img\""));
        assert_eq!(chart.total(), 6);
        // Height follows the rows.
        assert!(svg.contains("viewBox=\"0 0 640 86\""), "{svg}");
    }

    #[test]
    fn labels_are_escaped_and_long_ones_cut() {
        let long = "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai <&> \"KCN\"";
        let chart = BarChart::new("p", "A & B", bars(&[(long, 1)]));
        let svg = chart.svg();
        assert!(!svg.contains("<&>"), "{svg}");
        assert!(svg.contains("A &amp; B"));
        assert!(
            svg.contains("&lt;&amp;&gt; &quot;KCN&quot;"),
            "the whole label in the title"
        );
        assert!(
            svg.contains(">Ban quản lý các Khu công nghi…</text>"),
            "{svg}"
        );
        // A small non-zero value still shows as a sliver.
        let tiny = BarChart::new("t", "t", bars(&[("a", 1000), ("b", 1)])).svg();
        let b = tiny.rfind("<rect").unwrap();
        assert_eq!(attrs(&tiny[b..], "width")[0], "2");
    }

    #[test]
    fn an_empty_chart_draws_no_bar() {
        let chart = BarChart::new("e", "Empty", Vec::new());
        assert!(chart.is_empty());
        assert!(!chart.svg().contains("<rect"));
    }
}
