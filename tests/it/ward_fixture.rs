//! The small hand-made ward of `helpers.rs`, completed with every other source, so that each
//! indicator of Phụ lục 1, each operations figure and the 6 rõ registry can be computed by hand
//! in the tests' comments (`programme.rs`). All times are local (UTC+7).

use std::path::Path;

use crate::helpers::Fixture;

/// More dossiers, all in August 2026 but HA06 (received in July), so June's figures of
/// `helpers.rs` stay as they are.
///
/// | MaHoSo | kênh | received | due | finished | bổ sung | rating |
/// |---|---|---|---|---|---|---|
/// | HA01 | 2 | 03/08 | 06/08 17:00 | 05/08 10:00 | 0 | 1 |
/// | HA02 | 2 | 04/08 | 07/08 17:00 | 10/08 09:00 (late) | 0 | 1 |
/// | HA03 | 2 | 05/08 | 10/08 17:00 | 07/08 10:00 | 2 (late: more than one) | – |
/// | HA04 | 1 | 06/08 | 11/08 17:00 | – (unfinished, past due at the end of August) | 0 | – |
/// | HA05 | 1 | 25/08 | 04/09 17:00 | – (unfinished, not yet due) | 0 | – |
/// | HA06 | 2 | 20/07 | 23/07 17:00 | 03/08 10:00 (late) | 0 | – |
/// | HA07 | 2 | 07/08 | 12/08 17:00 | 08/08 10:00 | 0 | 3 (không hài lòng) |
pub const AUGUST_DOSSIERS: &str = "\u{FEFF}MaHoSo,MaTTHC,TenTTHC,MaLinhVuc,MaDonVi,KenhThucHien,PhiDiaGioi,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,NgayTra,TrangThaiHoSo,SoLanBoSung,HoSoCoThanhPhanSoHoa,DuocTaiSuDung,CoKetQuaDienTu,DuocThanhToanTrucTuyen,DanhGiaHaiLong,MaKhuPho,NgayCapNhat,ChuHoSo,SoCCCD
HA01,P1,Đăng ký khai sinh,HT,25216,2,0,03/08/2026 08:00:00,06/08/2026 17:00:00,05/08/2026 10:00:00,05/08/2026 15:00:00,10,0,1,1,0,0,1,KP01,05/08/2026 15:00:00,Mai Văn Quý,075223456781
HA02,P1,Đăng ký khai sinh,HT,25216,2,0,04/08/2026 08:00:00,07/08/2026 17:00:00,10/08/2026 09:00:00,10/08/2026 15:00:00,10,0,1,1,0,0,1,KP01,10/08/2026 15:00:00,Mai Thị Rạng,075223456782
HA03,P1,Đăng ký khai sinh,HT,25216,2,0,05/08/2026 08:00:00,10/08/2026 17:00:00,07/08/2026 10:00:00,07/08/2026 15:00:00,10,2,1,1,0,0,,KP02,07/08/2026 15:00:00,Mai Văn Sáng,075223456783
HA04,P1,Đăng ký khai sinh,HT,25216,1,0,06/08/2026 08:00:00,11/08/2026 17:00:00,,,4,0,0,0,0,0,,KP02,06/08/2026 08:00:00,Mai Thị Tâm,075223456784
HA05,P1,Đăng ký khai sinh,HT,25216,1,0,25/08/2026 08:00:00,04/09/2026 17:00:00,,,4,0,0,0,0,0,,KP02,25/08/2026 08:00:00,Mai Văn Út,075223456785
HA06,P3,Chứng thực bản sao từ bản chính,CT,25216,2,0,20/07/2026 08:00:00,23/07/2026 17:00:00,03/08/2026 10:00:00,03/08/2026 15:00:00,10,0,1,1,0,1,,KP01,03/08/2026 15:00:00,Mai Thị Vân,075223456786
HA07,P1,Đăng ký khai sinh,HT,25216,2,0,07/08/2026 08:00:00,12/08/2026 17:00:00,08/08/2026 10:00:00,08/08/2026 15:00:00,10,0,1,1,0,0,3,KP01,08/08/2026 15:00:00,Mai Văn Xuân,075223456787
";

const VNEID_HEADER: &str = "NgaySoLieu,MaDonVi,TenDonVi,DanSo,NguoiTruongThanh,HoSoThuNhan,TaiKhoanMuc1,TaiKhoanMuc2,SoKichHoat,SoHoanThanhPhoCap";

/// VNeID statistics: May for both khu phố, June for KP01 only (KP02's June sheet is late).
///
/// | date | khu phố | dân số | trưởng thành | kích hoạt | phổ cập |
/// |---|---|---|---|---|---|
/// | 31/05 | KP01 | 1.000 | 700 | 600 | 300 |
/// | 31/05 | KP02 | 2.000 | 1.500 | 1.000 | 600 |
/// | 30/06 | KP01 | 1.000 | 700 | 650 | 350 |
pub fn vneid_may() -> String {
    format!(
        "{VNEID_HEADER}\n31/05/2026,KP01,Khu phố Xuân Bình,1000,700,800,700,640,600,300\n\
         31/05/2026,KP02,Khu phố Phước Bình,2000,1500,1600,1400,1100,1000,600\n"
    )
}

pub fn vneid_june() -> String {
    format!("{VNEID_HEADER}\n30/06/2026,KP01,Khu phố Xuân Bình,1000,700,820,720,690,650,350\n")
}

/// Market tables. Stalls S1–S3 are in the pilot model, S4 is not.
///
/// | stall | accepts | confirmed | June fees (billing 2026-06, paid in June) |
/// |---|---|---|---|
/// | S1 | qr | 01/05/2026 | 500.000 by QR |
/// | S2 | pos | 10/06/2026 | 500.000 in cash (accepts digital payment, no digital transaction) |
/// | S3 | – | – | 400.000 by transfer (no acceptance confirmed) |
/// | S4 | qr | 01/01/2026 | 300.000 by POS (not in the pilot) |
///
/// and S1's July bill of 500.000, unpaid.
pub const MARKET: [(&str, &str); 5] = [
    (
        "traders",
        "id,code,full_name,phone,business_line,registered_on,updated_at\n\
         1,T1,Trần Văn Chợ,0912000001,Rau củ,2020-01-01,2026-01-01 08:00:00\n",
    ),
    (
        "stalls",
        "id,code,market_code,zone,area_m2,position,pilot_model,updated_at\n\
         1,S1,CHO_DONG_XOAI,A,4.00,A1,1,2026-01-01 08:00:00\n\
         2,S2,CHO_DONG_XOAI,A,4.00,A2,1,2026-01-01 08:00:00\n\
         3,S3,CHO_DONG_XOAI,B,6.50,B1,1,2026-01-01 08:00:00\n\
         4,S4,CHO_DONG_XOAI,C,3.00,C1,0,2026-01-01 08:00:00\n",
    ),
    (
        "contracts",
        "id,stall_id,trader_id,start_date,end_date,monthly_fee,updated_at\n\
         1,1,1,2025-01-01,,500000,2026-01-01 08:00:00\n",
    ),
    (
        "fee_collections",
        "id,receipt_no,stall_id,billing_month,amount_due,amount_paid,paid_at,method,e_invoice,updated_at\n\
         1,BL001,1,2026-06,500000,500000,2026-06-05 10:00:00,qr,1,2026-06-05 10:00:00\n\
         2,BL002,2,2026-06,500000,500000,2026-06-03 09:00:00,tien_mat,0,2026-06-03 09:00:00\n\
         3,BL003,3,2026-06,400000,400000,2026-06-04 09:00:00,chuyen_khoan,1,2026-06-04 09:00:00\n\
         4,BL004,4,2026-06,300000,300000,2026-06-06 09:00:00,pos,1,2026-06-06 09:00:00\n\
         5,BL005,1,2026-07,500000,0,,,0,2026-07-01 08:00:00\n",
    ),
    (
        "payment_acceptance",
        "id,stall_id,method,confirmed_on,updated_at\n\
         1,1,qr,2026-05-01,2026-05-01 08:00:00\n\
         2,2,pos,2026-06-10,2026-06-10 08:00:00\n\
         3,4,qr,2026-01-01,2026-01-01 08:00:00\n",
    ),
];

/// Petitions of June.
///
/// | id | khu phố | received | due | finished | status | public |
/// |---|---|---|---|---|---|---|
/// | PA1 | KP01 | 01/06 08:00 | 04/06 17:00 | 03/06 10:00 (on time) | da_xu_ly | 1 |
/// | PA2 | KP02 | 02/06 08:00 | 05/06 17:00 | 08/06 10:00 (late) | da_xu_ly | 0 |
/// | PA3 | KP01 | 10/06 08:00 | 12/06 17:00 | – (past due at the end of June) | dang_xu_ly | – |
/// | PA4 | KP02 | 25/06 08:00 | 15/07 17:00 | – (not yet due) | dang_xu_ly | – |
/// | PA5 | KP01 | 05/06 08:00 | 08/06 17:00 | 06/06 09:00 | tu_choi (out of scope) | 1 |
pub const PETITIONS: &str = r#"{"page":1,"pageSize":50,"totalPages":1,"totalRecords":5,"data":[
{"id":"PA1","kenh":"DC4.0","tieu_de":"Rác tồn đọng","linh_vuc":"Đô thị – Môi trường","ma_khu_pho":"KP01","don_vi_xu_ly":"Phòng KT-HT-ĐT","ngay_tiep_nhan":"2026-06-01T08:00:00+07:00","han_xu_ly":"2026-06-04T17:00:00+07:00","ngay_hoan_thanh":"2026-06-03T10:00:00+07:00","trang_thai":"da_xu_ly","cong_khai":1,"danh_gia":"hai_long","nguoi_phan_anh":"Phan Văn Một","so_dien_thoai":"0912345001","ngay_cap_nhat":"2026-06-03T10:00:00+07:00"},
{"id":"PA2","kenh":"Zalo OA","tieu_de":"Đèn đường hỏng","linh_vuc":"Hạ tầng","ma_khu_pho":"KP02","don_vi_xu_ly":"Phòng KT-HT-ĐT","ngay_tiep_nhan":"2026-06-02T08:00:00+07:00","han_xu_ly":"2026-06-05T17:00:00+07:00","ngay_hoan_thanh":"2026-06-08T10:00:00+07:00","trang_thai":"da_xu_ly","cong_khai":0,"danh_gia":null,"nguoi_phan_anh":null,"so_dien_thoai":null,"ngay_cap_nhat":"2026-06-08T10:00:00+07:00"},
{"id":"PA3","kenh":"DC4.0","tieu_de":"Lấn chiếm vỉa hè","linh_vuc":"An ninh trật tự","ma_khu_pho":"KP01","don_vi_xu_ly":"Công an phường","ngay_tiep_nhan":"2026-06-10T08:00:00+07:00","han_xu_ly":"2026-06-12T17:00:00+07:00","ngay_hoan_thanh":null,"trang_thai":"dang_xu_ly","cong_khai":null,"danh_gia":null,"nguoi_phan_anh":"Phan Thị Hai","so_dien_thoai":"0912345003","ngay_cap_nhat":"2026-06-10T08:00:00+07:00"},
{"id":"PA4","kenh":"Đường dây nóng","tieu_de":"Tiếng ồn","linh_vuc":"An ninh trật tự","ma_khu_pho":"KP02","don_vi_xu_ly":"Công an phường","ngay_tiep_nhan":"2026-06-25T08:00:00+07:00","han_xu_ly":"2026-07-15T17:00:00+07:00","ngay_hoan_thanh":null,"trang_thai":"dang_xu_ly","cong_khai":null,"danh_gia":null,"nguoi_phan_anh":null,"so_dien_thoai":null,"ngay_cap_nhat":"2026-06-25T08:00:00+07:00"},
{"id":"PA5","kenh":"DC4.0","tieu_de":"Hỏi thủ tục","linh_vuc":"Hạ tầng","ma_khu_pho":"KP01","don_vi_xu_ly":"Văn phòng HĐND và UBND","ngay_tiep_nhan":"2026-06-05T08:00:00+07:00","han_xu_ly":"2026-06-08T17:00:00+07:00","ngay_hoan_thanh":"2026-06-06T09:00:00+07:00","trang_thai":"tu_choi","cong_khai":1,"danh_gia":null,"nguoi_phan_anh":null,"so_dien_thoai":null,"ngay_cap_nhat":"2026-06-06T09:00:00+07:00"}
]}"#;

/// "Gia đình số" evaluations (flags: định danh, DVCTT, thanh toán, ATTT, kết nối).
///
/// | hộ | khu phố | date | flags | đạt |
/// |---|---|---|---|---|
/// | H1 | KP01 | 15/03 | 11111 | yes |
/// | H2 | KP01 | 15/03 | 11011 | no |
/// | H2 | KP01 | 20/06 | 11111 | yes (re-evaluated) |
/// | H3 | KP02 | 15/03 | 11110 | no |
/// | H4 | KP02 | 25/06 | 11111 | yes (first evaluated in June) |
pub const HOUSEHOLDS: &str = "NgayDanhGia,MaKhuPho,MaHo,ChuHo,DinhDanhSo,DichVuCongTrucTuyen,ThanhToanSo,AnToanThongTin,KetNoiSoCongDong,KetQua,MinhChung
15/03/2026,KP01,H1,Lò Văn Hộ,1,1,1,1,1,Đạt,
15/03/2026,KP01,H2,Lò Thị Hai,1,1,0,1,1,Chưa đạt,
20/06/2026,KP01,H2,Lò Thị Hai,1,1,1,1,1,Đạt,
15/03/2026,KP02,H3,Lò Văn Ba,1,1,1,1,0,Chưa đạt,
25/06/2026,KP02,H4,Lò Thị Tư,1,1,1,1,1,Đạt,
";

/// "Tổ dân phố số" evaluations: KP01 meets all six criteria in March, KP02 five.
pub const NEIGHBOURHOODS: &str = "NgayDanhGia,MaKhuPho,TenKhuPho,ToChucDieuPhoiSo,KenhThongTinSo,HoTroDichVuCongVNeID,ThanhToanSoDiaBan,PhanAnhHienTruongSo,AnToanThongTinCongDong,KetQua,MinhChung
20/03/2026,KP01,Khu phố Xuân Bình,1,1,1,1,1,1,Đạt,Biên bản đánh giá
20/03/2026,KP02,Khu phố Phước Bình,1,1,1,0,1,1,Chưa đạt,
";

/// Training of officials.
///
/// | cán bộ | course | from | result |
/// |---|---|---|---|
/// | CB1 | K1 | 10/03 | Đạt |
/// | CB1 | K2 | 10/05 | Đạt (the same official again) |
/// | CB2 | K1 | 10/03 | Vắng |
/// | CB3 | K1 | 10/03 | Không đạt |
/// | CB3 | K2 | 10/05 | Đạt |
/// | CB4 | K3 | 10/07 | Đạt |
pub const TRAINING: &str = "MaCanBo,HoTen,ChucVu,DonVi,KhoaHoc,HinhThuc,TuNgay,DenNgay,SoGio,KetQua
CB1,Hà Văn Một,Chuyên viên,Văn phòng,Kỹ năng số cơ bản,Trực tiếp,10/03/2026,11/03/2026,8,Đạt
CB1,Hà Văn Một,Chuyên viên,Văn phòng,Phân tích dữ liệu,Trực tuyến,10/05/2026,10/05/2026,4,Đạt
CB2,Hà Thị Hai,Công chức,Phòng VH-XH,Kỹ năng số cơ bản,Trực tiếp,10/03/2026,11/03/2026,8,Vắng
CB3,Hà Văn Ba,Công chức,Phòng KT,Kỹ năng số cơ bản,Trực tiếp,10/03/2026,11/03/2026,8,Không đạt
CB3,Hà Văn Ba,Công chức,Phòng KT,Phân tích dữ liệu,Trực tuyến,10/05/2026,10/05/2026,4,Đạt
CB4,Hà Thị Tư,Viên chức,Trung tâm PVHCC,Ứng dụng AI,Kết hợp,10/07/2026,10/07/2026,6,Đạt
";

/// Business survey: B1 pays cashless, B2 uses nothing (in June; sells online by September),
/// B3 uses management software and e-invoices.
pub const BUSINESSES: &str = "NgayKhaoSat,MaCoSo,TenCoSo,LoaiHinh,NganhNghe,MaKhuPho,QuanTriSo,BanHangSo,ThanhToanKhongTienMat,HoaDonDienTu,NenTang
15/06/2026,B1,Tạp hóa Một,Hộ kinh doanh,Bán lẻ,KP01,0,0,1,0,VietQR
15/06/2026,B2,Quán Hai,Hộ kinh doanh,Ăn uống,KP01,0,0,0,0,
15/06/2026,B3,Công ty Ba,Doanh nghiệp,Dịch vụ,KP02,1,0,0,1,MISA
20/09/2026,B2,Quán Hai,Hộ kinh doanh,Ăn uống,KP01,0,1,0,0,Shopee
";

/// Milestones: I.8's paperless session under way in March, done on 25/06; III.2's first phase
/// not started (reported 25/03).
pub const MILESTONES: &str = "MaChiTieu,MocNam,MocTienDo,TrangThai,NgayCapNhat,MinhChung,DonViChuTri
I.8,2026,Hoàn thành,Đang thực hiện,25/03/2026,,Thường trực HĐND phường
I.8,2026,Hoàn thành,Hoàn thành,25/06/2026,Biên bản kỳ họp số 05 ngày 20/06/2026,Thường trực HĐND phường
III.2,2026,Hoàn thành giai đoạn 1,Chưa bắt đầu,25/03/2026,,Phòng Kinh tế
";

/// Digital-payment tallies: adults, with an account, who also paid.
///
/// | date | khu phố | adults | account | paid |
/// |---|---|---|---|---|
/// | 20/03 | KP01 | 700 | 400 | 300 |
/// | 20/03 | KP02 | 1.500 | 900 | 600 |
/// | 20/06 | KP01 | 700 | 500 | 420 |
pub const PAYMENTS: &str =
    "NgayTongHop,MaKhuPho,NguoiTruongThanh,CoTaiKhoanThanhToanSo,CoGiaoDichThanhToanSo,DiemHoTro
20/03/2026,KP01,700,400,300,Điểm hỗ trợ số KP01
20/03/2026,KP02,1500,900,600,Điểm hỗ trợ số KP02
20/06/2026,KP01,700,500,420,Điểm hỗ trợ số KP01
";

/// A plan of four tasks.
pub const PLAN: &str = r#"
id = "thu"
title = "Kế hoạch thử"
source_document = "Kế hoạch thử, Phụ lục"

[[tasks]]
id = "T-01"
stt = 1
viec = "Rà soát danh mục TTHC"
thoi_gian = "Tháng 6/2026"
han = "2026-06-30"
nguoi = "Chánh Văn phòng"
chu_tri = "Văn phòng HĐND và UBND"
phoi_hop = ["Trung tâm PVHCC"]
san_pham = "Danh mục TTHC"
chi_tieu = ["I.1", "I.6"]
muc_tieu = "100% TTHC có DVCTT"

[[tasks]]
id = "T-02"
stt = 2
viec = "Ra quân hỗ trợ kích hoạt VNeID"
thoi_gian = "Tháng 6/2026"
han = "2026-06-30"
nguoi = "Trưởng Công an phường"
chu_tri = "Công an phường"
phoi_hop = ["06 khu phố"]
san_pham = "Tài khoản được kích hoạt"
chi_tieu = ["II.1"]
muc_tieu = "≥ 70% dân số kích hoạt VNeID"

[[tasks]]
id = "T-03"
stt = 3
viec = "Lập bản đồ số kinh doanh giai đoạn 1"
thoi_gian = "Tháng 6/2026"
han = "2026-06-30"
nguoi = "Trưởng Phòng Kinh tế"
chu_tri = "Phòng Kinh tế"
san_pham = "Bản đồ số"
chi_tieu = ["III.2"]

[[tasks]]
id = "T-04"
stt = 4
viec = "Tập huấn kỹ năng số"
thoi_gian = "Năm 2026"
han = "2026-12-31"
nguoi = "Chánh Văn phòng"
chu_tri = "Văn phòng HĐND và UBND"
san_pham = "Cán bộ được tập huấn"
chi_tieu = ["I.6"]
"#;

/// Task reports: T-01 done on 15/06 (I.1 is a catalogue share with no history; I.6 stayed at
/// 2 / 3 from May to June), T-02 done on 10/06 (II.1 moved from May to June), T-03 never
/// reported, T-04 under way.
pub const TASK_REPORTS: &str = "MaNhiemVu,TrangThai,NgayCapNhat,NgayHoanThanh,MinhChung,DonViBaoCao
T-01,Đang thực hiện,01/06/2026,,,Văn phòng HĐND và UBND
T-01,Hoàn thành,16/06/2026,15/06/2026,Báo cáo số 12/BC-UBND,Văn phòng HĐND và UBND
T-02,Hoàn thành,11/06/2026,10/06/2026,Báo cáo số 15/BC-CAP,Công an phường
T-04,Đang thực hiện,01/07/2026,,,Văn phòng HĐND và UBND
";

impl Fixture {
    /// The fixture with every source: writes the extracts and adds their sources to its
    /// pipelines.toml.
    pub fn whole_ward() -> Fixture {
        let fx = Fixture::new();
        let root = fx.dir.path();
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write("extracts/ho_so_thang_8.csv", AUGUST_DOSSIERS);
        write("extracts/vneid/vneid_2026-05.csv", &vneid_may());
        write("extracts/vneid/vneid_2026-06.csv", &vneid_june());
        for (table, text) in MARKET {
            write(&format!("extracts/market/{table}.csv"), text);
        }
        write("extracts/petitions/page-0001.json", PETITIONS);
        write("uploads/gia_dinh_so.csv", HOUSEHOLDS);
        write("uploads/to_dan_pho_so.csv", NEIGHBOURHOODS);
        write("uploads/tap_huan.csv", TRAINING);
        write("uploads/khao_sat.csv", BUSINESSES);
        write("uploads/moc.csv", MILESTONES);
        write("uploads/thanh_toan_so.csv", PAYMENTS);
        write("uploads/nhiem_vu.csv", TASK_REPORTS);
        write("plans/thu.toml", PLAN);
        let path = root.join("pipelines.toml");
        let mut toml = std::fs::read_to_string(&path).unwrap();
        toml = toml.replacen("[[ward.units]]", "plans = \"plans\"\n[[ward.units]]", 1);
        toml.push_str(
            r#"
[sources.vneid]
system = "vneid"
files = ["extracts/vneid/*.csv"]

[sources.market]
system = "market"
files = ["extracts/market/*.csv"]

[sources.petitions]
system = "petitions"
files = ["extracts/petitions/*.json"]

[sources.uploads]
system = "uploads"
[sources.uploads.files]
households = ["uploads/gia_dinh_so.csv"]
neighbourhoods = ["uploads/to_dan_pho_so.csv"]
training = ["uploads/tap_huan.csv"]
businesses = ["uploads/khao_sat.csv"]
milestones = ["uploads/moc.csv"]
payments = ["uploads/thanh_toan_so.csv"]
tasks = ["uploads/nhiem_vu.csv"]
"#,
        );
        std::fs::write(&path, toml).unwrap();
        let cfg = chiso::Config::load(&path).expect("whole-ward config");
        Fixture { dir: fx.dir, cfg }
    }

    /// Runs every source once; returns the rows each committed.
    pub async fn ingest_all(&self) -> Vec<warehouse::CommitReport> {
        let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
        chiso::pipeline::ingest(&self.cfg, &self.lake(), None, &key)
            .await
            .expect("ingest")
    }

    /// The plans of the fixture.
    pub fn plans(&self) -> Vec<metrics::Plan> {
        metrics::load_plans(&self.dir.path().join("plans")).unwrap()
    }
}

/// Where the fixture's pipelines.toml is.
pub fn config_path(fx: &Fixture) -> std::path::PathBuf {
    Path::new(fx.dir.path()).join("pipelines.toml")
}
