# The audit area's messages (vi).

nav-audit = Kiểm toán

# Trang kiểm toán
audit-title = Kiểm toán
audit-intro = Kiểm tra rằng hồ sơ chưa từng bị sửa đổi: xác minh chuỗi mã băm, lưu điểm kiểm tra có chữ ký và khóa công khai ở ngoài máy chủ này, tải toàn bộ nhật ký, và kiểm tra biên nhận của một trang in hoặc tệp tải xuống.
audit-head-title = Điểm cuối của hồ sơ
audit-head-empty = Hồ sơ chưa có sự kiện nào.
audit-head-position = Vị trí
audit-head-hash = Mã băm
audit-chain-title = Xác minh chuỗi
audit-chain-intro = Tính lại mã băm của từng sự kiện từ dữ liệu đã lưu, từ sự kiện đầu tiên đến sự kiện cuối cùng. Với hồ sơ lớn, việc này mất một chút thời gian.
audit-chain-run = Xác minh chuỗi
audit-chain-ok = Chuỗi hợp lệ: { $count } sự kiện, từ vị trí 1 đến điểm cuối.
audit-chain-bad = Chuỗi bị đứt tại vị trí { $position }: { $count } sự kiện trước đó hợp lệ, sự kiện này thì không.
audit-downloads-title = Tải xuống
audit-download-checkpoint = Điểm kiểm tra có chữ ký (JSON)
audit-download-checkpoint-hint = Vị trí và mã băm của điểm cuối, do hệ thống ký: lưu ở ngoài máy chủ, về sau nó chứng minh nhật ký đến vị trí đó không bị viết lại.
audit-download-key = Khóa công khai (JSON)
audit-download-key-hint = Khóa dùng để ký các điểm kiểm tra và biên nhận.
audit-download-export = Xuất toàn bộ nhật ký (NDJSON)
audit-download-export-hint = Mọi sự kiện với dữ liệu đã lưu và mã băm, giống như lệnh accord export; accord import và công cụ riêng của bạn có thể kiểm tra tệp này.
audit-receipt-title = Kiểm tra biên nhận
audit-receipt-intro = Dán biên nhận của một trang in hoặc tệp tải xuống, hoặc nội dung chứa trong mã QR của nó. Hệ thống kiểm tra chữ ký, kiểm tra hồ sơ vẫn còn sự kiện được nêu với đúng mã băm, và trang đó có thể mở lại đúng như lúc in.
audit-receipt-field = Biên nhận
audit-receipt-hint = Biên nhận bắt đầu bằng accord-receipt/1; xuống dòng hay khoảng trắng giữa các trường không ảnh hưởng.
audit-receipt-submit = Kiểm tra biên nhận
audit-receipt-malformed = Đây không phải là biên nhận: trường { $field } bị thiếu hoặc không đọc được. Hãy dán toàn bộ nội dung, từ accord-receipt/1 đến chữ ký.
audit-receipt-verified = Đã xác minh.
audit-receipt-verified-detail = Biên nhận này do hệ thống ký, và hồ sơ vẫn đi qua sự kiện { $position } với đúng mã băm đã nêu.
audit-receipt-refused = Không xác minh được.
audit-receipt-view = Trang
audit-receipt-reopen = Mở trang mà biên nhận này thuộc về
audit-receipt-bad-signature = Chữ ký không khớp với biên nhận: một ký tự đã bị thay đổi, hoặc biên nhận không do hệ thống này ký.
audit-receipt-unknown-position = Biên nhận nêu sự kiện { $position }, nhưng hồ sơ chỉ có đến sự kiện { $head }.
audit-receipt-chain-broken = Chuỗi không hợp lệ đến sự kiện { $position }: chuỗi bị đứt tại sự kiện { $bad }.
audit-receipt-other-hash = Mã băm của sự kiện { $position } trong hồ sơ không phải mã băm mà biên nhận nêu (hồ sơ có { $found }): hồ sơ đã bị viết lại.
audit-receipt-not-pinned = Theo hiểu biết tại thời điểm của biên nhận, hồ sơ kết thúc ở sự kiện { $found }, không phải sự kiện { $position }: trang sẽ không mở lại được đúng như lúc in.
audit-files-ok = Mọi tệp được sổ ghi nhắc đến đều còn lưu và khớp mã băm: { $count } tệp.
audit-files-bad = { $count } sự kiện nhắc đến một tệp bị thiếu hoặc bị thay đổi:
audit-files-fault = sự kiện ở vị trí { $position } nhắc đến tệp
