"""Notifications that reach people (issue 16, item 1): the petitioner's contact channels,
recipients hooks that get the record, its organisation and a read-only store, deliveries
recorded per recipient by reference, and "logged" or "no recipient" told apart from
"delivered"."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import assume, given

from dialogue_flow import (
    Actor,
    Delivery,
    DialogueFlow,
    DispatchResult,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    Notification,
    Organisation,
    Petitioner,
    PetitionerRecipients,
    ReadOnlyStore,
    Recipient,
    SequentialIds,
    Submission,
    from_json,
    hookimpl,
    load_plugins,
    to_json,
)
from dialogue_flow.cli import main
from dialogue_flow.storage import Changeset, OutboxStatus, Storage
from pii_support import assert_no_personal_data
from strategies import channel_names, petitioners, texts

START = dt.date(2021, 6, 1)
PHONE, EMAIL, ZALO = "0912345678", "dan@thon1.vn", "zalo-0987654321"
#: A petitioner reachable three ways.
REACHABLE = Petitioner("Nguyễn Văn A", address="Thôn 1", phone=PHONE, email=EMAIL,
                       contacts={"zalo": ZALO})


class Sms:
    """A third party's SMS channel: takes the phone recipients, returns those it reached."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, to: list[Recipient],
                              ) -> list[Recipient] | None:
        phones = [r for r in to if r.channel == "phone"]
        self.sent += [(notification.key, r.address) for r in phones]
        return phones or None


class Seen:
    """Keeps what every recipients hook argument and every delivery was."""

    def __init__(self) -> None:
        self.arguments: list[tuple[Notification, Any, Any, Any]] = []
        self.to: list[list[Recipient]] = []

    @hookimpl
    def dialogue_flow_recipients(self, notification: Notification, record: Any,
                                 organisation: Any, store: Any) -> None:
        self.arguments.append((notification, record, organisation, store))

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, to: list[Recipient]) -> None:
        self.to.append(to)


def _flow(*plugins: object, storage: MemoryStorage | None = None) -> DialogueFlow:
    return DialogueFlow(storage or MemoryStorage(), clock=FixedClock(START),
                        ids=SequentialIds(),
                        plugins=load_plugins(plugins, entry_points=False))


def _receive(flow: DialogueFlow, intake: Actor, petitioner: Petitioner) -> Submission:
    return flow.receive(petitioner=petitioner, topic="Đường giao thông",
                        content="Đường thôn 1 xuống cấp", actor=intake)


class TestContacts:
    def test_contact_channels_phone_email_then_contacts(self) -> None:
        """Every way to reach a petitioner, as data; the repr still withholds them."""
        assert {"phone": PHONE, "email": EMAIL, "zalo": ZALO} == REACHABLE.contact_channels()
        assert ["phone", "email", "zalo"] == list(REACHABLE.contact_channels())
        assert {} == Petitioner.anonymous().contact_channels()
        assert {"viber": "v"} == Petitioner("B", contacts={"viber": "v"}).contact_channels()
        assert "Petitioner(<personal data withheld>)" == repr(REACHABLE) == str(REACHABLE)

    def test_contacts_are_validated_without_echoing_them(self) -> None:
        """A bad channel name or address is an InvalidInputError naming the field, never the
        value (a mistyped mapping may hold a phone number as a key)."""
        for contacts, field in (({"Zalo": "x"}, "Petitioner.contacts"),
                                ({PHONE: "x"}, "Petitioner.contacts"),
                                ({"phone": PHONE}, "Petitioner.contacts['phone']"),
                                ({"email": EMAIL}, "Petitioner.contacts['email']"),
                                ({"zalo": " "}, "Petitioner.contacts['zalo']"),
                                ({"zalo": 912345678}, "Petitioner.contacts['zalo']"),
                                ({"zalo": "x" * 255}, "Petitioner.contacts['zalo']"),
                                ([("zalo", "x")], "Petitioner.contacts")):
            with pytest.raises(InvalidInputError) as caught:
                Petitioner("Nguyễn Văn A", contacts=contacts)
            assert field == caught.value.field
            assert_no_personal_data(caught.value, (PHONE, EMAIL, "912345678"))

    def test_contacts_are_nfc_and_kept_by_channel(self) -> None:
        decomposed = "Zalo Nguye\u0302\u0303n"
        petitioner = Petitioner("A", contacts={"zalo": decomposed, "apns": "tok"})
        assert {"apns": "tok", "zalo": "Zalo Nguyễn"} == petitioner.contacts
        assert petitioner == from_json(Petitioner, to_json(petitioner))

    def test_a_record_stored_before_contacts_reads_back_without_them(self) -> None:
        old = '{"name":"A","address":null,"phone":"0912345678","email":null}'
        assert {} == from_json(Petitioner, old).contacts

    @given(petitioners())
    def test_contacts_round_trip_and_are_all_reachable(self, petitioner: Petitioner) -> None:
        assert petitioner == from_json(Petitioner, to_json(petitioner))
        channels = petitioner.contact_channels()
        assert petitioner.contacts.items() <= channels.items()
        assert (petitioner.phone is not None) == ("phone" in channels)


class TestRecipientRecord:
    def test_the_address_is_never_shown(self) -> None:
        recipient = Recipient("petitioner:phone", PHONE, channel="phone")
        assert PHONE not in repr(recipient)
        assert "petitioner:phone" in repr(recipient)

    @pytest.mark.parametrize(("ref", "address"), [
        (f"sms:{PHONE}", PHONE), (f"to {EMAIL}", EMAIL), (f"user:{EMAIL}", EMAIL)])
    def test_a_ref_holding_the_address_is_refused(self, ref: str, address: str) -> None:
        """The ref is what the outbox stores: it may not carry the phone or e-mail."""
        with pytest.raises(InvalidInputError, match=r"Recipient\.ref") as caught:
            Recipient(ref, address)
        assert_no_personal_data(caught.value, (PHONE, EMAIL))

    def test_a_short_id_may_appear_in_its_ref(self) -> None:
        assert "user:42" == Recipient("user:42", "42", channel="app").ref

    @pytest.mark.parametrize("channel", ["SMS", "", "1phone", "a" * 33, 7])
    def test_a_bad_channel_is_refused(self, channel: object) -> None:
        with pytest.raises(InvalidInputError, match=r"Recipient\.channel"):
            Recipient("petitioner:x", "x", channel=channel)  # type: ignore[arg-type]

    @given(channel_names(), texts(40))
    def test_built_in_refs_never_hold_the_address(self, channel: str, address: str) -> None:
        """Whatever a petitioner left, the outbox name of the channel is only its name."""
        assume(address not in channel)  # a channel named after its own address
        note = _note("k", "petitioner", record_id="sub-1")
        petitioner = Petitioner("A", contacts={channel: address})
        storage = MemoryStorage()
        storage.commit(Changeset(((_submission(petitioner), 0),)))
        [recipient] = PetitionerRecipients().dialogue_flow_recipients(
            note, ReadOnlyStore(storage)) or []
        assert (f"petitioner:{channel}", address, channel) == (
            recipient.ref, recipient.address, recipient.channel)


class TestRecipientsHook:
    def test_receives_the_record_its_organisation_and_a_read_only_store(
            self, intake: Actor) -> None:
        """What a cron dispatch needs, with no reference to the host's flow."""
        seen = Seen()
        flow = _flow(seen)
        flow.add_organisation(Organisation("xa-1", "Xã Một", "commune"))
        sub = flow.receive(petitioner=REACHABLE, topic="Đường", content="Hỏng",
                           actor=Actor("tn", "Tiếp nhận", intake.role,
                                       organisation_id="xa-1"))
        flow.dispatch()
        [(note, record, organisation, store)] = seen.arguments
        assert (note.record_id, record, organisation) == (sub.id, sub,
                                                          flow.organisation("xa-1"))
        assert isinstance(store, ReadOnlyStore)
        assert sub == store.get_submission(sub.id)
        assert [sub] == store.find_submissions(_query())
        for writer in ("commit", "claim_notifications", "mark_delivered", "mark_failed",
                       "requeue", "close"):
            assert not hasattr(store, writer), writer

    def test_every_reading_method_of_the_storage_and_no_other(self) -> None:
        """The read-only store keeps up with the storage contract: each ``get_*``,
        ``find_*``, ``count_*`` method, the audit trail and the tree, nothing that writes,
        claims or settles."""
        reading = {name for name in dir(Storage) if name.startswith(("get_", "find_", "count_"))
                   } | {"history", "organisation_subtree"}
        offered = {name for name in dir(ReadOnlyStore) if not name.startswith("_")}
        assert reading | {"find_record"} == offered

    def test_record_is_none_when_the_notification_names_none(self) -> None:
        """A report reminder names a rule, not a record; the default organisation exists
        without being stored."""
        seen = Seen()
        flow = _flow(seen)
        flow.storage.commit(Changeset((), notifications=(_note("r", "standing_committee",
                                                               kind="report"),)))
        assert DispatchResult(no_recipient=1, no_recipient_keys=("r",)) == flow.dispatch()
        [(_note_seen, record, organisation, _store)] = seen.arguments
        assert record is None
        assert "default" == organisation.id

    def test_the_record_as_stored_now(self, intake: Actor, chair: Actor) -> None:
        """A phone added by a later change is used: the hook reads the current record."""
        seen = Seen()
        flow = _flow(seen)
        sub = _receive(flow, intake, Petitioner("Nguyễn Văn A"))
        flow.assign(sub.id, department="Địa chính", actor=chair)
        flow.dispatch()
        assert [2, 2] == [record.version for _n, record, _o, _s in seen.arguments]

    def test_plain_addresses_are_named_by_plugin_and_place(self, intake: Actor) -> None:
        """A hook written before recipients had references still reaches the channels; the
        outbox names its addresses ``<plugin>#<n>``, never by the address."""

        class Old:
            @hookimpl
            def dialogue_flow_recipients(self, notification: Notification) -> list[str]:
                return ["van-phong@xa.gov.vn", PHONE]

        old, seen = Old(), Seen()
        flow = _flow(old, seen)
        _receive(flow, intake, Petitioner("Nguyễn Văn A"))
        flow.dispatch()
        name = flow.plugins.get_name(old)
        [to] = seen.to
        assert [(f"{name}#1", None), (f"{name}#2", None)] == [(r.ref, r.channel) for r in to]

    @pytest.mark.parametrize("answer", [PHONE, 42, [{"phone": PHONE}], [None]])
    def test_a_malformed_answer_fails_the_row_without_its_text(
            self, answer: object, intake: Actor) -> None:
        """Not a list of recipients: nothing is delivered, the row is retried, and the stored
        error is the kind of failure, never the answer."""

        class Broken:
            @hookimpl
            def dialogue_flow_recipients(self, notification: Notification) -> object:
                return answer

        sms = Sms()
        flow = _flow(Broken(), sms)
        _receive(flow, intake, REACHABLE)
        assert DispatchResult(retried=1) == flow.dispatch()
        assert [] == sms.sent
        [entry] = flow.storage.claim_notifications("w", flow.clock.now() + dt.timedelta(
            days=1), dt.timedelta(minutes=1), 10)
        assert entry.last_error is not None
        assert entry.last_error.endswith("(recipients): PluginError")


class TestBuiltInPetitionerRecipients:
    def test_a_notice_to_the_petitioner_reaches_every_contact_channel(
            self, intake: Actor) -> None:
        seen = Seen()
        flow = _flow(seen)
        _receive(flow, intake, REACHABLE)
        flow.dispatch()
        [to] = seen.to
        assert [("petitioner:phone", PHONE, "phone"), ("petitioner:email", EMAIL, "email"),
                ("petitioner:zalo", ZALO, "zalo")] == [(r.ref, r.address, r.channel)
                                                       for r in to]

    def test_only_notices_to_the_petitioner(self, intake: Actor, chair: Actor) -> None:
        """The assignment notice is for the department: the petitioner is not told."""
        seen = Seen()
        flow = _flow(seen)
        sub = _receive(flow, intake, REACHABLE)
        flow.assign(sub.id, department="Địa chính", actor=chair)
        flow.dispatch()
        assert [3, 0] == [len(to) for to in seen.to]

    def test_a_host_may_unregister_it(self, intake: Actor) -> None:
        seen = Seen()
        flow = _flow(seen)
        flow.plugins.unregister(name="dialogue_flow.petitioner")
        sub = _receive(flow, intake, REACHABLE)
        key = f"submission:{sub.id}:v1:received"
        assert DispatchResult(no_recipient=1, no_recipient_keys=(key,)) == flow.dispatch()


class TestOutcomes:
    def test_only_logged_is_not_delivered(self, intake: Actor,
                                          caplog: pytest.LogCaptureFixture) -> None:
        """The built-in logging notifier reaches nobody: a row it alone took is logged."""
        flow = _flow()
        _receive(flow, intake, REACHABLE)
        with caplog.at_level(logging.DEBUG, logger="dialogue_flow"):
            assert DispatchResult(logged=1) == flow.dispatch()
        assert 1 == flow.outbox_stats()["logged"]
        assert "petitioner:phone, petitioner:email, petitioner:zalo" in caplog.text
        assert [] == [v for v in (PHONE, EMAIL, ZALO, "Nguyễn Văn A") if v in caplog.text]

    def test_delivered_per_recipient_by_reference(self, intake: Actor) -> None:
        sms = Sms()
        flow = _flow(sms)
        sub = _receive(flow, intake, REACHABLE)
        assert DispatchResult(delivered=1) == flow.dispatch()
        assert [(f"submission:{sub.id}:v1:received", PHONE)] == sms.sent
        [entry] = flow.outbox_entries(OutboxStatus.DELIVERED)
        name = flow.plugins.get_name(sms)
        assert name is not None
        assert (Delivery("petitioner:phone", name),) == entry.deliveries

    def test_no_recipient_is_counted_listed_and_warned(
            self, intake: Actor, caplog: pytest.LogCaptureFixture) -> None:
        flow = _flow(Sms())
        first = _receive(flow, intake, Petitioner.anonymous())
        second = _receive(flow, intake, Petitioner("Nguyễn Văn A", address="Thôn 1"))
        keys = tuple(f"submission:{s.id}:v1:received" for s in (first, second))
        with caplog.at_level(logging.WARNING, logger="dialogue_flow"):
            assert DispatchResult(no_recipient=2, no_recipient_keys=keys) == flow.dispatch()
        assert f"{keys[0]} (received, for petitioner): no recipient" in caplog.text
        assert 2 == flow.outbox_stats()["no_recipient"]
        assert list(reversed(keys)) == [e.key for e in flow.outbox_entries("no_recipient")]
        assert [] == flow.outbox_entries(OutboxStatus.DELIVERED)

    def test_a_bare_channel_name_still_counts_as_a_delivery(self, intake: Actor) -> None:
        """The answer notifiers gave before recipients had references: delivered, to
        recipients it did not name."""

        class Old:
            @hookimpl
            def dialogue_flow_deliver(self, notification: Notification,
                                      recipients: list[str]) -> str:
                return "old-sms"

        old = Old()
        flow = _flow(old)
        _receive(flow, intake, Petitioner.anonymous())
        assert DispatchResult(delivered=1) == flow.dispatch()
        [entry] = flow.outbox_entries("delivered")
        name = flow.plugins.get_name(old)
        assert name is not None
        assert (Delivery(None, name),) == entry.deliveries

    def test_only_recipients_it_was_given_are_recorded(self, intake: Actor) -> None:
        """A notifier that returns a recipient of its own making: not recorded (its ref is
        unchecked); the ones it was given are."""

        class Inventive:
            @hookimpl
            def dialogue_flow_deliver(self, notification: Notification,
                                      to: list[Recipient]) -> list[Recipient]:
                return [*to, Recipient("made-up", "x")]

        flow = _flow(Inventive())
        _receive(flow, intake, Petitioner("A", phone=PHONE))
        assert DispatchResult(delivered=1) == flow.dispatch()
        [entry] = flow.outbox_entries("delivered")
        assert ["petitioner:phone"] == [d.recipient for d in entry.deliveries]

    def test_a_failed_channel_settles_nothing(self, intake: Actor) -> None:
        """One channel reached the phone, another failed: the row is retried, not
        delivered (delivery is at least once)."""

        class Down:
            @hookimpl
            def dialogue_flow_deliver(self, notification: Notification,
                                      to: list[Recipient]) -> None:
                raise ConnectionError(f"gateway refused {PHONE}")

        flow = _flow(Sms(), Down())
        _receive(flow, intake, REACHABLE)
        assert DispatchResult(retried=1) == flow.dispatch()
        assert {"pending": 1} == {k: v for k, v in flow.outbox_stats().items() if v}


class TestNoPersonalDataInTheOutbox:
    def test_sqlite_outbox_holds_references_only(self, tmp_path: Path, intake: Actor,
                                                 ) -> None:
        path = tmp_path / "flow.db"
        with DialogueFlow.open(f"sqlite:///{path}", clock=FixedClock(START),
                               ids=SequentialIds(), plugins=[Sms()]) as flow:
            _receive(flow, intake, REACHABLE)
            assert DispatchResult(delivered=1) == flow.dispatch()
        with closing(sqlite3.connect(path)) as conn:
            rows = conn.execute("SELECT * FROM outbox").fetchall()
        stored = json.dumps(rows, ensure_ascii=False)
        assert "petitioner:phone" in stored
        assert [] == [v for v in (PHONE, EMAIL, ZALO, "Nguyễn Văn A") if v in stored]


class TestCli:
    def test_outbox_lists_the_notifications_nobody_received(self, tmp_path: Path,
                                                            intake: Actor) -> None:
        url = f"sqlite:///{tmp_path / 'flow.db'}"
        with DialogueFlow.open(url, clock=FixedClock(START), ids=SequentialIds()) as flow:
            _receive(flow, intake, Petitioner.anonymous())
            _receive(flow, intake, Petitioner("A", phone=PHONE))
        runner = CliRunner()
        sent = runner.invoke(main, ["dispatch", "--db", url])
        assert (0, ("delivered: 0, logged only: 1, no recipient: 1, retried: 0, parked: 0\n"
                    "no recipient: submission:sub-0001:v1:received\n")) == (sent.exit_code,
                                                                           sent.output)
        shown = runner.invoke(main, ["outbox", "--db", url])
        assert (0, ("pending 0, delivered 0, parked 0, logged 1, no_recipient 1\n"
                    "no recipient submission:sub-0001:v1:received (received, for "
                    "petitioner)\n")) == (shown.exit_code, shown.output)
        assert PHONE not in sent.output + shown.output

    def test_a_cron_dispatch_reaches_the_petitioners_phone(self, tmp_path: Path,
                                                            intake: Actor) -> None:
        """A third party's SMS plugin, installed (an entry point of its own distribution) and
        named in the settings file, reaches the petitioner's phone from `dialogue-flow
        dispatch` in a process of its own: no host code, no global flow. The phone is in no
        outbox row, no output, no log."""
        _install_sms_plugin(tmp_path)
        db = tmp_path / "flow.db"
        with DialogueFlow.open(f"sqlite:///{db}", clock=FixedClock(START),
                               ids=SequentialIds()) as flow:
            sub = _receive(flow, intake, REACHABLE)
        sent = tmp_path / "sms-sent.jsonl"
        settings = tmp_path / "dialogue-flow.toml"  # issue 16: installed plugins run if named
        settings.write_text('storage = "sqlite:///flow.db"\n[[plugin]]\nname = "sms"\n',
                            encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("DIALOGUE_FLOW_")}
        env |= {"PYTHONPATH": os.pathsep.join([str(tmp_path / "site"),
                                               env.get("PYTHONPATH", "")]),
                "SMS_SENT": str(sent)}
        run = subprocess.run(
            [sys.executable, "-c", _CLI_WITH_LOGS, "dispatch", "--config", str(settings)],
            capture_output=True, text=True, env=env, timeout=120, check=False)
        assert 0 == run.returncode, run.stderr
        assert run.stdout.startswith("delivered: 1,"), run.stdout
        assert [{"key": f"submission:{sub.id}:v1:received", "to": PHONE}] == [
            json.loads(line) for line in sent.read_text(encoding="utf-8").splitlines()]
        with closing(sqlite3.connect(db)) as conn:
            outbox = json.dumps(conn.execute("SELECT * FROM outbox").fetchall(),
                                ensure_ascii=False)
        assert '"recipient":"petitioner:phone","channel":"sms"' in outbox.replace(
            '\\"', '"')
        for where, text in (("outbox", outbox), ("output", run.stdout),
                            ("log", run.stderr)):
            assert [] == [v for v in (PHONE, EMAIL, ZALO) if v in text], where


#: The command line, with every log record of the library on standard error.
_CLI_WITH_LOGS = ("import logging, sys; logging.basicConfig(level=logging.DEBUG, "
                  "stream=sys.stderr); from dialogue_flow.cli import main; main()")


def _install_sms_plugin(root: Path) -> None:
    """A distribution ``acme-sms`` on ``root/site`` whose ``dialogue_flow`` entry point
    ``sms`` sends (writes to ``$SMS_SENT``) to the phone recipients it is given."""
    site = root / "site"
    (site / "acme_sms-1.0.dist-info").mkdir(parents=True)
    (site / "acme_sms-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-sms\nVersion: 1.0\n", encoding="utf-8")
    (site / "acme_sms-1.0.dist-info" / "entry_points.txt").write_text(
        "[dialogue_flow]\nsms = acme_sms:plugin\n", encoding="utf-8")
    (site / "acme_sms.py").write_text(textwrap.dedent("""
        import json, os

        from dialogue_flow import hookimpl


        class Sms:
            @hookimpl
            def dialogue_flow_deliver(self, notification, to):
                phones = [r for r in to if r.channel == "phone"]
                with open(os.environ["SMS_SENT"], "a", encoding="utf-8") as out:
                    for r in phones:
                        out.write(json.dumps({"key": notification.key, "to": r.address}))
                        out.write("\\n")
                return phones


        plugin = Sms()
    """), encoding="utf-8")


def _note(key: str, audience: str, *, kind: str = "submission",
          record_id: str = "report-2021") -> Notification:
    return Notification(key=key, event="report_due", kind=kind, record_id=record_id,
                        audience=audience, subject="Hạn báo cáo", body="", language="vi",
                        created_at=dt.datetime(2021, 6, 1, 8, tzinfo=dt.UTC))


def _submission(petitioner: Petitioner) -> Submission:
    now = dt.datetime(2021, 6, 1, 8, tzinfo=dt.UTC)
    return Submission(id="sub-1", petitioner=petitioner, topic="Đường", content="Hỏng",
                      state="received", version=1, received_at=now, updated_at=now)


def _query() -> Any:
    from dialogue_flow.storage import SubmissionQuery  # noqa: PLC0415

    return SubmissionQuery()

