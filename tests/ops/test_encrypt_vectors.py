"""Known-answer tests pinning medguard's own ``mg1.`` ciphertexts (issue 13).

``tests/vectors/medguard_ciphertexts.json`` holds ciphertexts made by medguard under fixed key
bytes with fixed GCM nonces (given through the test-only seam ``_encrypt_with_nonce_source``,
as pyca/cryptography pins Fernet with ``_encrypt_from_parts``). A change to the envelope, the
plaintext tags, the associated data, the subkey derivation or a batch path breaks these tests:
ciphertexts already stored in hospital databases would stop decrypting.

The AES vectors are also rebuilt here from the written format alone (HKDF-SHA-256 subkey,
length-prefixed associated data, pyca's ``AESGCM``/``AESSIV``, base64url), so the stored
bytes are checked against the documented layout and not only against medguard's own code.

Run ``python tests/ops/test_encrypt_vectors.py`` to print freshly generated vectors. Never
regenerate the stored file to make a failing test pass: a failure here means a format change.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV

from medguard.hazmat.kdf import encode_info, hkdf
from medguard.keys import Keyring
from medguard.ops.encryption import (
    _encrypt_with_nonce_source,
    decrypt,
    encrypt_deterministically,
)

PATH = Path(__file__).parents[1] / "vectors" / "medguard_ciphertexts.json"
DATA = json.loads(PATH.read_text(encoding="utf-8"))
VECTORS = DATA["vectors"]


def _rings(keys: list[dict[str, str]]) -> dict[str, Keyring]:
    """One keyring per key, that key primary (only a primary key encrypts)."""
    rings = {}
    for key in keys:
        ring = Keyring()
        ring.import_key(
            bytes.fromhex(key["material"]), key["suite"], key_id=key["key_id"], primary=True
        )
        rings[key["key_id"]] = ring
    return rings


def _value(item: dict[str, Any] | None) -> Any:
    """A plaintext from its typed JSON form."""
    if item is None:
        return None
    kind, text = item["type"], item["value"]
    if kind == "str":
        return text
    if kind == "int":
        return int(text)
    if kind == "bytes":
        return bytes.fromhex(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "timestamp":
        unit, _, iso = text.partition("|")
        return pd.Timestamp(iso).as_unit(unit)
    if kind == "datetime64":
        unit, _, iso = text.partition("|")
        return np.datetime64(iso, unit)
    raise AssertionError(kind)


def _ciphertexts(vector: dict[str, Any]) -> list[Any]:
    if vector["output"] == "bytes":
        return [None if c is None else bytes.fromhex(c) for c in vector["ciphertexts"]]
    return list(vector["ciphertexts"])


def _nonce_source(vector: dict[str, Any]) -> Any:
    pool = b"".join(bytes.fromhex(n) for n in vector["nonces"])

    def source(size: int) -> bytes:
        assert size == len(pool)
        return pool

    return source


def _make(rings: dict[str, Keyring], vector: dict[str, Any]) -> list[Any]:
    ring = rings[vector["key_id"]]
    plaintexts = [_value(p) for p in vector["plaintexts"]]
    common = {"table": vector["table"], "field": vector["field"], "key_id": vector["key_id"]}
    if vector["mode"] == "deterministic":
        return encrypt_deterministically(  # type: ignore[no-any-return]
            plaintexts, ring, output=vector["output"], **common
        )
    return _encrypt_with_nonce_source(  # type: ignore[no-any-return]
        plaintexts,
        ring,
        nonce_source=_nonce_source(vector),
        record_ids=vector.get("record_ids"),
        output=vector["output"],
        **common,
    )


RINGS = _rings(DATA["keys"])
IDS = [v["name"] for v in VECTORS]


def test_the_vectors_cover_every_scheme_form_and_batch_path() -> None:
    """Both suites, both modes, both forms, record IDs, and a batch of 16 equal lengths."""
    schemes = {c.split(".")[1] for v in VECTORS if v["output"] == "text" for c in v["ciphertexts"]}
    assert schemes == {"aesgcm", "sm4gcm", "aessiv", "sm4siv"}
    assert {v["output"] for v in VECTORS} == {"text", "bytes"}
    assert any(v.get("record_ids") for v in VECTORS)
    assert any(len(v["plaintexts"]) >= 16 for v in VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_stored_ciphertexts_decrypt_to_the_stored_plaintexts(vector: dict[str, Any]) -> None:
    """Every stored ciphertext decrypts, under the fixed keys, to its value and type."""
    out = decrypt(
        _ciphertexts(vector),
        RINGS[vector["key_id"]],
        table=vector["table"],
        field=vector["field"],
        record_ids=vector.get("record_ids"),
    )
    expected = [_value(p) for p in vector["plaintexts"]]
    assert [type(v) for v in out] == [type(v) for v in expected]
    assert out == expected


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_encryption_reproduces_the_stored_ciphertexts(vector: dict[str, Any]) -> None:
    """With the stored nonces (randomized) or as is (deterministic), encryption gives exactly
    the stored ciphertexts, byte for byte."""
    assert _make(RINGS, vector) == _ciphertexts(vector)


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _subkey(key: dict[str, str], purpose: str, table: str, field: str, length: int) -> bytes:
    context = f"{len(table)}:{table}.{field}"
    return hkdf(
        bytes.fromhex(key["material"]),
        info=encode_info("medguard", purpose, context, key["key_id"], key["suite"]),
        length=length,
        salt=b"medguard/keyring/v1",
        hash="sha256",
    )


def _plaintext_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return b"s" + value.encode("utf-8")
    if isinstance(value, int):
        return b"i" + str(value).encode("ascii")
    raise AssertionError(type(value))


AES_TEXT = [
    v
    for v in VECTORS
    if v["output"] == "text"
    and v["ciphertexts"][0].split(".")[1] in ("aesgcm", "aessiv")
    and all(p["type"] in ("str", "int") for p in v["plaintexts"])
]


@pytest.mark.parametrize("vector", AES_TEXT, ids=[v["name"] for v in AES_TEXT])
def test_aes_vectors_follow_the_documented_layout(vector: dict[str, Any]) -> None:
    """AES vectors rebuilt from docs/encryption.md with pyca primitives, not medguard's code:
    subkey = HKDF-SHA-256(master, salt "medguard/keyring/v1", info = length-prefixed
    ("medguard", purpose, "<len(table)>:<table>.<field>", key ID, suite)); associated data =
    length-prefixed ("mg1", scheme, key ID, table, field, "no-record" | "record", ID)."""
    key = next(k for k in DATA["keys"] if k["key_id"] == vector["key_id"])
    table, field, kid = vector["table"], vector["field"], vector["key_id"]
    deterministic = vector["mode"] == "deterministic"
    scheme = "aessiv" if deterministic else "aesgcm"
    subkey = _subkey(
        key, "daead" if deterministic else "aead", table, field, 64 if deterministic else 32
    )
    records = vector.get("record_ids") or [None] * len(vector["plaintexts"])
    for i, (item, record) in enumerate(zip(vector["plaintexts"], records, strict=True)):
        parts = ("mg1", scheme, kid, table, field)
        parts += ("record", record) if record is not None else ("no-record",)
        ad = encode_info(*parts)
        plain = _plaintext_bytes(_value(item))
        if deterministic:
            body = AESSIV(subkey).encrypt(plain, [ad])
        else:
            nonce = bytes.fromhex(vector["nonces"][i])
            body = nonce + AESGCM(subkey).encrypt(nonce, plain, ad)
        text = base64.urlsafe_b64encode(body).rstrip(b"=").decode("ascii")
        assert f"mg1.{scheme}.{kid}.{text}" == vector["ciphertexts"][i]
        assert _b64(text) == body


# --------------------------------------------------------------------------- generation


def _typed(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"type": "str", "value": value}
    if isinstance(value, bool):
        raise AssertionError("bool")
    if isinstance(value, int):
        return {"type": "int", "value": str(value)}
    if isinstance(value, bytes):
        return {"type": "bytes", "value": value.hex()}
    if isinstance(value, pd.Timestamp):
        return {"type": "timestamp", "value": f"{value.unit}|{value.isoformat()}"}
    if isinstance(value, np.datetime64):
        unit = np.datetime_data(value.dtype)[0]
        return {"type": "datetime64", "value": f"{unit}|{np.datetime_as_string(value)}"}
    if isinstance(value, dt.date):
        return {"type": "date", "value": value.isoformat()}
    raise AssertionError(type(value))


def generate() -> dict[str, Any]:  # pragma: no cover - run by hand, see the module docstring
    """Fresh vectors in the stored file's shape (fixed keys; nonces are counters)."""
    keys = [
        {"key_id": "kat-aes", "suite": "aes", "material": bytes(range(32)).hex()},
        {"key_id": "kat-sm", "suite": "sm", "material": bytes(range(32, 64)).hex()},
    ]
    rings = _rings(keys)
    batch = [f"1101011990030712{n:02d}" for n in range(16)]
    cases: list[tuple[str, str, str, str, list[Any], list[str] | None]] = [
        ("aesgcm text str", "kat-aes", "randomized", "text", ["11010519491231002X"], None),
        ("aesgcm text types", "kat-aes", "randomized", "text",
         [13800138000, "张三", b"\x00\xff", dt.date(2025, 1, 3),
          pd.Timestamp("2025-01-03 12:00:00.123456789"),
          np.datetime64("2025-01-03T12:00:00.123456789", "ns")], None),
        ("aesgcm text records", "kat-aes", "randomized", "text", ["13800138000", "13912345678"],
         ["P001", "P002"]),
        ("aesgcm bytes", "kat-aes", "randomized", "bytes", ["11010519491231002X"], None),
        ("sm4gcm text str", "kat-sm", "randomized", "text", ["11010519491231002X"], None),
        ("sm4gcm text records", "kat-sm", "randomized", "text", ["13800138000", "张三"],
         ["P001", "P002"]),
        ("sm4gcm bytes", "kat-sm", "randomized", "bytes", ["11010519491231002X"], None),
        ("sm4gcm batch of 16", "kat-sm", "randomized", "text", batch, None),
        ("aessiv text", "kat-aes", "deterministic", "text", ["11010519491231002X", 42], None),
        ("aessiv bytes", "kat-aes", "deterministic", "bytes", ["11010519491231002X"], None),
        ("aessiv batch of 16", "kat-aes", "deterministic", "text", batch, None),
        ("sm4siv text", "kat-sm", "deterministic", "text", ["11010519491231002X", "张三"], None),
        ("sm4siv bytes", "kat-sm", "deterministic", "bytes", ["11010519491231002X"], None),
        ("sm4siv batch of 16", "kat-sm", "deterministic", "text", batch, None),
    ]  # fmt: skip
    vectors = []
    counter = 0
    for name, kid, mode, output, values, records in cases:
        vector: dict[str, Any] = {
            "name": name,
            "key_id": kid,
            "mode": mode,
            "output": output,
            "table": "patients",
            "field": "resident_id",
            "plaintexts": [_typed(v) for v in values],
        }
        if mode == "randomized":
            vector["nonces"] = [
                (counter + i).to_bytes(4, "big").hex() + "00" * 4 + "a5" * 4
                for i in range(len(values))
            ]
            counter += len(values)
        if records is not None:
            vector["record_ids"] = records
        made = _make(rings, vector)
        vector["ciphertexts"] = [c.hex() if isinstance(c, bytes) else c for c in made]
        vectors.append(vector)
    return {"provenance": DATA.get("provenance", ""), "keys": keys, "vectors": vectors}


if __name__ == "__main__":  # pragma: no cover
    json.dump(generate(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
