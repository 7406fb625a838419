"""Batch sealing (hazmat.sealing): batches equal the one-value primitives; no keys imported."""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.errors import InvalidArgument
from medguard.hazmat.aead import NONCE_SIZE, AesGcm, Sm4Gcm
from medguard.hazmat.sealing import BATCH, Sealer
from medguard.hazmat.siv import AesSiv, Sm4Siv

HAZMAT = Path(__file__).parents[2] / "src" / "medguard" / "hazmat"
KEYS = {"aes": bytes(range(32)), "sm4": bytes(range(16))}
SIV_KEYS = {"aes": bytes(range(64)), "sm4": bytes(range(32))}
ONE = {"aes": AesGcm, "sm4": Sm4Gcm}
ONE_SIV = {"aes": AesSiv, "sm4": Sm4Siv}

# Enough equal-length values to take the vectorized paths, plus odd lengths for the others.
plaintexts = st.lists(
    st.one_of(st.binary(min_size=5, max_size=5), st.binary(max_size=40)),
    min_size=0,
    max_size=3 * BATCH,
)


def _counter_nonces(n: int) -> bytes:
    return bytes(i % 251 for i in range(n))


@pytest.mark.parametrize("cipher", ["aes", "sm4"])
@settings(max_examples=40, deadline=None)
@given(values=plaintexts, per_row=st.booleans())
def test_randomized_batches_equal_the_one_value_cipher(cipher, values, per_row):
    """Every body is what the one-value GCM gives for its nonce; open inverts seal."""
    sealer = Sealer(cipher, KEYS[cipher], deterministic=False)
    ads = [b"ad%d" % (i % 3) for i in range(len(values))] if per_row else b"table.field"
    pool, bodies = sealer.seal(values, ads, _counter_nonces)
    one = ONE[cipher](KEYS[cipher])
    for i, (value, body) in enumerate(zip(values, bodies, strict=True)):
        nonce = pool[i * NONCE_SIZE : (i + 1) * NONCE_SIZE]
        ad = ads if isinstance(ads, bytes) else ads[i]
        assert body == one.encrypt(nonce, value, ad)
    framed = [pool[i * NONCE_SIZE : (i + 1) * NONCE_SIZE] + b for i, b in enumerate(bodies)]
    assert sealer.open(framed, ads) == values


@pytest.mark.parametrize("cipher", ["aes", "sm4"])
@settings(max_examples=40, deadline=None)
@given(values=plaintexts)
def test_deterministic_batches_equal_the_one_value_siv(cipher, values):
    """SIV bodies equal the one-value SIV; equal inputs seal equally; open inverts seal."""
    sealer = Sealer(cipher, SIV_KEYS[cipher], deterministic=True)
    pool, bodies = sealer.seal(values, b"table.field")
    assert pool == b""
    one = ONE_SIV[cipher](SIV_KEYS[cipher])
    assert bodies == [one.encrypt(v, (b"table.field",)) for v in values]
    assert sealer.open(bodies, b"table.field") == values


def test_a_tampered_body_opens_to_none_and_the_others_still_open():
    """One bad body is None in the result; the batch does not fail as a whole."""
    values = [b"x" * 8] * (BATCH + 1)
    sealer = Sealer("sm4", KEYS["sm4"], deterministic=False)
    pool, bodies = sealer.seal(values, b"ad")
    framed = [pool[i * NONCE_SIZE : (i + 1) * NONCE_SIZE] + b for i, b in enumerate(bodies)]
    framed[3] = framed[3][:-1] + bytes([framed[3][-1] ^ 1])
    opened = sealer.open(framed, b"ad")
    assert opened[3] is None
    assert opened[:3] + opened[4:] == values[:3] + values[4:]


def test_a_short_nonce_pool_is_refused():
    """A nonce source that gives the wrong number of bytes is an error, not a reused nonce."""
    sealer = Sealer("aes", KEYS["aes"], deterministic=False)
    with pytest.raises(InvalidArgument, match="nonce source"):
        sealer.seal([b"a", b"b"], b"ad", lambda n: bytes(n - 1))


def test_an_unknown_cipher_is_refused():
    """Only 'aes' and 'sm4' exist."""
    with pytest.raises(InvalidArgument, match="cipher"):
        Sealer("des", KEYS["aes"], deterministic=False)  # type: ignore[arg-type]


def test_a_sealer_shows_no_key_and_does_not_pickle():
    """The repr names the primitive only; pickling (which would copy the key) is refused."""
    sealer = Sealer("aes", KEYS["aes"], deterministic=False)
    assert KEYS["aes"].hex() not in repr(sealer)
    assert "AesGcm" in repr(sealer)
    with pytest.raises(TypeError):
        pickle.dumps(sealer)


def _medguard_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.startswith("medguard")}


@pytest.mark.parametrize("module", sorted(p.name for p in HAZMAT.glob("*.py")))
def test_hazmat_imports_no_keys_and_no_higher_layer(module):
    """hazmat builds on errors and the shared column adapter only: never keys, ops or above."""
    allowed = {"medguard.errors", "medguard._column"}
    for name in _medguard_imports(HAZMAT / module):
        assert name in allowed or name.startswith("medguard.hazmat"), (module, name)


def test_importing_sealing_loads_no_keyring():
    """A fresh interpreter importing medguard.hazmat.sealing never loads medguard.keys."""
    code = (
        "import sys, medguard.hazmat.sealing\n"
        "assert not any(m.startswith('medguard.keys') for m in sys.modules), sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
