# The admin area's messages (vi).

# Điều hướng
nav-admin-tokens = Mã truy cập
nav-admin-webhooks = Webhook

# Mã truy cập
tokens-title = Mã truy cập
tokens-intro = Mã truy cập là cách một người hoặc một hệ thống đăng nhập và gọi API. Mã bí mật chỉ hiển thị một lần, khi tạo; dịch vụ chỉ lưu giá trị băm của nó. Thu hồi một mã sẽ kết thúc ngay các phiên của mã đó.
tokens-new = Tạo mã truy cập
tokens-role = Vai trò
tokens-party = Bên
tokens-party-hint = Mã của bộ phận thư ký hành động thay cho một bên đã đăng ký; các vai trò khác không gắn với bên nào.
tokens-no-party = Không có bên
tokens-label = Nhãn
tokens-label-hint = Ai giữ mã và để làm gì, ví dụ “Văn phòng BQL các KCN Lâm Đồng”. Tối đa 200 ký tự.
tokens-create = Tạo mã
tokens-created = Đã tạo mã truy cập
tokens-secret = Mã bí mật
tokens-secret-once = Hãy sao chép mã bí mật ngay và trao lại một cách an toàn: mã chỉ hiển thị lần này, không bao giờ hiển thị lại.
tokens-secret-gone = Mã bí mật đã hiển thị một lần và không còn xem được nữa. Nếu chưa sao chép, hãy thu hồi mã này và tạo mã khác.
tokens-list = Tất cả mã truy cập
tokens-created-at = Ngày tạo
tokens-state = Trạng thái
tokens-action = Thao tác
tokens-active = Đang dùng
tokens-revoked-state = Đã thu hồi
tokens-yours = (của bạn)
tokens-revoke = Thu hồi
tokens-revoked = Mã đã bị thu hồi: mã không còn mở được gì và các phiên của mã đã kết thúc.
tokens-error-role = Hãy chọn một vai trò: bộ phận thư ký, kiểm toán viên hoặc quản trị viên.
tokens-error-party = Mã của bộ phận thư ký cần có bên đã đăng ký mà nó hành động thay; mã kiểm toán viên và quản trị viên không gắn với bên nào.
tokens-error-label = Nhãn quá dài: tối đa 200 ký tự.
tokens-error-last-admin = Đây là mã quản trị viên cuối cùng còn hiệu lực: hãy tạo một mã quản trị viên khác trước khi thu hồi mã này.

# Webhook
webhooks-title = Webhook
webhooks-intro = Một đăng ký webhook nhận các sự kiện của sổ đăng ký dưới dạng yêu cầu HTTP có chữ ký, theo đúng thứ tự, được gửi lại cho đến khi bên nhận xác nhận. Mỗi đăng ký có nhật ký gửi riêng.
webhooks-list = Các đăng ký
webhooks-none = Chưa có đăng ký nào.
webhooks-url = Địa chỉ (URL)
webhooks-url-hint = Địa chỉ http hoặc https. Địa chỉ phải dẫn tới một máy chủ công khai, trừ khi dịch vụ cho phép địa chỉ nội bộ.
webhooks-description = Mô tả
webhooks-filter = Sự kiện
webhooks-all-types = Mọi sự kiện
webhooks-only-agreement = Chỉ thỏa thuận
webhooks-any-agreement = Mọi thỏa thuận
webhooks-status = Trạng thái
webhooks-enabled-state = Đang bật
webhooks-disabled-state = Đã tắt
webhooks-created-at = Ngày tạo
webhooks-new = Đăng ký mới
webhooks-event-types = Loại sự kiện
webhooks-event-types-hint = Không chọn loại nào để nhận mọi sự kiện.
webhooks-agreement = Thỏa thuận
webhooks-create = Tạo đăng ký
webhooks-created = Đã tạo đăng ký. Đăng ký sẽ nhận các sự kiện được ghi từ bây giờ.
webhooks-rotated = Đã cấp mã bí mật mới. Trong 24 giờ, mỗi lần gửi đều được ký bằng cả mã mới và mã trước đó.
webhooks-disabled = Đăng ký đã tắt: không gửi gì cho đến khi bật lại.
webhooks-enabled = Đăng ký đã bật: việc gửi tiếp tục từ chỗ đã dừng.
webhooks-replayed = Đã xếp lịch gửi lại: các sự kiện từ vị trí đó sẽ được gửi lại theo thứ tự.
webhooks-error-url = Hãy nhập một địa chỉ http hoặc https.
webhooks-error-scheme = Chỉ địa chỉ http và https mới nhận được webhook.
webhooks-error-private-address = Địa chỉ này thuộc mạng nội bộ hoặc cục bộ, dịch vụ không gửi tới đó.
webhooks-error-unresolvable = Không phân giải được tên máy chủ này.
webhooks-error-event-types = Hãy chọn loại sự kiện trong danh sách.
webhooks-error-agreement = Hãy chọn một thỏa thuận trong danh sách.
webhooks-error-position = Hãy nhập một vị trí trong nhật ký: số nguyên từ 1 trở lên.

# Một đăng ký
webhook-title = Đăng ký webhook
webhook-id = Mã định danh
webhook-facts = Đăng ký
webhook-secret-title = Mã bí mật mới
webhook-secret = Mã bí mật dùng để ký
webhook-secret-once = Hãy sao chép mã bí mật ngay và trao cho bên nhận: mã chỉ hiển thị lần này, không bao giờ hiển thị lại.
webhook-secret-gone = Mã bí mật đã hiển thị một lần và không còn xem được nữa. Nếu chưa sao chép, hãy đổi mã bí mật lần nữa.
webhook-actions = Quản lý
webhook-rotate = Đổi mã bí mật
webhook-rotate-hint = Đổi mã sẽ cấp một mã bí mật mới; mã trước đó vẫn tiếp tục ký trong 24 giờ để bên nhận chuyển đổi mà không mất lần gửi nào.
webhook-disable = Tắt
webhook-enable = Bật
webhook-replay-from = Gửi lại từ vị trí
webhook-replay-hint = Mọi sự kiện phù hợp từ vị trí này của nhật ký trở đi sẽ được gửi lại theo thứ tự, với cùng webhook-id.
webhook-replay = Gửi lại
webhook-log = Nhật ký gửi
webhook-log-empty = Chưa gửi gì.
webhook-log-first = Những lần gửi đầu tiên
webhook-state = Trạng thái
webhook-state-pending = Đang chờ
webhook-state-succeeded = Đã gửi
webhook-state-failed = Đã bỏ
webhook-attempts = Số lần thử
webhook-last-attempt = Lần thử gần nhất
webhook-next-attempt = Lần thử tiếp theo
webhook-next-around = khoảng { $at }
webhook-every-attempt = Mọi lần thử
webhook-duration = { $ms } ms

# Cập nhật trực tiếp
live-new-events = Có sự kiện mới được ghi; trang này đã hiển thị chúng.
live-ended = Phiên của bạn đã kết thúc nên trang này không còn tự cập nhật. Hãy tải lại trang để đăng nhập lại.
