//! The annex's `README.txt`: what each file is and how to check it, in Vietnamese, for an
//! inspector who has the archive and nothing else.

use metrics::format;

use super::{AnnexSpec, FigureFile, MANIFEST, RECORD_HASHES, RECORDS, SUMS};

pub fn text(spec: &AnnexSpec, version: Option<u64>, figures: &[FigureFile]) -> String {
    let place = match &spec.unit {
        Some((code, name)) => format!("{name} ({code}), {}", spec.ward),
        None => spec.ward.clone(),
    };
    let version = version
        .map(|v| format!("phiên bản dữ liệu v{v}"))
        .unwrap_or_else(|| "kho dữ liệu chưa có lần nạp nào".to_string());
    let made = spec
        .date
        .map(|d| format!("; lập ngày {}", format::date(d)))
        .unwrap_or_default();
    let mut out = format!(
        "PHỤ LỤC MINH CHỨNG SỐ LIỆU\r\n\
         {place} — {period}\r\n\
         Số liệu lấy từ kho dữ liệu ở {version}{made}.\r\n\r\n\
         Mỗi thư mục mang mã một chỉ tiêu (ví dụ I.3) và gồm:\r\n\
         - figure.json: số liệu của chỉ tiêu (tử số, mẫu số, giá trị, kỳ tính từ ngày đến \
         ngày, mục tiêu, đánh giá, phiên bản dữ liệu) và cách đếm lại (recount).\r\n\
         - query.sql: câu lệnh SQL tính số liệu và câu lệnh lấy danh sách bản ghi; chạy lại \
         được trên kho dữ liệu ở đúng phiên bản trên (chiso indicators --as-of vN --explain MÃ).\r\n\
         - {RECORDS}: mọi bản ghi thuộc mẫu số, mỗi dòng một bản ghi với mọi cột của nguồn; \
         cột trong_tu_so = 1 khi bản ghi thuộc cả tử số. Cột _file, _row, _batch_id cho biết \
         tệp nguồn, số dòng trong tệp và lần nạp. Họ tên, số điện thoại, số CCCD chỉ có ở dạng \
         mã hóa (p1:…), không có bản rõ. Thời điểm ghi theo giờ UTC (ISO 8601).\r\n\
         - {RECORD_HASHES}: mã kiểm tra SHA-256 của từng bản ghi, cùng thứ tự với {RECORDS} \
         (các trường của bản ghi nối với nhau bằng ký tự U+001F).\r\n\
         - records.xlsx: bản sao danh sách bản ghi để đọc bằng bảng tính; ngày giờ theo giờ \
         Việt Nam.\r\n\
         - batches.csv: các lần nạp dữ liệu có bản ghi trong danh sách, với đường dẫn và \
         SHA-256 của tệp trích xuất nguồn đã nạp.\r\n\r\n\
         Ở thư mục gốc: {MANIFEST} liệt kê các chỉ tiêu và mọi tệp kèm SHA-256; {SUMS} là \
         mã SHA-256 của mọi tệp (kể cả {MANIFEST}).\r\n\r\n\
         CÁCH KIỂM TRA\r\n\
         1. Tệp còn nguyên vẹn: giải nén rồi chạy  sha256sum -c {SUMS}\r\n\
         2. Kiểm tra toàn bộ, không cần kho dữ liệu:  chiso verify <tệp phụ lục>.zip\r\n\
         \x20  (so mã mọi tệp và mọi bản ghi, đếm lại tử số và mẫu số; báo tệp hoặc dòng đầu \
         tiên không khớp).\r\n\
         3. Hoặc mở {RECORDS} bằng bảng tính và đếm theo quy tắc dưới đây; kết quả phải bằng \
         tử số, mẫu số trong figure.json.\r\n\r\n\
         CÁC CHỈ TIÊU\r\n",
        period = spec.period.label_vi(),
    );
    for f in figures {
        let figure = match (f.numerator, f.denominator) {
            (Some(n), Some(d)) => format!(
                "{} = {}/{}",
                f.value_text,
                format::integer(n),
                format::integer(d)
            ),
            _ => f.value_text.clone(),
        };
        out.push_str(&format!(
            "\r\n{} — {}\r\n  Số liệu: {figure} (kỳ tính {})\r\n  Số bản ghi: {}\r\n",
            f.id,
            f.name,
            f.window.label_vi(),
            format::integer(f.records)
        ));
        match &f.recount {
            Some(r) => out.push_str(&format!("  Cách đếm lại: {}\r\n", r.text_vi())),
            None => out.push_str(
                "  Chỉ tiêu này không đọc bản ghi nào (chưa tính từ dữ liệu hoặc nguồn chưa nạp).\r\n",
            ),
        }
    }
    out
}
