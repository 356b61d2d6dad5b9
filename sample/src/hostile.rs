//! Extracts no system should send but a drop folder receives anyway: bytes that are no
//! extract at all, and a workbook that inflates far beyond its size. For the tests and
//! benchmarks of an ingest that refuses them and goes on.

use std::io::Write;

/// `len` bytes that are no text in any encoding (a photo saved under a `.csv` name, a
/// truncated download): every byte value, scrambled, the same for the same `seed`.
pub fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            // xorshift: varied bytes without a dependency
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A well-formed XLSX whose first worksheet inflates to about `inflated` bytes (blanks between
/// its elements, which XML allows) while the file stays around a thousandth of that: a zip
/// bomb an ingest must refuse from the zip directory, before inflating it.
pub fn xlsx_bomb(inflated: u64) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(inflated >= u32::MAX as u64);
    let small = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    let build = |zip: &mut zip::ZipWriter<_>| -> zip::result::ZipResult<()> {
        for (name, text) in parts {
            zip.start_file(name, small)?;
            zip.write_all(text.as_bytes())?;
        }
        zip.start_file("xl/worksheets/sheet1.xml", deflate)?;
        zip.write_all(
            br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
        )?;
        let blanks = vec![b' '; 1 << 20];
        let mut left = inflated;
        while left > 0 {
            let n = left.min(blanks.len() as u64) as usize;
            zip.write_all(&blanks[..n])?;
            left -= n as u64;
        }
        zip.write_all(b"</sheetData></worksheet>")?;
        Ok(())
    };
    build(&mut zip).expect("writing to memory");
    zip.finish().expect("writing to memory").into_inner()
}
