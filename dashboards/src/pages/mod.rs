//! Pages a person reads. Vietnamese first; HTML is written by hand and every value is
//! escaped.

pub mod index;
pub mod reports;

pub(crate) use crate::markup::escape as esc;

/// The page frame with the bundled fonts.
pub(crate) fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
@font-face {{ font-family: "Noto Sans"; src: url("/static/fonts/NotoSans-Regular.ttf") format("truetype"); font-weight: 400; }}
@font-face {{ font-family: "Noto Sans"; src: url("/static/fonts/NotoSans-Bold.ttf") format("truetype"); font-weight: 700; }}
@font-face {{ font-family: "DejaVu Sans"; src: url("/static/fonts/DejaVuSans.ttf") format("truetype"); }}
body {{ font-family: "Noto Sans", "DejaVu Sans", sans-serif; margin: 0; color: #1f2933; background: #f5f7fa; }}
header {{ background: #a31d24; color: #fff; padding: 14px 28px; }}
header h1 {{ margin: 0; font-size: 20px; }}
header p {{ margin: 4px 0 0; font-size: 14px; opacity: .9; }}
main {{ padding: 20px 28px; }}
form {{ margin-bottom: 16px; font-size: 14px; }}
table {{ border-collapse: collapse; width: 100%; background: #fff; font-size: 14px; }}
th, td {{ border: 1px solid #cbd2d9; padding: 6px 8px; vertical-align: top; }}
th {{ background: #e4e7eb; text-align: center; }}
td.num {{ text-align: right; white-space: nowrap; }}
tr.group td {{ background: #f0f4f8; font-weight: 700; }}
td.dat, td.chua_dat, td.nguy_co, td.chua_co_du_lieu {{ white-space: nowrap; }}
.dat {{ color: #1b7a3a; font-weight: 700; }}
.chua_dat {{ color: #b42318; font-weight: 700; }}
.nguy_co {{ color: #b54708; font-weight: 700; }}
.chua_co_du_lieu {{ color: #7b8794; font-style: italic; }}
.note {{ color: #52606d; font-size: 12px; }}
figure {{ margin: 24px 0; background: #fff; padding: 8px; border: 1px solid #cbd2d9; }}
figure img {{ max-width: 100%; height: auto; }}
footer {{ padding: 12px 28px; font-size: 12px; color: #7b8794; }}
</style>
</head>
<body>
{body}
</body>
</html>"#
    )
}
