//! The return as one self-contained HTML page: no scripts, no fonts or
//! images fetched from anywhere, CSS inline and set for printing on A4. The
//! same sections as the table, plus two bar charts drawn as inline SVG.
//!
//! Pure: a `Page` in, a `String` out. Every piece of text is escaped.

use super::{Cell, Section};
use std::fmt::Write;

/// Everything on the page.
pub struct Page<'a> {
    /// The page title and main heading, e.g. "Return 2021-04".
    pub title: String,
    /// Label and value pairs for the header (period, service, suppression,
    /// generated at).
    pub header: Vec<(String, String)>,
    pub charts: Vec<Chart>,
    pub sections: &'a [Section],
}

/// A horizontal bar chart: one bar per label. A value that is not a number
/// (a suppressed count, "<5") is shown as text with no bar.
pub struct Chart {
    pub title: String,
    pub bars: Vec<(String, Cell)>,
}

const CSS: &str = "\
@page { size: A4; margin: 15mm 14mm; }
* { box-sizing: border-box; }
body { font-family: \"Helvetica Neue\", Arial, \"DejaVu Sans\", sans-serif; font-size: 10.5pt;
  line-height: 1.35; color: #111; background: #fff; margin: 0 auto; max-width: 180mm; padding: 8mm 0; }
h1 { font-size: 18pt; margin: 0 0 4pt; }
h2 { font-size: 12.5pt; margin: 14pt 0 4pt; border-bottom: 1px solid #999; padding-bottom: 2pt; }
header dl { display: grid; grid-template-columns: max-content auto; gap: 1pt 10pt; margin: 4pt 0 8pt; }
header dt { font-weight: bold; }
header dd { margin: 0; }
p.note { margin: 2pt 0 4pt; color: #333; }
table { border-collapse: collapse; width: 100%; margin: 2pt 0 6pt; }
th, td { border: 1px solid #bbb; padding: 2pt 5pt; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr, figure, section.chart { break-inside: avoid; page-break-inside: avoid; }
h2 { break-after: avoid; page-break-after: avoid; }
figure { margin: 4pt 0 8pt; }
svg text { font-family: inherit; font-size: 11px; fill: #111; }
svg rect.bar { fill: #4a6fa5; }
.charts { display: flex; flex-wrap: wrap; gap: 0 12mm; }
footer { margin-top: 12pt; font-size: 9pt; color: #444; }
";

/// Escape text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The whole page.
pub fn render(page: &Page) -> String {
    let mut h = String::new();
    let title = escape(&page.title);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<title>{title}</title>");
    let _ = writeln!(h, "<style>\n{CSS}</style>\n</head>\n<body>");
    let _ = writeln!(h, "<header>\n<h1>{title}</h1>\n<dl>");
    for (k, v) in &page.header {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
    }
    h.push_str("</dl>\n</header>\n<main>\n");
    if !page.charts.is_empty() {
        h.push_str("<div class=\"charts\">\n");
        for c in &page.charts {
            chart(&mut h, c);
        }
        h.push_str("</div>\n");
    }
    for s in page.sections {
        section(&mut h, s);
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn section(h: &mut String, s: &Section) {
    let _ = writeln!(h, "<section>\n<h2>{}</h2>", escape(&s.title));
    for line in s.note.lines().filter(|l| !l.trim().is_empty()) {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(line));
    }
    if s.rows.is_empty() {
        h.push_str("<p class=\"note\">(none)</p>\n</section>\n");
        return;
    }
    h.push_str("<table>\n<thead><tr>");
    for c in &s.columns {
        let _ = write!(h, "<th scope=\"col\">{}</th>", escape(&friendly(c)));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &s.rows {
        h.push_str("<tr>");
        for cell in row {
            let text = escape(&cell.for_table());
            if numeric(cell) {
                let _ = write!(h, "<td class=\"n\">{text}</td>");
            } else {
                let _ = write!(h, "<td>{text}</td>");
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

/// Right-aligned: numbers, and withheld counts ("<5") that stand for one.
fn numeric(c: &Cell) -> bool {
    match c {
        Cell::Text(t) => t.starts_with('<') || t == crate::report::suppress::CONFIDENTIAL,
        _ => c.is_numeric(),
    }
}

/// "paid_in_period" → "Paid in period".
fn friendly(c: &str) -> String {
    let s = c.replace('_', " ");
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => s,
    }
}

const LABEL_W: f64 = 190.0;
const BAR_W: f64 = 250.0;
const ROW_H: f64 = 20.0;

fn chart(h: &mut String, c: &Chart) {
    let max = c.bars.iter().filter_map(|(_, v)| value(v)).fold(0.0_f64, f64::max);
    let width = LABEL_W + BAR_W + 50.0;
    let height = ROW_H * c.bars.len().max(1) as f64 + 4.0;
    let title = escape(&c.title);
    let _ = writeln!(h, "<section class=\"chart\">\n<h2>{title}</h2>\n<figure>");
    let _ = writeln!(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\">"
    );
    let _ = writeln!(h, "<title>{title}</title>");
    for (i, (label, v)) in c.bars.iter().enumerate() {
        let y = ROW_H * i as f64 + 2.0;
        let mid = y + ROW_H / 2.0 + 4.0;
        let _ = writeln!(h, "<text x=\"{}\" y=\"{mid}\" text-anchor=\"end\">{}</text>", LABEL_W - 6.0, escape(label));
        let shown = escape(&v.for_table());
        match value(v) {
            Some(n) => {
                let w = if max > 0.0 { (n / max * BAR_W).round() } else { 0.0 };
                if w > 0.0 {
                    let _ = writeln!(
                        h,
                        "<rect class=\"bar\" x=\"{LABEL_W}\" y=\"{}\" width=\"{w}\" height=\"{}\"/>",
                        y + 3.0,
                        ROW_H - 6.0
                    );
                }
                let _ = writeln!(h, "<text x=\"{}\" y=\"{mid}\">{shown}</text>", LABEL_W + w + 4.0);
            }
            None => {
                let _ = writeln!(h, "<text x=\"{}\" y=\"{mid}\">{shown}</text>", LABEL_W + 4.0);
            }
        }
    }
    h.push_str("</svg>\n</figure>\n</section>\n");
}

/// A bar's length: counts and numbers; anything else (a withheld count) has none.
fn value(c: &Cell) -> Option<f64> {
    match c {
        Cell::Int(i) => Some(*i as f64),
        Cell::Num(n, _) => Some(*n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn a_withheld_count_has_no_bar() {
        let c =
            Chart { title: "T".into(), bars: vec![("a".into(), Cell::Int(10)), ("b".into(), Cell::Text("<5".into()))] };
        let mut h = String::new();
        chart(&mut h, &c);
        assert_eq!(h.matches("<rect").count(), 1);
        assert!(h.contains("&lt;5"));
    }
}
