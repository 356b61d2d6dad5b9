//! The frame every page shares: header, navigation, the signed-in account and sign-out, and
//! the style sheet (bundled fonts; tables that fit 1366 px and turn into cards on a phone).

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::access::FORM_TOKEN;
use crate::auth::{Role, Viewer};
use crate::state::Site;

/// The navigation's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Indicator,
    Tasks,
    Province,
    Data,
    Reports,
    Public,
    SignIn,
}

/// A page in the frame.
pub fn page(site: &Site, viewer: &Viewer, section: Section, title: &str, body: Markup) -> Markup {
    let signed = viewer.signed();
    let role = viewer.role();
    let links: Vec<(&str, &str, Section)> = match role {
        None => vec![("/cong-khai", "Công khai", Section::Public)],
        Some(r) => {
            let mut l = vec![("/", "Tổng quan", Section::Overview)];
            if r != Role::KhuPho {
                l.push(("/nhiem-vu", "Nhiệm vụ 6 rõ", Section::Tasks));
                if site.province_wards.is_some() {
                    l.push(("/tinh", "Các phường", Section::Province));
                }
            }
            l.push(("/du-lieu", "Dữ liệu", Section::Data));
            l.push(("/bao-cao", "Báo cáo", Section::Reports));
            l.push(("/cong-khai", "Công khai", Section::Public));
            l
        }
    };
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – " (site.ward_name) }
                // no icon to fetch: a browser asking for /favicon.ico would log a 404
                link rel="icon" href="data:,";
                style { (PreEscaped(CSS)) }
            }
            body {
                header.top {
                    div.brand {
                        a href=(if role.is_some() { "/" } else { "/cong-khai" }) {
                            strong { (site.ward_name) }
                        }
                        span { (site.province) }
                    }
                    nav aria-label="Mục chính" {
                        @for (href, label, s) in &links {
                            a href=(href) aria-current=[(*s == section).then_some("page")] { (label) }
                        }
                    }
                    div.account {
                        @if let Some(s) = signed {
                            span.who {
                                (s.user) " · " (s.role.label_vi())
                                @if let Some(u) = &s.unit { " · " (unit_name(site, u)) }
                            }
                            form method="post" action="/dang-xuat" {
                                input type="hidden" name=(FORM_TOKEN) value=(s.csrf);
                                button type="submit" { "Đăng xuất" }
                            }
                        } @else if section != Section::SignIn {
                            a.button href="/dang-nhap" { "Đăng nhập" }
                        }
                    }
                }
                main { (body) }
                footer {
                    "Số liệu tính từ kho dữ liệu của phường; mỗi con số truy được đến hồ sơ gốc."
                }
            }
        }
    }
}

pub use crate::view::unit_name;

/// The status class and the short text of a status.
pub fn status_class(status: metrics::Status) -> &'static str {
    match serde_json::to_value(status)
        .ok()
        .as_ref()
        .and_then(|v| v.as_str())
    {
        Some("dat") => "dat",
        Some("chua_dat") => "chua_dat",
        Some("nguy_co") => "nguy_co",
        _ => "chua_co_du_lieu",
    }
}

const CSS: &str = r#"
@font-face { font-family: "Noto Sans"; src: url("/static/fonts/NotoSans-Regular.ttf") format("truetype"); font-weight: 400; }
@font-face { font-family: "Noto Sans"; src: url("/static/fonts/NotoSans-Bold.ttf") format("truetype"); font-weight: 700; }
@font-face { font-family: "DejaVu Sans"; src: url("/static/fonts/DejaVuSans.ttf") format("truetype"); }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "DejaVu Sans", sans-serif; margin: 0; color: #1f2933; background: #f5f7fa; font-size: 15px; line-height: 1.4; }
a { color: #0b5cad; }
header.top { background: #a31d24; color: #fff; padding: 10px 24px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; }
header.top a { color: #fff; }
.brand { display: flex; flex-direction: column; }
.brand a { text-decoration: none; font-size: 18px; }
.brand span { font-size: 13px; opacity: .9; }
nav { display: flex; flex-wrap: wrap; gap: 4px; flex: 1; }
nav a { text-decoration: none; padding: 6px 10px; border-radius: 4px; }
nav a[aria-current=page], nav a:hover { background: rgba(255,255,255,.18); }
.account { display: flex; align-items: center; gap: 10px; font-size: 13px; }
.account form { margin: 0; }
button, .button { font: inherit; padding: 6px 12px; border-radius: 4px; border: 1px solid #9aa5b1; background: #fff; color: #1f2933; cursor: pointer; text-decoration: none; display: inline-block; }
header.top button, header.top .button { background: transparent; color: #fff; border-color: rgba(255,255,255,.7); }
button.primary { background: #a31d24; border-color: #a31d24; color: #fff; }
main { padding: 16px 24px 32px; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 24px 0 8px; }
.lead { color: #52606d; margin: 0 0 12px; }
form.pickers { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; background: #fff; border: 1px solid #cbd2d9; padding: 10px 12px; margin: 12px 0; }
form.pickers label { display: flex; flex-direction: column; font-size: 13px; color: #52606d; max-width: 100%; min-width: 0; }
select, input { font: inherit; padding: 5px 6px; border: 1px solid #9aa5b1; border-radius: 4px; background: #fff; max-width: 100%; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 14px; }
th, td { border: 1px solid #cbd2d9; padding: 6px 8px; vertical-align: top; text-align: left; }
th { background: #e4e7eb; font-weight: 700; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.fixed { table-layout: fixed; }
table.fixed td, table.fixed th { overflow-wrap: break-word; }
table.fixed td.num { white-space: normal; }
table td.num.text { text-align: left; font-size: 13px; }
tr.group td { background: #f0f4f8; font-weight: 700; }
.wrap { overflow-x: auto; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: 700; max-width: 100%; }
.pill.dat { background: #d9f0e3; color: #0f5132; }
.pill.chua_dat { background: #fde2e1; color: #8a1c13; }
.pill.nguy_co { background: #fff1d6; color: #7a4100; }
.pill.chua_co_du_lieu { background: #eceff1; color: #52606d; font-weight: 400; }
.small, .note { color: #52606d; font-size: 12px; }
.late { color: #8a1c13; font-weight: 700; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.cards > * { min-width: 0; }
.card dd, .card h3 { overflow-wrap: anywhere; }
.card { background: #fff; border: 1px solid #cbd2d9; padding: 12px; }
.card h3 { margin: 0 0 6px; font-size: 15px; }
.card dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; font-size: 14px; }
.card dt { color: #52606d; }
.card dd { margin: 0; }
figure { margin: 12px 0; background: #fff; padding: 8px; border: 1px solid #cbd2d9; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: #52606d; }
pre { background: #1f2933; color: #f5f7fa; padding: 10px; overflow-x: auto; font-size: 13px; white-space: pre-wrap; word-break: break-word; }
.spark { display: block; }
.headline { display: flex; flex-wrap: wrap; gap: 12px 28px; align-items: baseline; background: #fff; border: 1px solid #cbd2d9; padding: 12px; }
.headline .big { font-size: 30px; font-weight: 700; }
.downloads { display: flex; flex-wrap: wrap; gap: 6px 16px; }
.downloads a { white-space: nowrap; }
.errors { background: #fde2e1; border: 1px solid #f5a3a0; padding: 10px 12px; }
.signin { max-width: 380px; margin: 40px auto; background: #fff; border: 1px solid #cbd2d9; padding: 20px; }
.signin label { display: block; margin: 10px 0; }
.signin input { width: 100%; }
footer { padding: 12px 24px; font-size: 12px; color: #7b8794; max-width: 1400px; margin: 0 auto; }
@media (max-width: 760px) {
  header.top { padding: 8px 12px; flex-direction: column; align-items: stretch; gap: 4px; }
  nav { flex: none; }
  nav a { padding: 4px 8px; }
  .account { justify-content: space-between; }
  main { padding: 10px 10px 24px; }
  table.cards-small, table.cards-small tbody, table.cards-small tr, table.cards-small td { display: block; width: 100%; }
  table.cards-small thead { display: none; }
  table.cards-small tr { border: 1px solid #cbd2d9; margin: 0 0 10px; background: #fff; }
  table.cards-small td { border: none; border-bottom: 1px solid #eef1f4; text-align: left; white-space: normal; }
  table.cards-small td[data-label]::before { content: attr(data-label) ": "; color: #52606d; font-size: 12px; }
  table.cards-small td:empty { display: none; }
  table.cards-small tr.group td { background: #f0f4f8; }
  table.cards-small colgroup { display: none; }
  table.fixed { table-layout: auto; }
}
"#;
