"""Office documents as data (issue 18): the announcement of a dialogue, the chair's
conclusion notice, the written answer to a petitioner and the periodic report.

Each builder returns the JSON-safe mapping the ``dialogue_flow_render_document`` hook
renders (``dialogue-flow-docx`` writes it as a Word file in the party's format; see
``docs/documents.md`` for every key). Building one *issues* it: the document gets the next
number of its type for its organisation and year (:meth:`~dialogue_flow.DialogueFlow.
issue_document`), recorded with the record it belongs to; building it again reprints it
with the same number and date. ``draft=True`` builds it without a number and records
nothing.

The written answer names its petitioner (it is addressed to them): building it needs the
actor who reads the identity, and the read goes in the access log like every read of
personal data (:meth:`~dialogue_flow.DialogueFlow.identity`). No other document holds
personal data: the conclusion notice lists matters by topic and content, the report by
figures.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from ._charts_data import period_charts
from ._checks import _check_bool, _check_date
from ._clock import VIETNAM_TZ
from ._document_records import DocumentKind
from ._document_settings import DOCUMENT_KINDS, DocumentSettings
from ._errors import InvalidInputError, NotFoundError
from ._labels import check_language, label, phrase
from ._letterhead import Letterhead, date_line, day_text, letterhead_of
from ._records import Actor, Dialogue, DialogueState, Organisation, Petitioner, Submission
from ._report import Period, Report, _readable_summary
from ._rollup import Rollup

if TYPE_CHECKING:
    from ._flow import DialogueFlow

__all__ = ["DOCUMENT_KINDS", "announcement_document", "answer_document",
           "build_document", "conclusion_document", "report_document"]

_W: Final = {  # the library's words in a document: (vi, en)
    "party": ("ĐẢNG CỘNG SẢN VIỆT NAM", "COMMUNIST PARTY OF VIETNAM"),
    "number": ("Số", "No."),
    "notice": ("THÔNG BÁO", "NOTICE"),
    "report": ("BÁO CÁO", "REPORT"),
    "announcement": ("Về việc tổ chức tiếp xúc, đối thoại trực tiếp với Nhân dân: {title}",
                     "On the direct dialogue with the People: {title}"),
    "conclusion_notice": (("Kết luận của người chủ trì hội nghị tiếp xúc, đối thoại trực "
                           "tiếp với Nhân dân {held}"),
                          ("Conclusions of the chair of the direct dialogue with the People "
                           "held on {held}")),
    "answer": ("V/v trả lời kiến nghị của công dân", "Answer to a citizen's petition"),
    "report_title": ("Kết quả tiếp xúc, đối thoại trực tiếp với Nhân dân {period}",
                     "Results of the direct dialogue with the People, {period}"),
    "dear": ("Kính gửi: {name}", "To: {name}"),
    "for_report": ("Thường trực {name} (để b/c),", "Standing Committee of {name} (to report),"),
    "standing": ("Thường trực Đảng ủy (để b/c),", "Standing Committee (to report),"),
    "standing_province": ("Thường trực Tỉnh ủy (để b/c),",
                          "Standing Committee of the Provincial Party Committee (to report),"),
    "members": ("Các đồng chí Ủy viên Ban Thường vụ,", "Members of the Standing Committee,"),
    "front": ("Ủy ban MTTQ và các đoàn thể,", "Fatherland Front and mass organisations,"),
    "cells": ("Các chi bộ (để thông báo đến Nhân dân),",
              "Party cells (to inform the People),"),
    "as_above": ("Như trên,", "As above,"),
    "to_know": ("{name} (để biết),", "{name} (for information),"),
    "file": ("Lưu {office}.", "File: {office}."),
    "on_behalf": ("T/M BAN THƯỜNG VỤ", "ON BEHALF OF THE STANDING COMMITTEE"),
    "secretary": ("BÍ THƯ", "SECRETARY"),
    # The letterhead's own defaults (letterhead_of), in English in an English document.
    "issuer": ("ĐẢNG ỦY", "PARTY COMMITTEE"),
    "office": ("Văn phòng Đảng ủy", "the Party Committee's Office"),
    "office_province": ("Văn phòng Tỉnh ủy", "the Provincial Party Committee's Office"),
    "chair": ("Bí thư Đảng ủy", "the Party Secretary"),
    "chair_province": ("Bí thư Tỉnh ủy", "the Provincial Party Secretary"),
    "scope_subtree": ("{name} và các tổ chức trực thuộc", "{name} and the organisations under it"),
    "whole_store": ("Toàn bộ", "All organisations"),
}


def _w(key: str, language: str, **fields: object) -> str:
    return _W[key][language == "en"].format_map(fields)


def build_document(flow: DialogueFlow, kind: str, subject: object, *, actor: Actor,
                   **options: Any) -> dict[str, Any]:
    """The document of ``kind`` (one of :data:`DOCUMENT_KINDS`) about ``subject``: a
    dialogue (announcement, conclusion notice), a submission (answer), or a period such as
    ``"2021-H1"`` (report). ``options`` are the kind's builder's keyword arguments.

    :raises InvalidInputError: an unknown kind, an option the kind's builder does not take
        (``on`` of a conclusion notice), or a subject the kind cannot be made of.
    """
    builders: dict[str, Callable[..., dict[str, Any]]] = {"announcement": announcement_document,
                "conclusion_notice": conclusion_document,
                "answer": answer_document, "report": report_document}
    try:
        builder = builders[kind]
    except (KeyError, TypeError):  # TypeError: not even a key (a list)
        raise InvalidInputError("kind", f"{kind!r} is not a kind of document; expected one "
                                f"of {', '.join(DOCUMENT_KINDS)}") from None
    unknown = sorted(set(options) - set(inspect.signature(builder).parameters)
                     - {"flow", "actor"})
    if unknown:
        raise InvalidInputError(unknown[0], f"not an option of a document of kind {kind}")
    return builder(flow, subject, actor=actor, **options)


def announcement_document(flow: DialogueFlow, dialogue: str | Dialogue, *, actor: Actor,
                          on: dt.date | None = None, language: str | None = None,
                          settings: DocumentSettings | None = None, draft: bool = False,
                          reissue: bool = False) -> dict[str, Any]:
    """The announcement of ``dialogue`` to the People (at least 7 days ahead, by default):
    its time, place, chair, topics and the departments invited. Issued ``on`` the day it
    was announced (else today); a reprint keeps the day it was issued."""
    d = _dialogue(flow, dialogue)
    if d.state is DialogueState.CANCELLED:
        raise InvalidInputError("dialogue", f"{d.id} was cancelled: there is nothing to "
                                "announce")
    lang = _language(flow, language)
    reprinted = None if draft or reissue else _issued_on(flow, "announcement", d.id,
                                                          d.organisation_id)
    day = reprinted or on or d.announced_on or flow.clock.today()  # days_ahead counts from it
    head = _letterhead(flow, d.organisation_id, settings)
    body = {"dialogue_id": d.id, "dialogue_title": d.title,
            "scheduled_for": d.scheduled_for.isoformat(),
            "scheduled_text": day_text(d.scheduled_for, lang), "venue": d.venue or "",
            "chair": _chair(head, lang),
            "topics": list(d.topics),
            "invited_departments": list(d.invited_departments),
            "expected_attendance": d.expected_attendance,
            "days_ahead": (d.scheduled_for - day).days}
    return _document(flow, "announcement", d, d.organisation_id, day, lang, settings,
                     head=head, actor=actor, draft=draft, reissue=reissue,
                     title=_w("notice", lang),
                     subtitle=_w("announcement", lang, title=d.title), body=body)


def conclusion_document(flow: DialogueFlow, dialogue: str | Dialogue, *, actor: Actor,
                        language: str | None = None,
                        settings: DocumentSettings | None = None, draft: bool = False,
                        reissue: bool = False) -> dict[str, Any]:
    """The chair's conclusion notice of a concluded ``dialogue``: each matter not settled
    at the meeting with who must answer it and by when; those settled there are left out
    (counted). Issued on the notice's day."""
    d = _dialogue(flow, dialogue)
    if d.conclusion is None:
        raise InvalidInputError("dialogue", f"{d.id} has no conclusion notice yet "
                                f"(it is {d.state.value}); conclude it first")
    lang = _language(flow, language)
    notice = d.conclusion
    # Withheld as every read (no names here); each read once: the items are the
    # dialogue's matters, and one detached from it since is read on its own.
    matters = {s.id: s for s in flow.iter_submissions(dialogue_id=d.id)}
    items: list[dict[str, Any]] = []
    for no, item in enumerate(notice.items, start=1):
        s = matters.get(item.submission_id) or flow.submission(item.submission_id)
        items.append({"no": no, "submission_id": s.id, "tracking_code": s.tracking_code or "",
                      "topic": s.topic, "content": s.content, "state": item.state.value,
                      "state_label": label("state", item.state.value, lang),
                      "responsible": item.responsible, "due": item.due.isoformat(),
                      "due_text": _short_day(item.due)})
    held = d.held_on or notice.issued_on
    body = {"dialogue_id": d.id, "dialogue_title": d.title, "held_on": held.isoformat(),
            "held_text": day_text(held, lang), "attendance": d.actual_attendance,
            "settled": len(matters) - len(items), "late": notice.late, "items": items}
    responsible = sorted({i.responsible for i in notice.items if i.responsible})
    return _document(flow, "conclusion_notice", d, d.organisation_id, notice.issued_on, lang,
                     settings, head=_letterhead(flow, d.organisation_id, settings),
                     actor=actor, draft=draft, reissue=reissue,
                     title=_w("notice", lang),
                     subtitle=_w("conclusion_notice", lang, held=day_text(held, lang)),
                     body=body, responsible=responsible)


def answer_document(flow: DialogueFlow, submission: str | Submission, *, actor: Actor,
                    on: dt.date | None = None, language: str | None = None,
                    settings: DocumentSettings | None = None, draft: bool = False,
                    reissue: bool = False) -> dict[str, Any]:
    """The written answer to the petitioner of an answered ``submission``, addressed to
    them: ``actor`` reads their identity for it (recorded in the access log; refused for a
    confidential matter to roles its policy does not name). Issued on the answer's day, or
    ``on`` (not before it): an actor who may not issue it reads no identity."""
    s = flow.submission(_submission_id(submission))
    if s.answer is None or s.answered_on is None:
        raise InvalidInputError("submission", f"{s.id} has no answer yet (it is "
                                f"{s.state.value}); answer it first")
    if on is not None and _check_date("on", on) < s.answered_on:
        raise InvalidInputError("on", f"{on.isoformat()} is before {s.id} was answered "
                                f"({s.answered_on.isoformat()}): an answer is sent after it "
                                "is given")
    lang = _language(flow, language)
    if not draft:  # before the identity is read: a refused actor reads nothing
        flow._authorize(actor, "issue_document", s)  # noqa: SLF001 - the flow's rule
    petitioner = flow.identity(s, actor=actor)  # checked and logged
    day = on or s.answered_on
    dialogue = None if s.dialogue_id is None else flow.dialogue(s.dialogue_id)
    body = {"submission_id": s.id, "tracking_code": s.tracking_code or "",
            "received_on": _local_day(s).isoformat(),
            "received_text": day_text(_local_day(s), lang), "topic": s.topic,
            "content": s.content, "answer": s.answer, "answered_on": s.answered_on.isoformat(),
            "answered_text": day_text(s.answered_on, lang), "department": s.department or "",
            "dialogue_title": "" if dialogue is None else dialogue.title,
            "petitioner": {"name": _addressed_to(petitioner), "address": petitioner.address
                           or ""}}
    name = _addressed_to(petitioner)
    return _document(flow, "answer", s, s.organisation_id, day, lang, settings,
                     head=_letterhead(flow, s.organisation_id, settings), actor=actor,
                     draft=draft, reissue=reissue, title="", subtitle=_w("answer", lang),
                     body=body, addressee=_w("dear", lang, name=name) if name else "",
                     responsible=[s.department] if s.department else [])


def report_document(flow: DialogueFlow, period: str | Period, *, actor: Actor,
                    organisation: str | None = None, subtree: bool = False,
                    rollup: bool = False, as_of: dt.date | None = None,
                    language: str | None = None, settings: DocumentSettings | None = None,
                    draft: bool = False, reissue: bool = False) -> dict[str, Any]:
    """The periodic report of ``period`` (of ``organisation``, with its subtree; or a
    province's roll-up with a row per commune): its figures, tables and charts, to the
    recipients Conclusion 215-KL/TW names. Issued today (or ``as_of``); a reprint counts
    as of the day it was issued, whatever ``as_of`` says, so that it shows the figures its
    number and date were given to."""
    lang = _language(flow, language)
    chosen = period if isinstance(period, Period) else Period.parse(period)
    org_id = organisation or "default"
    scope_key = chosen.label + (":rollup" if rollup else ":subtree" if subtree else "")
    if not draft and not reissue:  # a reprint: the figures of the day it was issued
        as_of = _issued_on(flow, "report", scope_key, org_id) or as_of
    if rollup:
        if organisation is None:
            raise InvalidInputError("organisation", "a roll-up names the organisation whose "
                                    "communes it lists")
        made = flow.rollup(chosen, organisation=organisation, as_of=as_of)
        report, rolled = made.total, made
    else:
        report, rolled = flow.report(chosen, as_of=as_of, organisation=organisation,
                                     subtree=subtree), None
    scope = flow._scope(organisation, subtree or rollup)  # noqa: SLF001 - the flow's rule
    charts = list(period_charts(flow, chosen, scope, lang, rolled).values())
    org = None if organisation is None else flow.organisation(organisation)
    body = {"period": chosen.label, "period_title": chosen.title(lang),
            "made_on": report.made_on.isoformat(), "made_text": day_text(report.made_on, lang),
            "scope": _scope_text(org, subtree or rollup, lang),
            "summary": [{"key": key, "label": label("figure", key, lang), "value": value}
                        for key, value in _readable_summary(report, lang).items()],
            "tables": _report_tables(report, rolled, lang), "charts": charts}
    return _document(flow, "report", scope_key, org_id, as_of or report.made_on, lang,
                     settings, head=_letterhead(flow, org_id, settings, org), actor=actor,
                     draft=draft, reissue=reissue,
                     title=_w("report", lang),
                     subtitle=_w("report_title", lang, period=chosen.title(lang)), body=body,
                     report_recipients=list(report.recipients))


# --- the frame every document shares --------------------------------------------------

def _document(flow: DialogueFlow, kind: str, subject: Dialogue | Submission | str,
              organisation_id: str, day: dt.date, language: str,
              settings: DocumentSettings | None, *, head: Letterhead, actor: Actor,
              draft: bool, reissue: bool,
              title: str, subtitle: str, body: dict[str, Any], addressee: str = "",
              responsible: list[str] | None = None,
              report_recipients: list[str] | None = None) -> dict[str, Any]:
    number: int | None = None
    if not draft:  # the builder has read and checked the record: it is not read again
        _check_bool("reissue", reissue)
        issued = flow._issue(  # noqa: SLF001 - issue_document, less its reads
            DocumentKind(kind), None if isinstance(subject, str) else subject, subject,
            actor=actor, day=flow._day("on", day),  # noqa: SLF001
            organisation=organisation_id, reissue=reissue)
        number, day = issued.number, issued.issued_on  # a reprint keeps both
    shown = "    " if number is None else str(number)
    series = DocumentKind(kind).series
    recipients = (settings.recipients.get(kind) if settings is not None else None) or \
        _recipients(kind, head, language, responsible or [], report_recipients or [])
    return {
        "kind": kind, "language": language, "draft": draft,
        "number": {"value": number, "series": series, "issuer_code": head.issuer_code,
                   "year": day.year,
                   "text": f"{_w('number', language)} {shown}-{series}/{head.issuer_code}"},
        "header": {"party": _w("party", language), "superior": head.superior,
                   "issuer": _signature(head.issuer, language, "issuer")},
        "issued_on": day.isoformat(), "place_date": date_line(head, day, language),
        "title": title, "subtitle": subtitle, "addressee": addressee,
        "signature": {"on_behalf": _signature(head.on_behalf, language, "on_behalf"),
                      "title": _signature(head.signer_title, language, "secretary"),
                      "name": head.signer},
        "recipients": list(recipients), "body": body,
    }


def _issued_on(flow: DialogueFlow, kind: str, subject_id: str,
               organisation_id: str) -> dt.date | None:
    """The day the document of ``kind`` about ``subject_id`` was issued, if it was: a
    reprint shows what was printed that day."""
    issued = flow.documents(organisation=organisation_id, subject_id=subject_id, kind=kind)
    return issued[-1].issued_on if issued else None


def _chair(head: Letterhead, language: str) -> str:
    """Who presides, as the announcement names them: the committee's secretary (the seed:
    "Chủ trì tiếp xúc, đối thoại: Bí thư Đảng ủy"), by name when the letterhead has one.
    (A dialogue records its chair as an actor id, which is no name to print.)"""
    title = _w("chair_province" if head.issuer_code == "TU" else "chair", language)
    return f"{head.signer}, {title}" if head.signer else title


def _signature(value: str, language: str, *keys: str) -> str:
    """The letterhead's words, unless they are one of the Vietnamese defaults ``keys`` of an
    English document."""
    for key in keys:
        if value == _W[key][0]:
            return _w(key, language)
    return value


def _letterhead(flow: DialogueFlow, organisation_id: str, settings: DocumentSettings | None,
                org: Organisation | None = None) -> Letterhead:
    """The letterhead of ``organisation_id`` (its record ``org`` when read already)."""
    if org is None:
        org = _organisation(flow, organisation_id)
    parent = None if org is None or org.parent_id is None else _organisation(flow,
                                                                              org.parent_id)
    derived = letterhead_of(org, parent)
    return derived if settings is None else settings.letterhead_for(organisation_id, derived)


def _recipients(kind: str, head: Letterhead, language: str, responsible: list[str],
                report_recipients: list[str]) -> list[str]:
    above = ([_w("for_report", language, name=head.superior_committee)]
             if head.superior_committee else [])
    filed = _w("file", language,
               office=_signature(head.office, language, "office", "office_province"))
    if kind == "announcement":
        return [*above, _w("members", language), _w("front", language),
                _w("cells", language), filed]
    if kind == "conclusion_notice":
        return [*above, *(f"{name}," for name in responsible), _w("front", language), filed]
    if kind == "answer":
        return [_w("as_above", language),
                *(_w("to_know", language, name=name) for name in responsible),
                _w("standing_province" if head.issuer_code == "TU" else "standing", language),
                filed]
    return [*(f"{name}," for name in report_recipients), *([] if report_recipients else above),
            filed]


def _report_tables(report: Report, rolled: Rollup | None,
                   language: str) -> list[dict[str, Any]]:
    def column(key: str) -> str:
        return label("column", key, language)

    tables = []
    if rolled is not None:
        keys = ("received", "answered_on_the_spot", "answered_with_due", "answered_on_time",
                "overdue", "escalated")
        rows = [[row.name, *(str(_figure(row.report, key)) for key in keys)]
                for row in rolled.rows]
        rows.append([phrase("total", language), *(str(_figure(rolled.total, key))
                                                  for key in keys)])
        tables.append({"key": "rollup", "title": column("organisation").capitalize(),
                       "columns": [column("organisation").capitalize(),
                                   *(label("figure", key, language) for key in keys)],
                       "rows": rows})
    for section, counts, vocabulary in (("state", report.by_state, "state"),
                                        ("topic", report.by_topic, None),
                                        ("department", report.by_department, None),
                                        ("channel", report.by_channel, "channel")):
        rows = [[key if vocabulary is None else label(vocabulary, key, language), str(count)]
                for key, count in counts.items()]
        tables.append({"key": section, "title": label("section", section, language),
                       "columns": [label("section", section, language),
                                   column("count").capitalize()], "rows": rows})
    for section, items in (("overdue", report.overdue), ("escalated", report.escalated)):
        rows = [[str(no), item.submission_id, item.topic, item.responsible or "",
                 "" if item.due is None else _short_day(item.due)]
                for no, item in enumerate(items, start=1)]
        tables.append({"key": section, "title": label("section", section, language),
                       "columns": ["STT" if language == "vi" else "No.",
                                   *(column(key).capitalize() for key in
                                     ("submission_id", "topic", "responsible", "due"))],
                       "rows": rows})
    return tables


def _figure(report: Report, key: str) -> int:
    if key in ("overdue", "escalated"):
        return len(report.overdue if key == "overdue" else report.escalated)
    value: int = getattr(report, key)
    return value


def _scope_text(organisation: Organisation | None, below: bool, language: str) -> str:
    if organisation is None:
        return _w("whole_store", language)
    name = organisation.name
    return _w("scope_subtree", language, name=name) if below else name


def _dialogue(flow: DialogueFlow, dialogue: str | Dialogue) -> Dialogue:
    if isinstance(dialogue, Dialogue):
        return flow.dialogue(dialogue.id)
    if not isinstance(dialogue, str):  # not its repr: a submission's holds its content
        raise InvalidInputError("dialogue", "expected a dialogue or its id, got a "
                                f"{type(dialogue).__name__}")
    return flow.dialogue(dialogue)


def _submission_id(submission: object) -> str:
    if isinstance(submission, Submission):
        return submission.id
    if not isinstance(submission, str):  # not its repr: a record's holds its content
        raise InvalidInputError("submission", "expected a submission or its id, got a "
                                f"{type(submission).__name__}")
    return submission


def _organisation(flow: DialogueFlow, organisation_id: str) -> Organisation | None:
    try:
        return flow.storage.get_organisation(organisation_id)
    except NotFoundError:  # the default organisation, of a store without a tree
        return None


def _language(flow: DialogueFlow, language: str | None) -> str:
    return check_language(flow.language if language is None else language)


def _local_day(s: Submission) -> dt.date:
    return s.received_at.astimezone(VIETNAM_TZ).date()


def _short_day(day: dt.date) -> str:
    """``17/06/2021``: how a table writes a day."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _addressed_to(p: Petitioner) -> str:
    """Whom the answer is addressed to: the group (with its representative), the person,
    or nobody for an opinion given without a name."""
    if p.group is not None:
        return p.group if p.name is None else f"{p.group} ({p.name})"
    return p.name or ""
