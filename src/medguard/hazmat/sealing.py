"""DANGER: batch AEAD sealing with one subkey: the cipher choice, nonce pools, vectorized paths.

:class:`Sealer` encrypts and decrypts many values with one subkey: randomized (AES-256-GCM or
SM4-GCM, with a fresh pool of random 96-bit nonces per call) or deterministic (AES-SIV or
SM4-SIV). Groups of equal-length values take the vectorized paths of
:mod:`medguard.hazmat.gcm_batch` and :class:`~medguard.hazmat.siv.GenericSiv`, byte-identical
to the one-value code.

The caller derives the subkey, builds the associated data and frames the output; nothing
here knows keyrings, key IDs or ciphertext formats. Prefer :func:`medguard.ops.encryption.encrypt`,
which does all of that.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives.ciphers import algorithms

from medguard.errors import DecryptionError, InvalidArgument
from medguard.hazmat._rows import length_groups, split_fixed, split_rows
from medguard.hazmat.aead import NONCE_SIZE, TAG_SIZE, AesGcm, Sm4Gcm
from medguard.hazmat.gcm_batch import BatchGcm
from medguard.hazmat.siv import AesSiv, GenericSiv, Sm4Siv

__all__ = ["BATCH", "Cipher", "Sealer"]

#: The block cipher of a :class:`Sealer`.
Cipher = Literal["aes", "sm4"]

BATCH = 16  # equal-length groups at least this big take the vectorized paths

_Bulk = Callable[[npt.NDArray[np.uint8], list[int], Any], list[Any]]


def _by_length(
    items: list[bytes],
    bulk: _Bulk,
    single: Callable[[int], Any],
    min_size: int,
    ads: list[bytes] | None = None,
) -> list[Any]:
    """Apply ``bulk`` to each big group of equal-length items (as an (n, size) array) and
    ``single`` to the rest, keeping positions. With per-row ``ads``, groups also share the
    associated-data length and ``bulk`` gets them as an (n, ad_size) array (else ``None``)."""
    out: list[Any] = [None] * len(items)
    for group in length_groups(items, ads):
        size = len(items[group[0]])
        if len(group) < BATCH or size < min_size:
            for i in group:
                out[i] = single(i)
            continue
        whole = len(group) == len(items)
        joined = b"".join(items if whole else [items[i] for i in group])
        ad_rows = None
        if ads is not None:
            ad_joined = b"".join(ads if whole else [ads[i] for i in group])
            ad_rows = np.frombuffer(ad_joined, dtype=np.uint8).reshape(len(group), -1)
        rows = np.frombuffer(joined, dtype=np.uint8).reshape(len(group), size)
        results = bulk(rows, group, ad_rows)
        if whole:
            return results
        for i, result in zip(group, results, strict=True):
            out[i] = result
    return out


def _pieces(rows: npt.NDArray[np.uint8], ok: npt.NDArray[np.bool_] | None = None) -> list[Any]:
    """Rows of a uint8 array as bytes objects (``None`` where ``ok`` is False)."""
    size = rows.shape[1]
    pieces: list[Any] = (
        split_fixed(np.ascontiguousarray(rows).tobytes(), size) if size else [b""] * len(rows)
    )
    if ok is not None and not ok.all():
        pieces = [p if good else None for p, good in zip(pieces, ok.tolist(), strict=True)]
    return pieces


class Sealer:
    """DANGER: batch encrypt/decrypt with one subkey (``material``), for one cipher and mode.

    ``cipher``: ``"aes"`` (AES-256-GCM, or AES-SIV with ``deterministic=True``) or ``"sm4"``
    (SM4-GCM, or SM4-SIV). The caller derives the subkey and builds the associated data; this
    class picks the primitive, draws the GCM nonces (one pool per call) and runs the batches.

    AES-GCM goes through pyca's ``AESGCM`` one call per value (about 1 µs each). SM4-GCM and
    both SIV schemes have vectorized paths (:mod:`medguard.hazmat.gcm_batch`,
    :meth:`GenericSiv.encrypt_rows`) for groups of equal-length values sharing one associated
    data, byte-identical to the one-value code, which handles everything else.
    """

    def __init__(self, cipher: Cipher, material: bytes, *, deterministic: bool) -> None:
        if cipher not in ("aes", "sm4"):
            raise InvalidArgument("cipher must be 'aes' or 'sm4'")
        self.deterministic = deterministic
        self.fast_gcm: Any = None
        self.one: Any
        self._material = material
        self._gcm_batch: BatchGcm | None = None
        self._siv_batch: GenericSiv | None = None
        if deterministic:
            self.one = AesSiv(material) if cipher == "aes" else Sm4Siv(material)
        elif cipher == "aes":
            self.one = AesGcm(material)
            self.fast_gcm = self.one.raw  # pyca AESGCM: no per-call checks needed in batches
        else:
            self.one = Sm4Gcm(material)

    def __repr__(self) -> str:
        mode = "deterministic" if self.deterministic else "randomized"
        return f"Sealer({mode}, {type(self.one).__name__})"  # never the key material

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Sealer holds key material and cannot be pickled")

    def _gcm(self) -> BatchGcm:
        if self._gcm_batch is None:
            self._gcm_batch = BatchGcm(algorithms.SM4, self._material)
        return self._gcm_batch

    def _siv(self) -> GenericSiv:
        if self._siv_batch is None:
            if isinstance(self.one, GenericSiv):
                self._siv_batch = self.one
            else:
                self._siv_batch = GenericSiv(algorithms.AES, self._material)
        return self._siv_batch

    def seal(
        self,
        plaintexts: list[bytes],
        ads: list[bytes] | bytes,
        nonce_source: Callable[[int], bytes] = os.urandom,
    ) -> tuple[bytes, list[bytes]]:
        """(nonce pool, bodies): GCM bodies exclude the nonce, which is in the pool.

        ``nonce_source(n)`` gives ``n`` bytes of nonces: always ``os.urandom`` except in the
        known-answer tests (``medguard.ops.encryption._encrypt_with_nonce_source``). A repeated
        nonce under one key breaks GCM completely.
        """
        count = len(plaintexts)
        ad_seq: Any = repeat(ads, count) if isinstance(ads, bytes) else ads
        if self.deterministic:
            bulk_ok = isinstance(ads, bytes) and count >= BATCH
            enc = self.one.encrypt
            if not bulk_ok:
                return b"", [enc(p, (a,)) for p, a in zip(plaintexts, ad_seq, strict=False)]
            aad = (ads if isinstance(ads, bytes) else b"",)
            return b"", _by_length(
                plaintexts,
                lambda rows, _, __: _pieces(self._siv().encrypt_rows(rows, aad)),
                lambda i: enc(plaintexts[i], aad),
                1,
            )
        pool = nonce_source(NONCE_SIZE * count)
        if not isinstance(pool, bytes) or len(pool) != NONCE_SIZE * count:
            raise InvalidArgument(f"the nonce source must give {NONCE_SIZE * count} bytes")
        nonces = split_fixed(pool, NONCE_SIZE) if count else []
        if self.fast_gcm is not None or count < BATCH:
            gcm = self.fast_gcm or self.one
            return pool, list(map(gcm.encrypt, nonces, plaintexts, ad_seq))
        # SM4-GCM: vectorized per group of equal lengths (one AD, or per-row ADs).
        per_row = None if isinstance(ads, bytes) else ads
        nonce_rows = np.frombuffer(pool, dtype=np.uint8).reshape(count, NONCE_SIZE)

        def bulk(rows: npt.NDArray[np.uint8], group: list[int], ad_rows: Any) -> list[Any]:
            chosen = nonce_rows if len(group) == count else nonce_rows[group]
            aad = ads if isinstance(ads, bytes) else ad_rows
            return _pieces(self._gcm().seal(chosen, rows, aad))

        def single(i: int) -> bytes:
            return self.one.encrypt(  # type: ignore[no-any-return]
                nonces[i], plaintexts[i], ads if isinstance(ads, bytes) else ads[i]
            )

        return pool, _by_length(plaintexts, bulk, single, 1, per_row)

    def open(self, bodies: list[bytes], ads: list[bytes] | bytes) -> list[bytes | None]:
        """Plaintexts, ``None`` where a body did not authenticate."""
        count = len(bodies)
        ad_seq: Any = repeat(ads, count) if isinstance(ads, bytes) else ads
        if self.fast_gcm is not None:
            split = split_rows(bodies, NONCE_SIZE) if count >= BATCH else None
            if split is None:
                nonces = [b[:NONCE_SIZE] for b in bodies]
                cts = [b[NONCE_SIZE:] for b in bodies]
            else:
                nonces, cts = split
            try:  # optimistic: one C-level map; on any failure redo row by row
                return list(map(self.fast_gcm.decrypt, nonces, cts, ad_seq))
            except Exception:
                return self._open_each(bodies, repeat(ads) if isinstance(ads, bytes) else ads)
        if count < BATCH or (self.deterministic and not isinstance(ads, bytes)):
            return self._open_each(bodies, ad_seq)

        def single(i: int) -> bytes | None:
            return self._open_each([bodies[i]], [ads if isinstance(ads, bytes) else ads[i]])[0]

        if self.deterministic:
            aad = (ads if isinstance(ads, bytes) else b"",)
            return _by_length(
                bodies,
                lambda rows, _, __: _pieces(*self._siv().decrypt_rows(rows, aad)),
                single,
                17,
            )

        def bulk(rows: npt.NDArray[np.uint8], _: list[int], ad_rows: Any) -> list[Any]:
            plain, ok = self._gcm().open(
                np.ascontiguousarray(rows[:, :NONCE_SIZE]),
                rows[:, NONCE_SIZE:],
                ads if isinstance(ads, bytes) else ad_rows,
            )
            return _pieces(plain, ok)

        per_row = None if isinstance(ads, bytes) else ads
        return _by_length(bodies, bulk, single, NONCE_SIZE + TAG_SIZE + 1, per_row)

    def _open_each(self, bodies: Sequence[bytes], ad_seq: Any) -> list[bytes | None]:
        out: list[bytes | None] = []
        for body, ad in zip(bodies, ad_seq, strict=False):
            try:
                if self.deterministic:
                    out.append(self.one.decrypt(body, (ad,)))
                else:
                    out.append(self.one.decrypt(body[:NONCE_SIZE], body[NONCE_SIZE:], ad))
            except (DecryptionError, InvalidArgument):
                out.append(None)
        return out
