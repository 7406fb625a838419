"""Destruction records and signed certificates: complete, canonical, and tamper-evident."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.audit.signing import public_key
from medguard.erase import (
    STANDARDS,
    Assurance,
    DestructionCertificate,
    DestructionRecord,
    RecordStatus,
    certify,
    verify_certificate,
)
from medguard.erase.record import append_to, rfc3339
from medguard.errors import InvalidArgument, InvalidCertificate
from medguard.keys import Keyring


def _record(**changes: object) -> DestructionRecord:
    fields: dict[str, object] = {
        "what": "subject keys",
        "scope": ("subject:3f9a", "key:s01"),
        "method": "crypto-shred",
        "assurance": Assurance.CRYPTOGRAPHIC_ERASE,
        "actor": "dpo@hospital",
        "approver": "cmo@hospital",
        "counts": {"keys_destroyed": 1},
        "notes": ("backups keep the key until they expire",),
    }
    fields.update(changes)
    return DestructionRecord(**fields)  # type: ignore[arg-type]


def test_record_has_every_field_the_issue_asks_for() -> None:
    """what, scope, method, assurance, standards, counts, RFC 3339 time, actor, approver, basis."""
    data = _record().to_dict()
    assert set(data) >= {
        "what", "scope", "method", "assurance", "standards", "counts", "time", "actor",
        "approver", "legal_basis", "status", "record_id",
    }  # fmt: skip
    assert data["legal_basis"] == "PIPL Art. 47"
    assert data["standards"] == list(STANDARDS)
    assert any("800-88" in s for s in data["standards"])
    assert any("37988" in s for s in data["standards"])
    assert data["time"].endswith("Z")
    assert data["time"] == rfc3339(
        __import__("datetime").datetime.fromisoformat(data["time"].replace("Z", "+00:00"))
    )


def test_records_are_validated() -> None:
    """An empty actor, a negative count or an unknown assurance is refused."""
    with pytest.raises(InvalidArgument):
        _record(actor="")
    with pytest.raises(InvalidArgument):
        _record(counts={"rows": -1})
    with pytest.raises(ValueError, match=r"assurance|valid"):
        _record(assurance="purge-ish")


def test_assurance_order() -> None:
    """weakest() picks the lowest level; an empty list is none/unknown."""
    levels = [Assurance.CRYPTOGRAPHIC_ERASE, Assurance.LOGICAL, Assurance.CLEAR]
    assert Assurance.weakest(levels) is Assurance.LOGICAL
    assert Assurance.weakest([]) is Assurance.NONE


texts = st.text(min_size=1, max_size=20).filter(str.strip)


@given(
    what=texts,
    scope=st.lists(st.text(max_size=30), max_size=4),
    counts=st.dictionaries(st.text(max_size=10), st.integers(0, 2**40), max_size=4),
    status=st.sampled_from(list(RecordStatus)),
    assurance=st.sampled_from(list(Assurance)),
)
def test_to_dict_from_dict_round_trip(what, scope, counts, status, assurance) -> None:
    """from_dict(to_dict(r)) == r, and the canonical JSON is stable."""
    record = _record(
        what=what, scope=tuple(scope), counts=counts, status=status, assurance=assurance
    )
    again = DestructionRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record
    assert again.canonical_json() == record.canonical_json()


def test_malformed_dict_is_invalid_argument() -> None:
    """A dict missing members is an InvalidArgument, not a KeyError."""
    with pytest.raises(InvalidArgument):
        DestructionRecord.from_dict({"what": "x"})


class FakeSink:
    def __init__(self) -> None:
        self.entries: list[tuple[str, dict[str, object]]] = []

    def append(self, action: str, /, **fields: object) -> dict[str, object]:
        self.entries.append((action, fields))
        return fields


def test_append_to_skips_dry_runs() -> None:
    """A dry run is not a destruction: nothing is appended."""
    sink = FakeSink()
    append_to(sink, _record(status=RecordStatus.DRY_RUN))
    append_to(None, _record())
    assert sink.entries == []
    record = _record()
    append_to(sink, record)
    assert sink.entries == [
        (
            "erase.record",
            {"actor": record.actor, "record": record.to_dict(), "digest": record.digest()},
        )
    ]


@pytest.fixture
def ring() -> Keyring:
    return Keyring.generate()


def test_certificate_verifies_with_the_keyring_public_key(ring: Keyring) -> None:
    """A certificate round-trips through JSON and verifies; it names the signing key."""
    record = _record()
    cert = certify(record, ring)
    assert cert.key_id == ring.primary.key_id
    text = cert.to_json()
    assert verify_certificate(text, public_key(ring)) == record
    assert verify_certificate(cert, public_key(ring).pem()) == record
    assert verify_certificate(json.loads(text), public_key(ring).raw_base64()) == record


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["record"].update(assurance="clear"),
        lambda d: d["record"]["counts"].update(keys_destroyed=2),
        lambda d: d["record"].update(actor="someone else"),
        lambda d: d["record"]["scope"].append("key:other"),
        lambda d: d["record"].update(extra="unsigned member"),
    ],
)
def test_an_edited_certificate_does_not_verify(ring: Keyring, edit) -> None:
    """Any change to the record -- a value, a list, an added member -- breaks verification."""
    data = certify(_record(), ring).to_dict()
    edit(data)
    with pytest.raises(InvalidCertificate):
        verify_certificate(json.dumps(data), public_key(ring))


def test_another_key_does_not_verify(ring: Keyring) -> None:
    """A certificate checked against another keyring's public key is refused."""
    cert = certify(_record(), ring)
    with pytest.raises(InvalidCertificate):
        verify_certificate(cert, public_key(Keyring.generate()))


def test_malformed_certificates() -> None:
    """Not JSON, wrong format, wrong algorithm: InvalidCertificate."""
    with pytest.raises(InvalidCertificate):
        DestructionCertificate.from_json("{not json")
    with pytest.raises(InvalidCertificate):
        DestructionCertificate.from_json('{"format": "x"}')
    with pytest.raises(InvalidCertificate):
        verify_certificate(42, b"\x00" * 32)  # type: ignore[arg-type]


def test_certificate_never_holds_key_material(ring: Keyring) -> None:
    """The certificate carries the public key and signature only."""
    text = certify(_record(), ring).to_json()
    assert "material" not in text
    assert set(json.loads(text)) == {"format", "record", "algorithm", "signature"}
