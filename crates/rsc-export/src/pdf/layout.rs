//! A small page layout for reports: paragraphs and tables that wrap and break across pages,
//! laid out first as lists of drawing operations per page, then drawn with krilla, which shapes
//! the text (rustybuzz) and embeds the font subset it uses. Text is measured with the same
//! shaper, so a wrapped cell is as wide on paper as it was when it was laid out.
//!
//! Coordinates are PDF points with the origin at the top left and y growing downwards.

use std::sync::OnceLock;

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

/// DejaVu Sans (Bitstream Vera licence, `fonts/LICENSE`): Latin, Vietnamese and Navajo
/// letters, combining marks and the modifier apostrophe are all in it.
static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

pub use rsc_rules::Paper;

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Body text.
    Regular,
    /// Headings and headers.
    Bold,
}

fn face(weight: Weight) -> Option<&'static rustybuzz::Face<'static>> {
    static FACES: OnceLock<(Option<rustybuzz::Face<'static>>, Option<rustybuzz::Face<'static>>)> = OnceLock::new();
    let (regular, bold) =
        FACES.get_or_init(|| (rustybuzz::Face::from_slice(REGULAR, 0), rustybuzz::Face::from_slice(BOLD, 0)));
    match weight {
        Weight::Regular => regular.as_ref(),
        Weight::Bold => bold.as_ref(),
    }
}

/// The width of `text` set at `size` points, shaped as krilla will shape it.
pub fn text_width(text: &str, size: f32, weight: Weight) -> f32 {
    let Some(face) = face(weight) else { return 0.0 };
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    let shaped = rustybuzz::shape(face, &[], buffer);
    let advance: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
    advance as f32 * size / f32::from(face.units_per_em() as u16)
}

/// `text` broken into lines no wider than `width`, at spaces where it can be and inside a word
/// only when the word alone is wider.
pub fn wrap(text: &str, width: f32, size: f32, weight: Weight) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if text_width(&candidate, size, weight) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the column is cut between graphemes: a letter keeps its marks.
            let mut piece = String::new();
            for grapheme in unicode_segmentation::UnicodeSegmentation::graphemes(word, true) {
                let before = piece.len();
                piece.push_str(grapheme);
                if text_width(&piece, size, weight) > width && before > 0 {
                    piece.truncate(before);
                    lines.push(std::mem::take(&mut piece));
                    piece.push_str(grapheme);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// One thing drawn on a page.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    Text { x: f32, baseline: f32, size: f32, weight: Weight, text: String },
    Line { x1: f32, y1: f32, x2: f32, y2: f32, width: f32, gray: u8 },
    Fill { x: f32, y: f32, w: f32, h: f32, gray: u8 },
}

/// How a column's text sits in its cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Flush right (numbers).
    Right,
}

/// A table column: its header, its share of the width, and its alignment.
#[derive(Debug, Clone)]
pub struct Column {
    /// The header.
    pub title: String,
    /// Relative width.
    pub share: f32,
    /// Alignment of header and cells.
    pub align: Align,
}

impl Column {
    /// A column.
    pub fn new(title: &str, share: f32, align: Align) -> Column {
        Column { title: title.to_string(), share, align }
    }
}

/// Pages being laid out.
pub struct Layout {
    width: f32,
    height: f32,
    margin: f32,
    pages: Vec<Vec<Op>>,
    /// Where the next block starts on the current page.
    y: f32,
    /// The footer every page carries, besides its number.
    footer: String,
}

const LEADING: f32 = 1.3;
const CELL_PAD: f32 = 3.0;

impl Layout {
    /// An empty document on `paper`, with `footer` at the foot of each page.
    pub fn new(paper: Paper, footer: &str) -> Layout {
        let (width, height) = paper.size();
        let mut layout = Layout { width, height, margin: 48.0, pages: Vec::new(), y: 0.0, footer: footer.to_string() };
        layout.new_page();
        layout
    }

    /// The width between the margins.
    pub fn content_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }

    fn bottom(&self) -> f32 {
        self.height - self.margin - 14.0
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.margin;
    }

    /// Makes room for `height` points, on a new page when this one has too little left.
    pub fn room(&mut self, height: f32) -> bool {
        if self.y + height > self.bottom() {
            self.new_page();
            return true;
        }
        false
    }

    /// Vertical space.
    pub fn space(&mut self, points: f32) {
        self.y += points;
    }

    /// Text at a position (its top), for the caller that places it.
    pub fn text_at(&mut self, x: f32, top: f32, size: f32, weight: Weight, text: &str) {
        let baseline = top + size;
        self.ops().push(Op::Text { x, baseline, size, weight, text: text.to_string() });
    }

    /// A wrapped paragraph across the content width, indented by `indent`.
    pub fn paragraph(&mut self, text: &str, size: f32, weight: Weight, indent: f32) {
        let lines = wrap(text, self.content_width() - indent, size, weight);
        for line in lines {
            self.room(size * LEADING);
            let (x, y) = (self.margin + indent, self.y);
            self.text_at(x, y, size, weight, &line);
            self.y += size * LEADING;
        }
    }

    /// A section heading, kept with at least a few lines of what follows.
    pub fn heading(&mut self, text: &str) {
        self.room(60.0);
        self.space(6.0);
        self.paragraph(text, 12.5, Weight::Bold, 0.0);
        let (x1, x2, y) = (self.margin, self.width - self.margin, self.y);
        self.ops().push(Op::Line { x1, y1: y, x2, y2: y, width: 0.6, gray: 120 });
        self.space(5.0);
    }

    /// A horizontal rule with `label` under it at `x` of width `w`: a place to sign.
    pub fn signature_line(&mut self, x: f32, w: f32, label: &str) {
        let y = self.y + 22.0;
        self.ops().push(Op::Line { x1: x, y1: y, x2: x + w, y2: y, width: 0.6, gray: 0 });
        self.text_at(x, y + 2.0, 7.5, Weight::Regular, label);
    }

    /// Dark squares of a QR code, `module` points each, its top left at (`x`, `y`).
    pub fn qr(&mut self, x: f32, y: f32, module: f32, code: &qrcode::QrCode) {
        let width = code.width();
        let colors = code.to_colors();
        for (i, color) in colors.iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let (col, row) = ((i % width) as f32, (i / width) as f32);
                self.ops().push(Op::Fill { x: x + col * module, y: y + row * module, w: module, h: module, gray: 0 });
            }
        }
    }

    /// Where the next block starts, and the left margin.
    pub fn cursor(&self) -> (f32, f32) {
        (self.margin, self.y)
    }

    /// A table across the content width: a shaded header row, repeated at the top of each page
    /// the table continues on, and rows whose cells wrap; a row is never split across pages.
    pub fn table(&mut self, columns: &[Column], rows: &[Vec<String>], size: f32) {
        let width = self.content_width();
        let widths = column_widths(columns, width, size);
        let line = size * LEADING;
        let header: Vec<Vec<String>> =
            columns.iter().zip(&widths).map(|(c, w)| wrap(&c.title, w - 2.0 * CELL_PAD, size, Weight::Bold)).collect();
        let header_height = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * line + 2.0 * CELL_PAD;
        self.room(header_height + line * 2.0 + 2.0 * CELL_PAD);
        self.table_header(columns, &widths, &header, header_height, size);
        // An empty table says so, rather than showing a header over nothing.
        let none = [std::iter::once("None".to_string()).chain(columns.iter().skip(1).map(|_| String::new())).collect()];
        let rows = if rows.is_empty() { &none[..] } else { rows };
        for row in rows {
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(text, w)| wrap(text, w - 2.0 * CELL_PAD, size, Weight::Regular))
                .collect();
            let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * line + 2.0 * CELL_PAD;
            if self.room(height) {
                self.table_header(columns, &widths, &header, header_height, size);
            }
            self.row(columns, &widths, &cells, size, Weight::Regular);
            self.y += height;
            let (x1, x2, y) = (self.margin, self.margin + width, self.y);
            self.ops().push(Op::Line { x1, y1: y, x2, y2: y, width: 0.3, gray: 190 });
        }
        self.space(6.0);
    }

    fn table_header(&mut self, columns: &[Column], widths: &[f32], header: &[Vec<String>], height: f32, size: f32) {
        let (x, y, w) = (self.margin, self.y, self.content_width());
        self.ops().push(Op::Fill { x, y, w, h: height, gray: 225 });
        self.row(columns, widths, header, size, Weight::Bold);
        self.y += height;
    }

    fn row(&mut self, columns: &[Column], widths: &[f32], cells: &[Vec<String>], size: f32, weight: Weight) {
        let mut x = self.margin;
        let top = self.y + CELL_PAD;
        for ((column, width), lines) in columns.iter().zip(widths).zip(cells) {
            for (i, text) in lines.iter().enumerate() {
                let left = match column.align {
                    Align::Left => x + CELL_PAD,
                    Align::Right => x + width - CELL_PAD - text_width(text, size, weight),
                };
                self.text_at(left, top + i as f32 * size * LEADING, size, weight, text);
            }
            x += width;
        }
    }

    /// Draws every page and returns the PDF.
    pub fn finish(mut self, title: &str) -> Result<Vec<u8>, String> {
        let regular = Font::new(REGULAR.into(), 0).ok_or("the regular font does not load")?;
        let bold = Font::new(BOLD.into(), 0).ok_or("the bold font does not load")?;
        let settings = PageSettings::from_wh(self.width, self.height).ok_or("bad page size")?;
        let mut document = Document::new();
        document.set_metadata(
            krilla::metadata::Metadata::new().title(title.to_string()).creator("RSC Logbook".to_string()),
        );
        let count = self.pages.len();
        let footer = std::mem::take(&mut self.footer);
        for (number, ops) in self.pages.iter().enumerate() {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            let page_label = format!("Page {} of {count}", number + 1);
            let foot = self.height - self.margin + 6.0;
            let mut all = ops.clone();
            all.push(Op::Text {
                x: self.margin,
                baseline: foot,
                size: 7.0,
                weight: Weight::Regular,
                text: footer.clone(),
            });
            let label_x = self.width - self.margin - text_width(&page_label, 7.0, Weight::Regular);
            all.push(Op::Text { x: label_x, baseline: foot, size: 7.0, weight: Weight::Regular, text: page_label });
            for op in &all {
                match op {
                    Op::Text { x, baseline, size, weight, text } => {
                        if text.is_empty() {
                            continue;
                        }
                        surface.set_fill(Some(Fill::default()));
                        let font = if *weight == Weight::Bold { bold.clone() } else { regular.clone() };
                        surface.draw_text(Point::from_xy(*x, *baseline), font, *size, text, false, TextDirection::Auto);
                    }
                    Op::Line { x1, y1, x2, y2, width, gray } => {
                        let mut path = PathBuilder::new();
                        path.move_to(*x1, *y1);
                        path.line_to(*x2, *y2);
                        let Some(path) = path.finish() else { continue };
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: krilla::color::luma::Color::new(*gray).into(),
                            width: *width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                    Op::Fill { x, y, w, h, gray } => {
                        let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else { continue };
                        let mut path = PathBuilder::new();
                        path.push_rect(rect);
                        let Some(path) = path.finish() else { continue };
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill {
                            paint: krilla::color::luma::Color::new(*gray).into(),
                            opacity: NormalizedF32::ONE,
                            rule: Default::default(),
                        }));
                        surface.draw_path(&path);
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document.finish().map_err(|e| format!("{e:?}"))
    }

    /// How many pages there are so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }
}

/// Each column's width: its share of `width`, but never so narrow that a word of its title
/// would be broken (those columns take what they need from the others, in proportion).
fn column_widths(columns: &[Column], width: f32, size: f32) -> Vec<f32> {
    let least: Vec<f32> = columns
        .iter()
        .map(|c| {
            let widest = c.title.split_whitespace().map(|w| text_width(w, size, Weight::Bold)).fold(0.0, f32::max);
            widest + 2.0 * CELL_PAD + 0.5
        })
        .collect();
    let mut fixed = vec![false; columns.len()];
    loop {
        let spare =
            width - columns.iter().zip(&least).zip(&fixed).filter(|(_, f)| **f).map(|((_, l), _)| l).sum::<f32>();
        let shares: f32 = columns.iter().zip(&fixed).filter(|(_, f)| !**f).map(|(c, _)| c.share).sum();
        let widths: Vec<f32> = columns
            .iter()
            .zip(&least)
            .zip(&fixed)
            .map(|((c, l), f)| if *f { *l } else { c.share / shares * spare })
            .collect();
        let mut changed = false;
        for (i, w) in widths.iter().enumerate() {
            if !fixed[i] && *w < least[i] {
                fixed[i] = true;
                changed = true;
            }
        }
        if !changed || fixed.iter().all(|f| *f) {
            return widths;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_measured_by_its_shaped_glyphs_and_wrapped_to_fit() {
        let narrow = text_width("iiii", 10.0, Weight::Regular);
        let wide = text_width("WWWW", 10.0, Weight::Regular);
        assert!(narrow > 0.0 && wide > 2.0 * narrow, "{narrow} {wide}");
        assert!(text_width("Nguyễn", 10.0, Weight::Bold) > text_width("Nguyễn", 10.0, Weight::Regular));
        let lines = wrap("Ngozi Okonkwo-Adébáyọ̀ and Bidzííl Dineʼé Yazzie", 80.0, 9.0, Weight::Regular);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l, 9.0, Weight::Regular) <= 80.0), "{lines:?}");
        let rejoined: String = lines.concat().chars().filter(|c| !c.is_whitespace()).collect();
        let expected: String =
            "Ngozi Okonkwo-Adébáyọ̀ and Bidzííl Dineʼé Yazzie".chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(rejoined, expected, "no character is lost: {lines:?}");
        assert!(
            lines.iter().all(|l| !l.starts_with('\u{300}') && !l.starts_with('\u{323}')),
            "marks stay with their letter: {lines:?}"
        );
        let cut = wrap("Supercalifragilisticexpialidocious", 40.0, 9.0, Weight::Regular);
        assert!(cut.len() > 1 && cut.concat() == "Supercalifragilisticexpialidocious", "{cut:?}");
    }

    #[test]
    fn no_column_is_so_narrow_that_its_title_breaks_mid_word() {
        let columns = [
            Column::new("Date", 1.0, Align::Left),
            Column::new("Attended", 0.2, Align::Right),
            Column::new("Counted, or why not", 3.0, Align::Left),
        ];
        let widths = column_widths(&columns, 400.0, 8.0);
        assert!((widths.iter().sum::<f32>() - 400.0).abs() < 0.01, "{widths:?}");
        assert!(widths[1] >= text_width("Attended", 8.0, Weight::Bold) + 2.0 * CELL_PAD, "{widths:?}");
        assert!((widths[2] / widths[0] - 3.0).abs() < 0.01, "the others keep their proportions: {widths:?}");
        for (column, width) in columns.iter().zip(&widths) {
            let lines = wrap(&column.title, width - 2.0 * CELL_PAD, 8.0, Weight::Bold);
            assert!(lines.iter().all(|l| column.title.split_whitespace().any(|w| l.contains(w))), "{lines:?}");
        }
    }
}
