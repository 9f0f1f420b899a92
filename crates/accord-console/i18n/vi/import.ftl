# The import area's messages (vi).
# Cả tệp bị từ chối.
import-file-too-large = Tệp lớn hơn { $value } MB. Hãy chia thành các tệp nhỏ hơn.
import-file-not-sheet = Tệp này không phải là bảng tính: hãy tải lên tệp CSV (UTF-8) hoặc sổ tính Excel (.xlsx).
import-file-xls = Đây là tệp Excel cũ (.xls). Hãy lưu thành sổ tính Excel (.xlsx) hoặc CSV (UTF-8) rồi tải lên lại.
import-file-empty = Tệp trống.
import-file-unknown-column = Cột “{ $value }” không thuộc mẫu. Hãy dùng dòng tiêu đề của mẫu.
import-file-twice = Cột “{ $value }” xuất hiện hai lần.
import-file-missing-column = Thiếu cột “{ $value }”. Hãy dùng dòng tiêu đề của mẫu.
import-file-no-rows = Tệp có dòng tiêu đề nhưng không có hoạt động trao đổi nào bên dưới.
import-file-too-many-rows = Tệp có hơn { $value } hoạt động trao đổi. Hãy chia thành các tệp nhỏ hơn.
# Một ô sai định dạng.
import-bad-missing = Ô này không được để trống.
import-bad-id = Không phải mã định danh (UUID, ví dụ 0190f0a0-2014-7000-8000-000000000310).
import-bad-date = Không phải ngày: hãy viết 10/03/2014 hoặc 2014-03-10.
import-bad-area = Không phải mã lĩnh vực (ví dụ investment_promotion).
import-bad-kind = Không phải hình thức trao đổi: Họp, Thăm, làm việc, Cung cấp thông tin, Hỗ trợ, Đào tạo, Sự kiện, Khác (hoặc meeting, visit…).
import-bad-party = Không phải danh sách mã các bên (ví dụ dong-nai-iza; lam-dong-iza).
