"""Our addresses in mail: reply tokens that only we can make, Message-IDs we can read back."""

from pathlib import Path

from bson import ObjectId

from app.mail.addresses import (
    message_id,
    read_reply_address,
    reply_address,
    sender,
    ticket_of_message_id,
)
from tests.conftest import make_settings

SETTINGS = make_settings(
    "mongodb://unused", Path("unused"), mail_from="Support <help@parcels.example>"
)


class TestReplyAddress:
    def test_round_trip_in_any_case(self) -> None:
        ticket, recipient = ObjectId(), ObjectId()
        address = reply_address(SETTINGS, ticket_id=ticket, recipient_id=recipient)
        local = address.partition("@")[0]
        assert address.startswith("help+") and address.endswith("@parcels.example")
        assert len(local) <= 64
        assert read_reply_address(SETTINGS, address) == (ticket, recipient)
        assert read_reply_address(SETTINGS, address.upper()) == (ticket, recipient)
        assert read_reply_address(SETTINGS, f"Ada <{address}>") == (ticket, recipient)

    def test_forged_or_foreign(self) -> None:
        address = reply_address(SETTINGS, ticket_id=ObjectId(), recipient_id=ObjectId())
        local, _, domain = address.partition("@")
        flipped = local[:-1] + ("a" if local[-1] != "a" else "b")
        assert read_reply_address(SETTINGS, f"{flipped}@{domain}") is None
        assert read_reply_address(SETTINGS, f"{local}@elsewhere.example") is None
        assert read_reply_address(SETTINGS, "help@parcels.example") is None
        assert read_reply_address(SETTINGS, "help+!!!@parcels.example") is None
        other = make_settings(
            "mongodb://unused", Path("unused"), mail_from=SETTINGS.mail_from,
            jwt_secret="Qw8e-Rt5y-Ui2o-Pa9s-Df4g-Hj7k-Lz3x-Cv6b",
        )  # fmt: skip
        assert read_reply_address(other, address) is None

    def test_reply_address_setting(self) -> None:
        settings = SETTINGS.model_copy(update={"mail_reply_address": "replies@in.example"})
        address = reply_address(settings, ticket_id=ObjectId(), recipient_id=ObjectId())
        assert address.startswith("replies+") and address.endswith("@in.example")
        assert sender(settings).addr_spec == "help@parcels.example"


class TestMessageId:
    def test_ours_name_their_ticket(self) -> None:
        ticket = ObjectId()
        ours = message_id(SETTINGS, ticket_id=ticket)
        assert ours.startswith(f"<{ticket}.") and ours.endswith("@parcels.example>")
        assert ticket_of_message_id(SETTINGS, ours) == ticket
        assert message_id(SETTINGS, ticket_id=ticket) != ours

    def test_theirs_name_nothing(self) -> None:
        assert ticket_of_message_id(SETTINGS, f"<{ObjectId()}.ab@gmail.com>") is None
        assert ticket_of_message_id(SETTINGS, "<CAF=xyz@mail.gmail.com>") is None
        assert ticket_of_message_id(SETTINGS, message_id(SETTINGS, ticket_id=None)) is None
