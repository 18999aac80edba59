"""Document mappings of each kind as ``dialogue_flow.documents`` builds them (the shared
spec of issue 18), for the tests and for ``tools/render_samples.py`` when no demo store is
at hand."""

from __future__ import annotations

import copy
from typing import Any

_COMMON: dict[str, Any] = {
    "language": "vi",
    "draft": False,
    "header": {"party": "ĐẢNG CỘNG SẢN VIỆT NAM", "superior": "ĐẢNG BỘ TỈNH MẪU",
               "issuer": "ĐẢNG ỦY XÃ MẪU ĐÔNG"},
    "issued_on": "2021-06-03",
    "place_date": "Mẫu Đông, ngày 03 tháng 6 năm 2021",
    "addressee": "",
    "signature": {"on_behalf": "T/M BAN THƯỜNG VỤ", "title": "BÍ THƯ",
                  "name": "Nguyễn Văn Bình"},
}

ITEMS = [
    {"no": 1, "submission_id": "s-1", "tracking_code": "TT-7K2M", "topic": "Địa chính",
     "content": "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ thôn Đông Châu.",
     "state": "assigned", "state_label": "giao xử lý", "responsible": "Công chức Địa chính",
     "due": "2021-07-29", "due_text": "29/07/2021"},
    {"no": 2, "submission_id": "s-2", "tracking_code": "TT-9Q4D", "topic": "Giao thông",
     "content": "Đường liên thôn xuống cấp, đề nghị sửa chữa trước mùa mưa bão & lũ.",
     "state": "assigned", "state_label": "giao xử lý", "responsible": "UBND xã",
     "due": "2021-07-29", "due_text": "29/07/2021"},
    {"no": 3, "submission_id": "s-3", "tracking_code": "TT-3H8P", "topic": "Môi trường",
     "content": "Ô nhiễm từ trại chăn nuôi <gần khu dân cư>, vượt thẩm quyền của xã.",
     "state": "escalated", "state_label": "chuyển cấp có thẩm quyền",
     "responsible": "UBND huyện Mẫu Sơn", "due": "2021-07-29", "due_text": "29/07/2021"},
]

CHARTS = [
    {"kind": "by_month_state", "title": "Ý kiến, kiến nghị theo tháng và tình trạng",
     "x_label": "Tháng", "y_label": "Số ý kiến, kiến nghị",
     "categories": ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06"],
     "category_labels": ["01/2021", "02/2021", "03/2021", "04/2021", "05/2021", "06/2021"],
     "series": [{"key": "received", "label": "Tiếp nhận", "values": [0, 3, 5, 2, 4, 6]},
                {"key": "answered", "label": "Đã trả lời", "values": [0, 2, 4, 2, 3, 1]}],
     "stacked": True},
    {"kind": "on_time_rate", "title": "Tỷ lệ trả lời đúng hạn theo cơ quan",
     "x_label": "", "y_label": "%", "categories": ["Địa chính", "UBND xã"],
     "category_labels": ["Địa chính", "UBND xã"],
     "series": [{"key": "on_time_rate", "label": "Đúng hạn (%)", "values": [80.0, None]}],
     "counts": [[4, 5], [0, 0]], "stacked": False},
]


def announcement() -> dict[str, Any]:
    """The announcement of the second-quarter dialogue."""
    return {**copy.deepcopy(_COMMON), "kind": "announcement",
            "number": {"value": 12, "series": "TB", "issuer_code": "ĐU", "year": 2021,
                       "text": "Số 12-TB/ĐU"},
            "title": "THÔNG BÁO",
            "subtitle": ("Về việc tổ chức tiếp xúc, đối thoại trực tiếp với Nhân dân: "
                         "Đối thoại quý II/2021"),
            "recipients": ["Thường trực Huyện ủy (để b/c),",
                           "Các đồng chí Ủy viên Ban Thường vụ,",
                           "Ủy ban MTTQ và các đoàn thể,",
                           "Các chi bộ (để thông báo đến Nhân dân),",
                           "Lưu Văn phòng Đảng ủy."],
            "body": {"dialogue_id": "d-2", "dialogue_title": "Đối thoại quý II/2021",
                     "scheduled_for": "2021-06-17",
                     "scheduled_text": "ngày 17 tháng 6 năm 2021",
                     "venue": "Hội trường UBND xã Mẫu Đông", "chair": "Bí thư Đảng ủy",
                     "topics": ["Đất đai, giải phóng mặt bằng", "Giao thông nông thôn"],
                     "invited_departments": ["Địa chính", "UBND xã"],
                     "expected_attendance": 90, "days_ahead": 14}}


def conclusion_notice(items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The conclusion notice of the same dialogue: three matters not settled."""
    return {**copy.deepcopy(_COMMON), "kind": "conclusion_notice",
            "number": {"value": 14, "series": "TB", "issuer_code": "ĐU", "year": 2021,
                       "text": "Số 14-TB/ĐU"},
            "place_date": "Mẫu Đông, ngày 24 tháng 6 năm 2021",
            "title": "THÔNG BÁO",
            "subtitle": ("Kết luận của người chủ trì hội nghị tiếp xúc, đối thoại trực "
                         "tiếp với Nhân dân ngày 17 tháng 6 năm 2021"),
            "recipients": ["Thường trực Huyện ủy (để b/c),", "Công chức Địa chính,",
                           "UBND xã,", "Ủy ban MTTQ và các đoàn thể,",
                           "Lưu Văn phòng Đảng ủy."],
            "body": {"dialogue_id": "d-2", "dialogue_title": "Đối thoại quý II/2021",
                     "held_on": "2021-06-17", "held_text": "ngày 17 tháng 6 năm 2021",
                     "attendance": 86, "settled": 4, "late": False,
                     "items": copy.deepcopy(ITEMS if items is None else items)}}


def answer() -> dict[str, Any]:
    """The written answer to the first matter."""
    return {**copy.deepcopy(_COMMON), "kind": "answer",
            "number": {"value": 5, "series": "CV", "issuer_code": "ĐU", "year": 2021,
                       "text": "Số 5-CV/ĐU"},
            "place_date": "Mẫu Đông, ngày 20 tháng 7 năm 2021",
            "title": "", "subtitle": "V/v trả lời kiến nghị của công dân",
            "addressee": "Kính gửi: Ông Trần Văn Hòa",
            "recipients": ["Như trên,", "Công chức Địa chính (để biết),",
                           "Thường trực Đảng ủy (để b/c),", "Lưu Văn phòng Đảng ủy."],
            "body": {"submission_id": "s-1", "tracking_code": "TT-7K2M",
                     "received_on": "2021-06-17", "received_text": "ngày 17 tháng 6 năm 2021",
                     "topic": "Địa chính",
                     "content": ("Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ "
                                 "thôn Đông Châu."),
                     "answer": ("Hồ sơ của các hộ đã được tiếp nhận đầy đủ.\nUBND xã đã trình "
                                "UBND huyện cấp giấy chứng nhận trong quý III/2021."),
                     "answered_on": "2021-07-20", "answered_text": "ngày 20 tháng 7 năm 2021",
                     "department": "Công chức Địa chính",
                     "dialogue_title": "Đối thoại quý II/2021",
                     "petitioner": {"name": "Trần Văn Hòa", "address": "Thôn Đông Châu"}}}


def report(charts: bool = True) -> dict[str, Any]:
    """The six-month report, with its tables and (``charts``) its two charts."""
    return {**copy.deepcopy(_COMMON), "kind": "report",
            "number": {"value": 7, "series": "BC", "issuer_code": "ĐU", "year": 2021,
                       "text": "Số 7-BC/ĐU"},
            "place_date": "Mẫu Đông, ngày 05 tháng 7 năm 2021",
            "title": "BÁO CÁO",
            "subtitle": ("Kết quả tiếp xúc, đối thoại trực tiếp với Nhân dân 6 tháng đầu "
                         "năm 2021"),
            "recipients": ["Thường trực Huyện ủy,", "Lưu Văn phòng Đảng ủy."],
            "body": {"period": "2021-H1", "period_title": "6 tháng đầu năm 2021",
                     "made_on": "2021-07-05", "made_text": "ngày 05 tháng 7 năm 2021",
                     "scope": "Đảng ủy xã Mẫu Đông",
                     "summary": [{"key": "received", "label": "Tiếp nhận", "value": 20},
                                 {"key": "answered", "label": "Đã trả lời", "value": 12},
                                 {"key": "overdue", "label": "Quá hạn", "value": 1}],
                     "tables": [
                         {"key": "topic", "title": "Theo lĩnh vực",
                          "columns": ["Lĩnh vực", "Số lượng"],
                          "rows": [["Địa chính", "8"], ["Giao thông", "7"],
                                   ["Môi trường", "5"]]},
                         {"key": "overdue", "title": "Quá hạn",
                          "columns": ["STT", "Mã", "Lĩnh vực", "Cơ quan giải quyết",
                                      "Thời hạn"],
                          "rows": [["1", "s-9", "Địa chính", "Công chức Địa chính",
                                    "15/06/2021"]]}],
                     "charts": copy.deepcopy(CHARTS) if charts else []}}


def all_kinds() -> dict[str, dict[str, Any]]:
    """One sample of each kind, by kind."""
    return {"announcement": announcement(), "conclusion_notice": conclusion_notice(),
            "answer": answer(), "report": report()}
