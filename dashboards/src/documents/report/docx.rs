//! The DOCX: the same report as the PDF, editable in Word and LibreOffice. WordprocessingML is
//! written directly, so that the file holds exactly what the rules ask (Times New Roman, A4
//! and the decree's margins, a header row that repeats on every page, page numbers from the
//! second page) and comes out byte for byte the same each time (fixed entry times, no clock in
//! the properties). The body text is checked against the bundled fonts like the PDF's.

use std::fmt::Write as _;
use std::io::Cursor;

use super::model::{Block, ReportDoc};
use super::setup::DocStyle;
use super::tables::{Row, Table};
use crate::documents::archive::Archive;
use crate::documents::{DocError, glyphs};
use crate::fonts;

/// The font every office machine has; Liberation Serif, bundled for the PDF, is drawn to its
/// metrics.
const FONT: &str = "Times New Roman";
/// A4 in twentieths of a point.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
/// Margins: 20 mm top and bottom, 30 mm left, 15 mm right.
const MARGIN_TB: u32 = 1134;
const MARGIN_L: u32 = 1701;
const MARGIN_R: u32 = 851;
const TEXT_W: u32 = PAGE_W - MARGIN_L - MARGIN_R;
/// 1 cm first-line indent.
const INDENT: u32 = 567;
/// EMU per twip, for pictures.
const EMU_PER_TWIP: u64 = 635;

/// The report as DOCX bytes.
pub fn docx(doc: &ReportDoc) -> Result<Vec<u8>, DocError> {
    glyphs::check(&super::text_of(doc), fonts::report_text_faces())?;
    let mut body = String::new();
    letterhead(&mut body, doc);
    let mut images: Vec<(String, Vec<u8>)> = Vec::new();
    for b in &doc.blocks {
        match b {
            Block::Heading { text } => para(&mut body, text, &P::default().bold().before(240)),
            Block::Subheading { text } => {
                para(&mut body, text, &P::default().bold().italic().before(120))
            }
            Block::Paragraph { text } => para(&mut body, text, &P::default().indent()),
            Block::Bullet { text } => para(&mut body, &format!("- {text}"), &P::default().indent()),
            Block::Blank { text } => para(
                &mut body,
                text,
                &P::default().indent().italic().color("9A3412"),
            ),
            Block::Table(t) => table(&mut body, t),
            Block::Chart { caption, png, .. } => {
                let n = images.len() + 1;
                images.push((format!("media/chart{n}.png"), png.clone()));
                picture(&mut body, n, png);
                para(&mut body, caption, &P::default().center().italic().size(24));
            }
        }
    }
    signature(&mut body, doc);
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>{body}<w:sectPr><w:headerReference w:type="default" r:id="rIdHeader"/><w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/><w:pgMar w:top="{MARGIN_TB}" w:right="{MARGIN_R}" w:bottom="{MARGIN_TB}" w:left="{MARGIN_L}" w:header="567" w:footer="567" w:gutter="0"/><w:titlePg/></w:sectPr></w:body></w:document>"#
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rIdHeader" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>"#,
    );
    for (i, (path, _)) in images.iter().enumerate() {
        let _ = write!(
            rels,
            r#"<Relationship Id="rIdImg{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="{path}"/>"#,
            i + 1
        );
    }
    rels.push_str("</Relationships>");

    let mut zip = Archive::new(Cursor::new(Vec::new()), Some(doc.date));
    zip.add("[Content_Types].xml", CONTENT_TYPES.as_bytes())?;
    zip.add("_rels/.rels", ROOT_RELS.as_bytes())?;
    zip.add("docProps/core.xml", core(doc).as_bytes())?;
    zip.add("docProps/app.xml", APP.as_bytes())?;
    zip.add("word/document.xml", document.as_bytes())?;
    zip.add("word/_rels/document.xml.rels", rels.as_bytes())?;
    zip.add("word/styles.xml", styles().as_bytes())?;
    zip.add("word/settings.xml", SETTINGS.as_bytes())?;
    zip.add("word/header1.xml", HEADER.as_bytes())?;
    for (path, bytes) in &images {
        zip.add(&format!("word/{path}"), bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Text made safe for XML: markup escaped, characters XML cannot hold dropped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// How a paragraph and its run look.
#[derive(Clone, Default)]
struct P {
    bold: bool,
    italic: bool,
    underline: bool,
    center: bool,
    indent: bool,
    /// Half-points; 28 (14 pt) by default.
    size: Option<u32>,
    color: Option<&'static str>,
    before: u32,
    after: Option<u32>,
    /// A rule under the paragraph, between these indents (twips): a short line.
    rule: Option<u32>,
}

impl P {
    fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
    fn italic(mut self) -> Self {
        self.italic = true;
        self
    }
    fn underline(mut self) -> Self {
        self.underline = true;
        self
    }
    fn center(mut self) -> Self {
        self.center = true;
        self
    }
    fn indent(mut self) -> Self {
        self.indent = true;
        self
    }
    fn size(mut self, half_points: u32) -> Self {
        self.size = Some(half_points);
        self
    }
    fn color(mut self, c: &'static str) -> Self {
        self.color = Some(c);
        self
    }
    fn before(mut self, twips: u32) -> Self {
        self.before = twips;
        self
    }
    fn after(mut self, twips: u32) -> Self {
        self.after = Some(twips);
        self
    }
    fn rule(mut self, side_indent: u32) -> Self {
        self.rule = Some(side_indent);
        self
    }

    fn ppr(&self) -> String {
        let mut s = String::from("<w:pPr>");
        if let Some(side) = self.rule {
            let _ = write!(
                s,
                r#"<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>"#
            );
            let _ = write!(
                s,
                r#"<w:spacing w:before="0" w:after="60" w:line="120" w:lineRule="exact"/><w:ind w:left="{side}" w:right="{side}"/>"#
            );
        } else {
            let _ = write!(
                s,
                r#"<w:spacing w:before="{}" w:after="{}"/>"#,
                self.before,
                self.after.unwrap_or(100)
            );
            if self.indent {
                let _ = write!(s, r#"<w:ind w:firstLine="{INDENT}"/>"#);
            }
        }
        s.push_str(if self.center {
            r#"<w:jc w:val="center"/>"#
        } else if self.indent {
            r#"<w:jc w:val="both"/>"#
        } else {
            ""
        });
        s.push_str("</w:pPr>");
        s
    }

    fn rpr(&self) -> String {
        let mut s = String::from("<w:rPr>");
        if self.bold {
            s.push_str("<w:b/>");
        }
        if self.italic {
            s.push_str("<w:i/>");
        }
        // the schema's order: b, i, color, sz, u
        if let Some(c) = self.color {
            let _ = write!(s, r#"<w:color w:val="{c}"/>"#);
        }
        if let Some(sz) = self.size {
            let _ = write!(s, r#"<w:sz w:val="{sz}"/><w:szCs w:val="{sz}"/>"#);
        }
        if self.underline {
            s.push_str(r#"<w:u w:val="single"/>"#);
        }
        s.push_str("</w:rPr>");
        s
    }
}

fn para(out: &mut String, text: &str, p: &P) {
    let _ = write!(
        out,
        r#"<w:p>{}<w:r>{}<w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        p.ppr(),
        p.rpr(),
        esc(text)
    );
}

/// A table without borders, for the letterhead and the signature block.
fn layout_table(out: &mut String, widths: &[u32], cells: &[String]) {
    let _ = write!(
        out,
        r#"<w:tbl><w:tblPr><w:tblW w:w="{TEXT_W}" w:type="dxa"/><w:tblBorders><w:top w:val="nil"/><w:left w:val="nil"/><w:bottom w:val="nil"/><w:right w:val="nil"/><w:insideH w:val="nil"/><w:insideV w:val="nil"/></w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>"#
    );
    for w in widths {
        let _ = write!(out, r#"<w:gridCol w:w="{w}"/>"#);
    }
    out.push_str("</w:tblGrid><w:tr>");
    for (w, c) in widths.iter().zip(cells) {
        let _ = write!(
            out,
            r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>{c}</w:tc>"#
        );
    }
    out.push_str("</w:tr></w:tbl>");
}

fn letterhead(out: &mut String, doc: &ReportDoc) {
    let left_w = TEXT_W * 42 / 100;
    let right_w = TEXT_W - left_w;
    let tight = || P::default().center().after(0).size(26);
    let mut left = String::new();
    for (i, l) in doc.issuer.iter().enumerate() {
        let p = if i + 1 == doc.issuer.len() {
            tight().bold()
        } else {
            tight()
        };
        para(&mut left, l, &p);
    }
    match doc.style {
        DocStyle::Dang => para(&mut left, "*", &tight()),
        DocStyle::HanhChinh => para(&mut left, "", &P::default().rule(left_w * 35 / 100)),
    }
    para(&mut left, &doc.number, &tight().before(60));
    let mut right = String::new();
    for (i, l) in doc.motto.iter().enumerate() {
        let p = if i + 1 == doc.motto.len() {
            tight().bold().underline()
        } else {
            tight().bold().size(24)
        };
        para(&mut right, l, &p);
    }
    para(
        &mut right,
        &doc.place_date,
        &tight().italic().size(28).before(160),
    );
    layout_table(out, &[left_w, right_w], &[left, right]);
    para(
        out,
        &doc.title,
        &P::default().center().bold().before(320).after(0),
    );
    para(out, &doc.subject, &P::default().center().bold().after(0));
    para(out, "", &P::default().rule(TEXT_W * 36 / 100));
    if let Some(a) = &doc.addressee {
        para(out, a, &P::default().center());
    }
}

/// A table of figures whose first row repeats at the top of every page it runs onto.
fn table(out: &mut String, t: &Table) {
    let total: f64 = t.columns.iter().map(|c| c.width).sum::<f64>().max(1e-9);
    let widths: Vec<u32> = t
        .columns
        .iter()
        .map(|c| (c.width / total * f64::from(TEXT_W)).round() as u32)
        .collect();
    let border = r#"w:val="single" w:sz="4" w:space="0" w:color="000000""#;
    let _ = write!(
        out,
        r#"<w:tbl><w:tblPr><w:tblW w:w="{TEXT_W}" w:type="dxa"/><w:tblBorders><w:top {border}/><w:left {border}/><w:bottom {border}/><w:right {border}/><w:insideH {border}/><w:insideV {border}/></w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="45" w:type="dxa"/><w:right w:w="45" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>"#
    );
    for w in &widths {
        let _ = write!(out, r#"<w:gridCol w:w="{w}"/>"#);
    }
    out.push_str("</w:tblGrid>");
    let cell = |out: &mut String, w: u32, span: usize, text: &str, p: &P| {
        let span = if span > 1 {
            format!(r#"<w:gridSpan w:val="{span}"/>"#)
        } else {
            String::new()
        };
        let _ = write!(
            out,
            r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{span}<w:vAlign w:val="center"/></w:tcPr>"#
        );
        para(out, text, p);
        out.push_str("</w:tc>");
    };
    let small = || P::default().size(22).after(0);
    out.push_str(r#"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"#);
    for (c, w) in t.columns.iter().zip(&widths) {
        cell(out, *w, 1, &c.title, &small().bold().center());
    }
    out.push_str("</w:tr>");
    for Row { cells, group } in &t.rows {
        out.push_str(r#"<w:tr><w:trPr><w:cantSplit/></w:trPr>"#);
        if *group {
            let text = cells.first().map(String::as_str).unwrap_or("");
            cell(out, TEXT_W, widths.len(), text, &small().bold());
        } else {
            for ((text, w), c) in cells.iter().zip(&widths).zip(&t.columns) {
                let p = if c.align == "center" {
                    small().center()
                } else {
                    small()
                };
                cell(out, *w, 1, text, &p);
            }
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    para(out, "", &P::default().after(0).size(12));
}

/// Width and height in pixels, from a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    let be = |i: usize| {
        png.get(i..i + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
            .unwrap_or(1)
            .max(1)
    };
    (be(16), be(20))
}

fn picture(out: &mut String, n: usize, png: &[u8]) {
    let (w, h) = png_size(png);
    let cx = u64::from(TEXT_W) * EMU_PER_TWIP;
    let cy = cx * u64::from(h) / u64::from(w);
    let _ = write!(
        out,
        r#"<w:p><w:pPr><w:keepNext/><w:jc w:val="center"/></w:pPr><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{n}" name="Biểu đồ {n}"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="chart{n}.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rIdImg{n}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#
    );
}

fn signature(out: &mut String, doc: &ReportDoc) {
    let half = TEXT_W / 2;
    let mut left = String::new();
    para(
        &mut left,
        "Nơi nhận:",
        &P::default().bold().italic().size(24).after(0).before(120),
    );
    for r in &doc.recipients {
        para(
            &mut left,
            &format!("- {r}"),
            &P::default().size(22).after(0),
        );
    }
    let mut right = String::new();
    for (i, s) in doc.signature.iter().enumerate() {
        let p = P::default().center().bold().after(0);
        para(&mut right, s, &if i == 0 { p.before(120) } else { p });
    }
    para(&mut right, "", &P::default().after(1400));
    para(&mut right, &doc.signer, &P::default().center().bold());
    layout_table(out, &[half, TEXT_W - half], &[left, right]);
}

fn styles() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/><w:sz w:val="28"/><w:szCs w:val="28"/><w:lang w:val="vi-VN" w:eastAsia="vi-VN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="100" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>"#
    )
}

fn core(doc: &ReportDoc) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:creator>{}</dc:creator><dc:language>vi-VN</dc:language><dcterms:created xsi:type="dcterms:W3CDTF">{}T00:00:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{}T00:00:00Z</dcterms:modified></cp:coreProperties>"#,
        esc(&doc.document_title),
        esc(doc.issuer.last().map(String::as_str).unwrap_or("")),
        doc.date.format("%Y-%m-%d"),
        doc.date.format("%Y-%m-%d"),
    )
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

const APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>chiso</Application></Properties>"#;

const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:defaultTabStop w:val="720"/><w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#;

/// The page number, centred at the top; the first page has none (`w:titlePg`).
const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:hdr>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_controls_dropped() {
        assert_eq!(esc("a < b & \"c\"\u{1}"), "a &lt; b &amp; &quot;c&quot;");
    }

    #[test]
    fn png_size_from_the_header() {
        let mut png = vec![0u8; 24];
        png[16..20].copy_from_slice(&800u32.to_be_bytes());
        png[20..24].copy_from_slice(&450u32.to_be_bytes());
        assert_eq!(png_size(&png), (800, 450));
    }
}
