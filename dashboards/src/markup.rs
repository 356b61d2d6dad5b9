//! Text placed in HTML and SVG markup.

/// Escapes the five characters that are markup in HTML and XML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            super::escape(r#"<a href="x">Tân & 'Đồng'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tân &amp; &#39;Đồng&#39;&lt;/a&gt;"
        );
    }
}
