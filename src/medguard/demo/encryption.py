"""Demo step: field encryption at rest with the SM (national) suite, a deterministic lookup
token, decryption, the ciphertext format, and key rotation with rewrap."""

from __future__ import annotations

from typing import Any

__all__ = ["run"]


def _short(token: str, keep: int = 34) -> str:
    return token if len(token) <= keep else token[:keep] + "…"


def run(ctx: Any) -> None:
    """Encrypt the patients' resident_id and mobile, look one up by token, rotate the key."""
    from medguard.keys import Keyring
    from medguard.ops.encryption import (
        decrypt,
        encrypt,
        encrypt_deterministically,
        inspect_ciphertext,
        rewrap,
    )

    ctx.section("Field encryption at rest (storage stage; SM4 national suite)")
    patients = ctx.patients
    ring = Keyring.generate("sm")
    ids = patients["resident_id"]
    stored = patients[["patient_id"]].copy()
    stored["resident_id"] = encrypt(
        ids, ring, table="patients", field="resident_id", record_ids=patients["patient_id"]
    )
    stored["mobile"] = encrypt(
        patients["mobile"],
        ring,
        table="patients",
        field="mobile",
        record_ids=patients["patient_id"],
    )
    stored["resident_id_token"] = encrypt_deterministically(
        ids, ring, table="person", field="resident_id"
    )
    ctx.say(
        f"in-memory keyring, primary key {ring.primary.key_id} (suite sm: SM4-GCM, SM4-SIV, "
        "HKDF-SM3); each field gets its own HKDF subkey"
    )
    sample = stored.head(4).copy()
    for column in ("resident_id", "mobile", "resident_id_token"):
        sample[column] = sample[column].map(_short)
    ctx.table(sample, title="stored columns (randomized ciphertexts, bound to table/field/row):")
    info = inspect_ciphertext(stored["resident_id"].iloc[0])
    ctx.say(
        f"format mg1.<scheme>.<key ID>.<base64url>: scheme {info.scheme}, key {info.key_id}; "
        "the body is nonce(12) || ciphertext || tag(16)"
    )
    ctx.write("encryption/patients_encrypted.csv", stored)

    back = decrypt(
        stored["resident_id"],
        ring,
        table="patients",
        field="resident_id",
        record_ids=patients["patient_id"],
    )
    matches = int((back == ids).sum())
    ctx.say(f"decrypt on read: {matches}/{len(ids)} resident IDs come back exactly")

    wanted = ids.iloc[len(ids) // 2]
    probe = encrypt_deterministically(wanted, ring, table="person", field="resident_id")
    found = stored.loc[stored["resident_id_token"] == probe, "patient_id"].tolist()
    ctx.say(
        f"search by deterministic token (leaks only equality): one SM4-SIV token finds "
        f"patient {found[0] if found else '-'} without decrypting the column"
    )

    old = ring.primary.key_id
    new = ring.rotate()
    moved = rewrap(
        stored["mobile"], ring, table="patients", field="mobile", record_ids=patients["patient_id"]
    )
    again = rewrap(
        moved.values, ring, table="patients", field="mobile", record_ids=patients["patient_id"]
    )
    ring.destroy(old)
    readable = decrypt(
        moved.values, ring, table="patients", field="mobile", record_ids=patients["patient_id"]
    )
    ctx.say(
        f"rotation: new primary {new.key_id}; rewrap moved {moved.rewrapped} mobiles "
        f"(rerun moved {again.rewrapped}); old key {old} destroyed, "
        f"{int((readable == patients['mobile']).sum())} mobiles still readable"
    )
