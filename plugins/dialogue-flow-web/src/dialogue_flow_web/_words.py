"""The words of the screens, in Vietnamese (the default) and English: ``key -> (vi, en)``.

States take the labels the library's lifecycle declares (``SUBMISSION.labels``); the rest
follows the glossary of the domain notes. A key the table does not know is shown as it is,
so a value a newer library adds never breaks a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

__all__ = ["FIELD_WORDS", "LANGUAGES", "WORDS", "Words", "pick_language"]

#: The languages of the screens; the first is the default.
LANGUAGES = ("vi", "en")

WORDS: Mapping[str, tuple[str, str]] = {
    "app_title": ("Tiếp xúc, đối thoại với Nhân dân", "Direct dialogue with the People"),
    "switch_language": ("English", "Tiếng Việt"),
    # log-in
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "username": ("Tên đăng nhập", "Login"),
    "password": ("Mật khẩu", "Password"),
    "login_failed": ("Tên đăng nhập hoặc mật khẩu không đúng.",
                     "Wrong login or password."),
    "signed_in_as": ("Đang làm việc:", "Signed in:"),
    # the office's dashboard
    "dashboard": ("Việc cần giải quyết", "Matters to handle"),
    "overdue": ("Quá hạn", "Overdue"),
    "due_soon": ("Sắp đến hạn", "Due soon"),
    "due_soon_hint": ("hạn trong {days} ngày làm việc tới", "due within {days} working days"),
    "nothing": ("Không có.", "None."),
    "unassigned": ("Chưa giao", "Not assigned yet"),
    "due": ("Hạn", "Due"),
    "legal_basis": ("Căn cứ", "Legal basis"),
    "counted_from": ("tính từ ngày", "counted from"),
    "skipped_days": ("Ngày không tính", "Days not counted"),
    "no_skipped_days": ("Không có ngày nghỉ nào trong thời hạn (ngoài thứ Bảy, Chủ nhật).",
                        "No day off in the period (besides weekends)."),
    "topic": ("Lĩnh vực", "Topic"),
    "content": ("Nội dung", "Content"),
    "state": ("Trạng thái", "State"),
    "received": ("Ngày tiếp nhận", "Received"),
    "responsible": ("Đơn vị giải quyết", "Responsible"),
    "version": ("Phiên bản", "Version"),
    "open": ("Xem", "Open"),
    "matter": ("Kiến nghị", "Matter"),
    # a matter's page
    "history": ("Quá trình xử lý", "History"),
    "when": ("Thời gian", "When"),
    "who": ("Người thực hiện", "By"),
    "event": ("Việc", "Event"),
    "from_to": ("Từ → đến", "From → to"),
    "reason": ("Lý do", "Reason"),
    "details": ("Chi tiết", "Details"),
    "actions": ("Xử lý", "Actions"),
    "no_actions": ("Bạn không có thao tác nào được phép thực hiện ở trạng thái này.",
                   "Nothing you may do in this state."),
    "confidential": ("Danh tính người kiến nghị được bảo mật",
                     "The petitioner's identity is protected"),
    # receiving a matter at the office, and reading its petitioner (access-logged)
    "rc_title": ("Tiếp nhận ý kiến, kiến nghị", "Receive a matter"),
    "rc_kind": ("Loại", "Kind"),
    "kind_opinion": ("Ý kiến", "Opinion"),
    "kind_question": ("Câu hỏi", "Question"),
    "kind_petition": ("Kiến nghị", "Petition"),
    "kind_feedback": ("Phản ánh", "Feedback"),
    "kind_denunciation": ("Tố cáo (luôn bảo mật danh tính)",
                          "Denunciation (identity always protected)"),
    "rc_petitioner": ("Người kiến nghị (không bắt buộc)", "Petitioner (optional)"),
    "rc_name": ("Họ tên", "Name"),
    "rc_phone": ("Điện thoại", "Phone"),
    "rc_collected": ("Do Mặt trận, đoàn thể tổng hợp", "Collected by the Front or a union"),
    "rc_address": ("Địa chỉ", "Address"),
    "rc_email": ("Thư điện tử", "E-mail"),
    "rc_confidential": ("Bảo mật danh tính người kiến nghị", "Protect the petitioner's identity"),
    "rc_submit": ("Tiếp nhận", "Receive"),
    "pt_show": ("Xem thông tin người kiến nghị", "Show the petitioner"),
    "pt_title": ("Thông tin người kiến nghị", "The petitioner"),
    "pt_logged": ("Lần xem này được ghi vào nhật ký truy cập dữ liệu cá nhân.",
                  "This read is recorded in the personal-data access log."),
    "pt_name": ("Họ tên", "Name"),
    "pt_phone": ("Điện thoại", "Phone"),
    "pt_group": ("Nhóm", "Group"),
    "pt_anonymous": ("Không nêu tên", "Anonymous"),
    "pt_withheld": ("Danh tính người kiến nghị không được chuyển đến cơ quan này (bảo mật).",
                    "The petitioner's identity was not passed to this body (confidential)."),
    "pt_erased": ("Danh tính người kiến nghị đã được xóa theo quy định về dữ liệu cá nhân.",
                  "The petitioner's identity was erased (personal data rules)."),
    "answer_text": ("Nội dung trả lời", "Answer"),
    "mode": ("Hình thức", "How"),
    "mode_auto": ("Tự động xác định", "Automatic"),
    "on_the_spot": ("Trả lời trực tiếp tại hội nghị", "On the spot"),
    "in_writing": ("Trả lời bằng văn bản", "In writing"),
    "department": ("Ban, ngành, bộ phận", "Department"),
    "complex": ("Vụ việc phức tạp", "Complex matter"),
    "to": ("Chuyển đến tổ chức", "To the organisation"),
    "none_chosen": ("— không chọn —", "— none —"),
    "body": ("Cơ quan tiếp nhận", "Receiving body"),
    "competent_level": ("Hoặc cấp có thẩm quyền ngoài hệ thống", "Or a competent body elsewhere"),
    "until": ("Gia hạn đến ngày", "Extend until"),
    "outcome": ("Kết quả", "Outcome"),
    "duplicate_of": ("Trùng với kiến nghị (mã)", "Duplicate of (id)"),
    "note": ("Ghi chú", "Note"),
    "submit": ("Ghi nhận", "Save"),
    "back": ("Quay lại", "Back"),
    # the commands
    "cmd_answer": ("Trả lời", "Answer"),
    "cmd_assign": ("Giao xử lý", "Assign"),
    "cmd_escalate": ("Chuyển cấp có thẩm quyền", "Escalate"),
    "cmd_extend": ("Gia hạn", "Extend"),
    "cmd_close": ("Kết thúc", "Close"),
    "cmd_reopen": ("Mở lại", "Reopen"),
    "ev_receive": ("Tiếp nhận", "Received"),
    "ev_return": ("Trả lại", "Returned"),
    "ev_prepare": ("Chuẩn bị trả lời", "Prepared"),
    "ev_schedule": ("Tính lại hạn", "Due date set"),
    # the details of a history row, by key (a key not listed is shown as it is)
    "dt_department": ("Ban, ngành", "Department"),
    "dt_mode": ("Hình thức", "How"),
    "dt_competent_level": ("Cấp có thẩm quyền", "Competent level"),
    "dt_until": ("Đến ngày", "Until"),
    "dt_from": ("Hạn trước đó", "Due before"),
    "dt_reason": ("Lý do", "Reason"),
    "dt_origin": ("Kiến nghị gốc", "Original matter"),
    "dt_by": ("Đơn vị xử lý", "Handled by"),
    "dt_linked": ("Kiến nghị liên kết", "Linked matter"),
    "dt_to": ("Chuyển đến", "To"),
    "dt_paused_due": ("Hạn khi tạm dừng", "Due when paused"),
    "dt_paused_on": ("Tạm dừng từ", "Paused on"),
    "dt_due": ("Hạn", "Due"),
    "ev_accept": ("Thông báo thụ lý", "Accepted for handling"),
    # close outcomes (CloseReason)
    "accepted": ("Người có kiến nghị đồng ý với trả lời", "Answer accepted"),
    "withdrawn": ("Rút kiến nghị", "Withdrawn"),
    "duplicate": ("Trùng kiến nghị khác", "Duplicate"),
    "settled_at_meeting": ("Đã giải quyết tại hội nghị", "Settled at the meeting"),
    "answered_by_competent_level": ("Cấp có thẩm quyền đã trả lời",
                                    "Answered by the competent level"),
    "returned": ("Trả lại nơi chuyển đến", "Returned"),
    # the citizen's status page
    "status_title": ("Tra cứu kết quả giải quyết kiến nghị", "Where does my petition stand?"),
    "tracking_code": ("Mã tra cứu", "Tracking code"),
    "lookup": ("Tra cứu", "Look up"),
    "organisation": ("Cơ quan giải quyết", "Handled by"),
    "due_on": ("Hạn trả lời", "To be answered by"),
    "answer": ("Trả lời", "Answer"),
    "answered_on": ("Ngày trả lời", "Answered on"),
    "close_reason": ("Kết quả", "Outcome"),
    "bad_code": ("Mã tra cứu không đúng", "Not a valid tracking code"),
    "not_found_code": ("Không có kiến nghị nào với mã này.", "No matter has this code."),
    "too_many": ("Tra cứu quá nhiều lần. Vui lòng thử lại sau {seconds} giây.",
                 "Too many lookups. Please try again in {seconds} seconds."),
    "too_many_logins": ("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {seconds} giây.",
                        "Too many failed log-ins. Please try again in {seconds} seconds."),
    "office_link": ("Cán bộ đăng nhập", "Staff log-in"),
    # errors
    "conflict": ("Kiến nghị này vừa được người khác thay đổi. Vui lòng tải lại trang.",
                 "This matter was changed by someone else. Please reload the page."),
    "conflict_meeting": ("Hội nghị này vừa được người khác thay đổi. Vui lòng tải lại trang.",
                         "This meeting was changed by someone else. Please reload the page."),
    "reload": ("Tải lại", "Reload"),
    "forbidden": ("Bạn không có quyền thực hiện việc này.", "You may not do this."),
    "csrf": ("Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang.",
             "The form expired or is not valid. Please reload the page."),
    "bad_input": ("Dữ liệu chưa hợp lệ.", "Invalid input."),
    "bad_field": ("Mục «{name}» chưa hợp lệ; sửa lại rồi gửi lại biểu mẫu.",
                  "«{name}» is not valid; correct it and send the form again."),
    "bad_version": ("Biểu mẫu đã cũ; vui lòng tải lại trang rồi làm lại.",
                    "The form is out of date; reload the page and try again."),
    "library_says": ("Chi tiết (tiếng Anh):", "Details:"),
    "not_found": ("Không tìm thấy.", "Not found."),
    "error": ("Có lỗi", "Error"),
    "server_error": ("Lỗi hệ thống. Vui lòng tải lại trang để xem việc đã được ghi chưa.",
                     "The system failed. Reload the page to see whether it was saved."),
    # the meetings' screens (issue 19, W2)
    "mt_meetings": ("Hội nghị tiếp xúc, đối thoại", "Meetings"),
    "mt_title": ("Tên hội nghị", "Title"),
    "mt_scheduled_for": ("Ngày tổ chức", "Date"),
    "mt_venue": ("Địa điểm", "Venue"),
    "mt_topics": ("Nội dung, lĩnh vực (mỗi dòng một)", "Topics (one a line)"),
    "mt_plan": ("Lập kế hoạch hội nghị", "Plan a meeting"),
    "mt_announce_by": ("Hạn thông báo", "Announce by"),
    "mt_conclusion_due": ("Hạn thông báo kết luận", "Conclusion due"),
    "mt_announced_on": ("Ngày thông báo", "Announced on"),
    "mt_held_on": ("Ngày tổ chức thực tế", "Held on"),
    "mt_attendance": ("Số người tham dự", "Attendance"),
    "mt_on": ("Ngày (để trống: hôm nay)", "On (empty: today)"),
    "mt_cmd_announce": ("Thông báo hội nghị", "Announce"),
    "mt_cmd_hold": ("Ghi nhận đã tổ chức", "Hold"),
    "mt_cmd_conclude": ("Ban hành thông báo kết luận", "Conclude"),
    "mt_cmd_reschedule": ("Đổi ngày", "Reschedule"),
    "mt_cmd_cancel": ("Hủy hội nghị", "Cancel"),
    "mt_intake": ("Ghi nhận ý kiến, kiến nghị tại hội nghị", "Record opinions at the meeting"),
    "mt_name": ("Họ tên (không bắt buộc)", "Name (optional)"),
    "mt_phone": ("Điện thoại (không bắt buộc)", "Phone (optional)"),
    "mt_channel": ("Hình thức", "How"),
    "mt_spoken": ("Phát biểu trực tiếp", "Spoken"),
    "mt_written": ("Bằng văn bản", "Written"),
    "mt_collected": ("Tổng hợp trước hội nghị", "Collected beforehand"),
    "mt_transferred": ("Chuyển đến", "Transferred"),
    "mt_reception": ("Tiếp công dân", "Reception day"),
    "mt_record": ("Ghi nhận ý kiến", "Record"),
    "mt_opinions": ("Ý kiến, kiến nghị đã ghi nhận", "Opinions recorded"),
    "mt_documents": ("Văn bản", "Documents"),
    "mt_doc_announcement": ("Thông báo tổ chức hội nghị (.docx)", "Announcement (.docx)"),
    "mt_doc_conclusion_notice": ("Thông báo kết luận (.docx)", "Conclusion notice (.docx)"),
    "mt_needs_docx": ("Cần cài đặt gói dialogue-flow-docx để tạo văn bản .docx.",
                      "Install the dialogue-flow-docx plugin to make .docx documents."),
    # the province's screens
    "province": ("Tỉnh", "Province"),
    "prov_communes": ("Các xã, phường: ý kiến, kiến nghị đang giải quyết",
                      "Communes: matters in progress"),
    "prov_organisation": ("Tổ chức", "Organisation"),
    "prov_open": ("Đang giải quyết", "Open"),
    "prov_overdue": ("Quá hạn", "Overdue"),
    "prov_escalated": ("Kiến nghị chuyển lên Tỉnh", "Matters escalated to the province"),
    "prov_rollup": ("Báo cáo tổng hợp", "Roll-up report"),
    "prov_period": ("Kỳ báo cáo", "Period"),
    "prov_period_hint": ("ví dụ 2026-H1, 2026-Q2, 2026-05, 2026-03-01..2026-04-15",
                         "e.g. 2026-H1, 2026-Q2, 2026-05, 2026-03-01..2026-04-15"),
    "prov_show": ("Xem", "Show"),
    "prov_total": ("Tổng cộng", "Total"),
    "prov_charts": ("Biểu đồ", "Charts"),
}


def _day(text: str) -> str:
    """``2026-03-31`` as ``31/03/2026``; any other text as it is."""
    try:
        return dt.date.fromisoformat(text).strftime("%d/%m/%Y") if len(text) == 10 else text
    except ValueError:
        return text


def pick_language(*candidates: object) -> str:
    """The first candidate that is a screen language, else the default (Vietnamese)."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return str(candidate)
    return LANGUAGES[0]


#: The word of a form's field, by the name the library's errors give it
#: (``InvalidInputError.field``).
FIELD_WORDS: Mapping[str, str] = {
    "topic": "topic", "content": "content", "text": "answer_text", "mode": "mode",
    "department": "department", "to": "to", "body": "body",
    "competent_level": "competent_level", "until": "until", "reason": "reason",
    "outcome": "outcome", "duplicate_of": "duplicate_of", "note": "note",
    "version": "version", "title": "mt_title", "scheduled_for": "mt_scheduled_for",
    "venue": "mt_venue", "topics": "mt_topics", "on": "mt_on",
    "actual_attendance": "mt_attendance", "channel": "mt_channel", "kind": "rc_kind",
    "name": "pt_name", "phone": "pt_phone", "address": "rc_address", "email": "rc_email",
    "Petitioner.name": "pt_name", "Petitioner.phone": "pt_phone",
    "Petitioner.address": "rc_address", "Petitioner.email": "rc_email",
    "period": "prov_period", "code": "tracking_code",
}


class Words:
    """The words of one language: ``words["login"]``, ``words.fmt("too_many", seconds=5)``."""

    __slots__ = ("language",)

    def __init__(self, language: str) -> None:
        self.language = pick_language(language)

    def __getitem__(self, key: str) -> str:
        pair = WORDS.get(key)
        if pair is None:
            return key
        return pair[LANGUAGES.index(self.language)]

    def fmt(self, key: str, **fields: object) -> str:
        """The words of ``key`` with ``fields`` filled in."""
        return self[key].format(**fields)

    def detail(self, key: str, value: str, names: Mapping[str, str]) -> str:
        """A history row's detail ``key: value`` in words: the key's label, a date as
        DD/MM/YYYY, the organisation of ``to`` and ``by`` by its name (``names``), an
        answer mode or a close reason in words; anything else as it is."""
        label = self[f"dt_{key}"] if f"dt_{key}" in WORDS else key
        if key in ("to", "by") and value in names:
            shown = names[value]
        elif key in ("mode", "reason") and value in WORDS:  # an answer mode, a close reason
            shown = self[value]
        else:
            shown = _day(value)
        return f"{label}: {shown}"

    def percent(self, share: float | None) -> str:
        """A share (0.953) as a percentage with one decimal, the decimal mark of the
        language (``95,3 %``, ``95.3 %``); ``—`` when there is none."""
        if share is None:
            return "—"
        text = f"{100 * share:.1f} %"
        return text.replace(".", ",") if self.language == "vi" else text

    def field(self, name: str | None) -> str | None:
        """The label of the form field an error names, or ``None`` when it is not one."""
        key = FIELD_WORDS.get(name or "")
        return None if key is None else self[key]

    def event(self, name: str) -> str:
        """The words of an audit-trail event (a command's name, or another event's)."""
        for key in (f"cmd_{name}", f"ev_{name}"):
            if key in WORDS:
                return self[key]
        return name
