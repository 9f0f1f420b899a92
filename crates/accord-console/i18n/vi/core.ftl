# Bảng điều khiển Accord bằng tiếng Việt. Mỗi dòng một `khóa = nội dung`;
# `{ $tên }` do trang điền vào. Giữ thứ tự khóa giống en.ftl.

app-name = Accord
skip-to-content = Chuyển đến nội dung
footer = Accord lưu hồ sơ các thỏa thuận hợp tác dưới dạng chuỗi sự kiện chỉ ghi thêm, liên kết bằng mã băm. Mọi trang đều dựng lại được theo bất kỳ ngày hiệu lực nào và theo hiểu biết tại bất kỳ thời điểm nào.

# Điều hướng và người dùng
nav-label = Điều hướng chính
nav-home = Trang chủ
nav-agreements = Thỏa thuận
nav-parties = Các bên
nav-docs = API
nav-my-party = Đơn vị của tôi
identity-label = Đang đăng nhập với vai trò
sign-out = Đăng xuất
lang-switch = Ngôn ngữ
lang-vi = Tiếng Việt
lang-en = English

# Vai trò
role-admin = Quản trị viên
role-writer = Bộ phận thư ký
role-auditor = Kiểm toán viên
role-system = Hệ thống

# Đăng nhập
sign-in-title = Đăng nhập
sign-in-intro = Đăng nhập bằng mã truy cập do quản trị viên cấp. Mã truy cập chỉ được kiểm tra trên máy chủ; trình duyệt chỉ giữ một cookie phiên, phiên kết thúc khi bạn đăng xuất, khi lâu không sử dụng hoặc khi mã bị thu hồi.
sign-in-token = Mã truy cập
sign-in-token-hint = Mã truy cập bắt đầu bằng acc_.
sign-in-submit = Đăng nhập
sign-in-token-unknown = Mã truy cập này không tồn tại hoặc đã bị thu hồi.
sign-in-ended-expired = Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.
sign-in-ended-revoked = Mã truy cập của bạn đã bị thu hồi nên phiên làm việc đã kết thúc.
sign-in-ended-signed-out = Bạn đã đăng xuất.

# Xem theo thời gian
tt-title = Xem theo thời gian
tt-at = Ngày hiệu lực
tt-at-hint = Tình hình tại ngày này: chỉ các sự việc đã có hiệu lực đến ngày đó.
tt-as-of = Theo hiểu biết tại
tt-as-of-hint = Những gì hồ sơ biết tại thời điểm này: chỉ các sự kiện đã được ghi nhận đến lúc đó.
tt-now = Hiện tại (mọi sự kiện đã ghi nhận)
tt-show = Xem
tt-reset = Hôm nay, mọi sự kiện đã ghi nhận
tt-steps = Đi qua từng sự kiện
tt-step-prev = Sự kiện trước
tt-step-next = Sự kiện sau
tt-step-where = Sự kiện { $index }
tt-step-latest = Mới nhất

# Danh sách và phân trang
pager-label = Trang
pager-prev = Trang trước
pager-next = Trang sau
pager-page = Trang { $page }
filters-title = Bộ lọc
filter-party = Bên tham gia
filter-any-party = Tất cả các bên
filter-status = Tình trạng
filter-any-status = Mọi tình trạng
filters-apply = Lọc

# Trang chủ
home-title = Các thỏa thuận hợp tác
home-party-agreements = Các thỏa thuận của đơn vị
home-all-agreements-title = Tất cả thỏa thuận
home-all-agreements = Xem tất cả thỏa thuận
home-recent = Sự kiện gần đây

# Thỏa thuận
agreements-title = Thỏa thuận
agreements-count = { $count } thỏa thuận tại ngày này
agreements-none = Không có thỏa thuận nào tại ngày này.
agreement-title = Tên thỏa thuận
agreement-parties = Các bên
agreement-signed-on = Ngày ký
agreement-place = Nơi ký
agreement-term = Thời hạn
agreement-status = Tình trạng
agreement-status-on = Tình trạng ngày { $date }:
agreement-exchanges = Hoạt động trao đổi
agreement-exchanges-counted = Tính { $count } hoạt động trao đổi (hoạt động đã rút lại vẫn được liệt kê nhưng không được tính).
agreement-facts = Thông tin thỏa thuận
agreement-supersedes = Thay thế cho
agreement-superseded-by = Được thay thế bởi
agreement-terminated-on = Chấm dứt ngày
agreement-version = Phiên bản
agreement-id = Mã định danh
agreement-joined-on = Tham gia từ
agreement-member-until = Đến ngày
agreement-member-via = kế thừa từ
agreement-responsibilities = Trách nhiệm
agreement-areas = Lĩnh vực hợp tác
agreement-reviews = Sơ kết, tổng kết
agreement-compare = So sánh hai ngày hoặc hai phiên bản
agreement-unknown-title = Thỏa thuận chưa có tại thời điểm này
agreement-unknown-detail = Hồ sơ có thỏa thuận này nhưng không phải tại ngày hiệu lực và thời điểm đã chọn: đến ngày đó thỏa thuận chưa được ký, hoặc đến thời điểm đó chưa được ghi nhận. Hãy chọn thời điểm khác bên dưới hoặc mở một sự kiện trong dòng thời gian.

# Tình trạng
status-pending = Chưa có hiệu lực
status-active = Đang có hiệu lực
status-expired = Hết hạn
status-superseded = Đã được thay thế
status-terminated = Đã chấm dứt

# Hoạt động trao đổi
exchanges-none = Chưa có hoạt động trao đổi nào đến ngày này.
exchange-occurred-on = Ngày
exchange-area = Lĩnh vực
exchange-kind = Hình thức
exchange-parties = Các bên
exchange-summary = Nội dung
exchange-outcome = Kết quả
exchange-status = Hồ sơ
exchange-kind-meeting = Họp
exchange-kind-visit = Thăm, làm việc
exchange-kind-information = Cung cấp thông tin
exchange-kind-support = Hỗ trợ
exchange-kind-training = Đào tạo
exchange-kind-event = Sự kiện
exchange-kind-other = Khác
exchange-status-recorded = Như đã ghi nhận
exchange-status-corrected = Đã đính chính
exchange-status-retracted = Đã rút lại

# Sơ kết, tổng kết
reviews-none = Chưa có đợt sơ kết, tổng kết nào đến ngày này.
review-kind = Loại
review-kind-interim = Sơ kết
review-kind-final = Tổng kết
review-period = Giai đoạn
review-opened-on = Ngày mở
review-status = Tình trạng
review-status-open = Đang mở
review-status-closed = Đã kết thúc
review-closed-on = Ngày kết thúc
review-outcome = Kết quả
review-summary = Tóm tắt
review-assessments = Ý kiến đánh giá
assessments-none = Chưa có ý kiến đánh giá.
assessment-party = Bên đánh giá
assessment-rating = Mức độ
assessment-on = Ngày đánh giá
assessment-notes = Ghi chú
rating-met = Đạt
rating-partially_met = Đạt một phần
rating-not_met = Không đạt

# Dòng thời gian và sự kiện
timeline-title = Dòng thời gian
timeline-intro = Mọi sự kiện của thỏa thuận, cũ nhất trước, kèm ngày hiệu lực và thời điểm ghi nhận. Mở một sự kiện để xem thỏa thuận theo hiểu biết ngay sau sự kiện đó.
timeline-not-known = Chưa được ghi nhận tại thời điểm đang xem
timeline-not-in-effect = Chưa có hiệu lực tại ngày đang xem
timeline-void = Hủy bỏ
timeline-voided = Đã hủy bỏ:
timeline-voided-by = xem lần hủy bỏ
events-none = Chưa có sự kiện nào được ghi nhận.
event-position = Vị trí
event-version = Phiên bản
event-type = Sự kiện
event-subject = Đối tượng
event-effective-on = Ngày hiệu lực
event-recorded-at = Ghi nhận lúc
event-actor = Người ghi nhận
event-hash = Mã băm
event-view = Xem
event-view-as-known = Theo hiểu biết lúc đó
event-PartyRegistered = Đăng ký bên tham gia
event-AgreementSigned = Ký thỏa thuận
event-AgreementAmended = Sửa đổi thỏa thuận
event-PartyAdmitted = Kết nạp bên tham gia
event-ExchangeRecorded = Ghi nhận hoạt động trao đổi
event-ExchangeCorrected = Đính chính hoạt động trao đổi
event-ExchangeRetracted = Rút lại hoạt động trao đổi
event-ReviewPeriodOpened = Mở đợt đánh giá
event-AssessmentRecorded = Ghi nhận ý kiến đánh giá
event-ReviewPeriodClosed = Kết thúc đợt đánh giá
event-AgreementTerminated = Chấm dứt thỏa thuận
event-PartyUpdated = Cập nhật thông tin bên tham gia
event-PartySucceeded = Bên tham gia được kế thừa (hợp nhất)
event-PartyWithdrew = Bên tham gia rút khỏi thỏa thuận
event-DocumentAttached = Đính kèm văn bản
event-EventVoided = Sự kiện bị hủy bỏ

# So sánh
diff-title = Những gì đã thay đổi
diff-from = Từ
diff-to = Đến
diff-hint = Mỗi mốc là một số phiên bản (3), một ngày hiệu lực (2013-07-04) hoặc một thời điểm (2026-05-01T08:30:00Z).
diff-compare = So sánh
diff-count = { $count } thay đổi
diff-point-date = có hiệu lực vào ngày đó, theo mọi dữ kiện đã biết đến nay (phiên bản { $version }, vị trí { $position } trong nhật ký)
diff-point-known = như đã biết ở phiên bản { $version } (vị trí { $position } trong nhật ký)
diff-not-yet = chưa ký
diff-none = Không có thay đổi nào giữa hai mốc này.
diff-not-found = Thỏa thuận chưa tồn tại tại mốc thứ hai.
diff-what = Nội dung
diff-before = Trước
diff-after = Sau
diff-events = Sự kiện
change-field = Trường thông tin
change-status = Tình trạng
change-party_admitted = Kết nạp bên tham gia
change-party_removed = Bên tham gia không còn trong danh sách
change-exchange_added = Thêm hoạt động trao đổi
change-exchange_removed = Hoạt động trao đổi không còn trong danh sách
change-exchange_corrected = Đính chính hoạt động trao đổi
change-exchange_retracted = Rút lại hoạt động trao đổi
change-review_opened = Mở đợt đánh giá
change-review_removed = Đợt đánh giá không còn trong danh sách
change-review_assessed = Có ý kiến đánh giá
change-review_closed = Kết thúc đợt đánh giá

# Các trường thông tin, khi một thay đổi nêu tên
field-title = Tên
field-signed_on = Ngày ký
field-place = Nơi ký
field-term = Thời hạn
field-areas = Lĩnh vực
field-responsibilities = Trách nhiệm
field-supersedes = Thay thế cho
field-superseded_by = Được thay thế bởi
field-terminated_on = Ngày chấm dứt
field-status = Tình trạng
field-parties = Các bên
field-kind = Loại
field-period = Giai đoạn
field-outcome = Kết quả
field-closed_on = Ngày kết thúc
field-summary = Tóm tắt
field-opened_on = Ngày mở
field-assessments = Ý kiến đánh giá
field-party_id = Bên
field-rating = Mức độ
field-assessed_on = Ngày đánh giá
field-notes = Ghi chú
field-occurred_on = Ngày
field-area = Lĩnh vực

# Các bên
parties-title = Các bên tham gia
parties-none = Chưa có bên nào được đăng ký.
party-name = Tên đơn vị
party-short-name = Tên viết tắt
party-kind = Loại hình
party-province = Tỉnh
party-id = Mã định danh
party-agreements = Các thỏa thuận
party-agreements-on = Các thỏa thuận tại ngày { $date }
party-succeeded-by = Được kế thừa bởi
party-succeeds = Kế thừa
party-from = từ ngày { $date }
party-history = Tên qua các thời kỳ
party-history-from = Có hiệu lực từ
party-history-registered = Khi đăng ký
party-kind-industrial_zone_authority = Ban quản lý các khu công nghiệp
party-kind-economic_zone_authority = Ban quản lý khu kinh tế
party-kind-agency = Cơ quan
party-kind-enterprise = Doanh nghiệp
party-kind-other = Khác

# Tài liệu API
docs-title = Tài liệu API
docs-intro = API HTTP phiên bản 1, theo mô tả của chính hệ thống. Mọi đường dẫn dưới đây, trừ kiểm tra tình trạng và chính tài liệu này, đều cần mã truy cập (bearer token); nội dung mô tả là của API, bằng tiếng Anh.
docs-download = Tải tài liệu OpenAPI (JSON).
docs-contents = Mục lục
docs-parameters = Tham số
docs-param-name = Tên
docs-param-in = Vị trí
docs-param-required = Bắt buộc
docs-param-description = Mô tả
docs-required-yes = có
docs-responses = Kết quả trả về
docs-status = Mã trạng thái

# Lỗi
error-status = Lỗi { $status }
error-home = Về trang chủ
error-invalid-field = Giá trị không đọc được:
error-not-found = Không tìm thấy
error-not-found-detail = Không có trang này, hoặc nội dung của trang chưa tồn tại tại thời điểm đã chọn.
error-forbidden = Không được phép
error-forbidden-detail = Vai trò của bạn không được xem trang này.
error-cross-site = Yêu cầu bị từ chối
error-cross-site-detail = Biểu mẫu này không xuất phát từ một trang của hệ thống, hoặc mã bảo mật của biểu mẫu đã hết hạn. Hãy quay lại, tải lại trang rồi thử lại.
error-invalid = Địa chỉ không hợp lệ
error-invalid-detail = Một giá trị trong địa chỉ của trang không đúng định dạng (ngày được viết YYYY-MM-DD).
error-unavailable = Hệ thống đang bận
error-unavailable-detail = Hệ thống đang bận hoặc đang dừng. Vui lòng thử lại sau ít phút.
error-disk-full = Ổ đĩa đã đầy
error-disk-full-detail = Ổ đĩa chứa sổ đăng ký gần đầy nên chưa ghi được gì. Các trang vẫn xem được; vui lòng thử lại khi quản trị viên đã giải phóng dung lượng.
error-internal = Đã xảy ra lỗi
error-internal-detail = Hệ thống không hiển thị được trang này. Lỗi đã được ghi lại.

# Tháng, cho ngày viết bằng chữ
month-1 = tháng 1
month-2 = tháng 2
month-3 = tháng 3
month-4 = tháng 4
month-5 = tháng 5
month-6 = tháng 6
month-7 = tháng 7
month-8 = tháng 8
month-9 = tháng 9
month-10 = tháng 10
month-11 = tháng 11
month-12 = tháng 12

agreement-attachments = Văn bản và tệp đính kèm
attachments-none = Chưa có văn bản nào được đính kèm đến ngày này.
attachment-title = Tiêu đề
attachment-kind = Loại
attachment-dated-on = Ngày
attachment-size = Dung lượng
attachment-file = Tệp
attachment-download = Tải xuống
attachment-of-exchange = của một hoạt động trao đổi
attachment-of-review = của một đợt đánh giá
document-kind-signed_text = Văn bản ký kết
document-kind-minutes = Biên bản
document-kind-report = Báo cáo
document-kind-plan = Kế hoạch
document-kind-other = Khác
document-kind = Loại văn bản
agreement-document = Văn bản
agreement-document-number = Số
agreement-signatories = Người ký
