# The reports area's messages (vi).

nav-reports = Báo cáo

# Báo cáo hợp tác
report-title = Báo cáo hợp tác
report-window-between = Các hoạt động trao đổi diễn ra từ { $from } đến { $to } và các đợt đánh giá kết thúc trong khoảng đó,
report-window-until = Các hoạt động trao đổi diễn ra đến { $to } và các đợt đánh giá kết thúc đến ngày đó,
report-window-at = theo tình hình hồ sơ tại ngày { $at }.
report-from = Từ ngày
report-to = Đến ngày
report-to-hint = Để trống: đến ngày hiệu lực.
report-totals = Tổng hợp
report-total-agreements = Thỏa thuận
report-total-active = Thỏa thuận đang hiệu lực
report-total-exchanges = Hoạt động trao đổi
report-total-reviews = Đợt đánh giá đã kết thúc
report-charts = Biểu đồ
report-chart-area = Hoạt động trao đổi theo lĩnh vực
report-chart-year = Hoạt động trao đổi theo năm
report-chart-party = Hoạt động trao đổi theo bên tham gia
report-chart-total = Tổng cộng { $count }
report-chart-party-note = mỗi hoạt động được tính cho từng bên tham gia
report-chart-empty = Không có hoạt động trao đổi nào trong khoảng thời gian này.
report-chart-activities = Hoạt động theo kế hoạch và đã thực hiện
report-chart-activities-note = { $count } hoạt động đến hạn trong khoảng thời gian này, theo tình trạng tại ngày của báo cáo
report-chart-activities-empty = Không có hoạt động nào của kế hoạch công tác đến hạn trong khoảng thời gian này.
report-agreements = Các thỏa thuận trong báo cáo
report-none = Không có thỏa thuận nào trong khoảng thời gian này tại ngày đã chọn.
report-col-exchanges = Hoạt động trao đổi
report-col-reviews = Đánh giá đã kết thúc
report-col-areas = Theo lĩnh vực
report-col-activities = Hoạt động đến hạn trong khoảng thời gian
report-col-follow-ups = Việc cần làm tiếp theo chưa xong
report-plans = Kế hoạch công tác và việc cần làm tiếp theo
report-col-agreements = Thỏa thuận
report-parties = Theo bên tham gia
report-downloads = Tải xuống
report-download-csv = Tải tệp CSV
report-download-json = Tải tệp JSON
report-download-receipt = Biên nhận của báo cáo này
report-download-hint = Các tệp giống hệt tệp của API với cùng tham số. Mỗi tệp mang biên nhận của báo cáo này trong tiêu đề Accord-Receipt: hãy lưu biên nhận cùng với tệp.

# Biên nhận của trang in và tệp tải xuống
receipt-title = Biên nhận
receipt-intro = Trang này phản ánh hồ sơ đến sự kiện { $position }. Hệ thống đã ký xác nhận nội dung trang: trang nào, ngày hiệu lực, thời điểm hiểu biết, vị trí và mã băm của sự kiện đó. Hãy lưu đoạn văn bản này hoặc mã QR chứa nó; trên trang Kiểm toán, biên nhận chứng minh trang này sau nhiều năm và mở lại đúng như lúc in.
receipt-text-label = Nội dung biên nhận
receipt-qr-label = Mã QR chứa nội dung biên nhận
receipt-check = Để chứng minh về sau, hãy dán nội dung này vào trang Kiểm toán.
receipt-reopen = Mở lại đúng trang này

# Lĩnh vực hợp tác, theo mã mà thỏa thuận khai báo (của dữ liệu mẫu); lĩnh
# vực không có thông điệp được hiển thị bằng mã của nó.
area-experience_exchange = Trao đổi kinh nghiệm
area-state_management_information = Thông tin quản lý nhà nước về các khu
area-investment_promotion = Xúc tiến đầu tư
area-labour_recruitment = Tuyển dụng lao động
area-decree_29_2008 = Nghị định 29/2008/NĐ-CP
area-scheme_30 = Đề án 30 (thủ tục hành chính)
area-regional_linkage = Liên kết vùng
