"""Identifiers: deterministic, unique ids for the world (items, accounts, transactions) and random tokens."""

from __future__ import annotations

import hashlib
import random
import secrets
import struct
import uuid

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Every 16-bit chunk maps to 3 base62 characters (62**3 > 2**16), so fixed-width encoding stays injective.
_CODES = [_ALPHABET[i // 3844] + _ALPHABET[i // 62 % 62] + _ALPHABET[i % 62] for i in range(1 << 16)]
_MASK = (1 << 128) - 1
_UNPACK = struct.Struct(">8H").unpack

KIND_ITEM, KIND_ACCOUNT = 1, 2


class IdFactory:
    """Plaid-looking ids, each an injective function of (kind, item ordinal, counter): unique by construction."""

    def __init__(self, seed: int) -> None:
        digest = hashlib.sha256(f"finboard-emulator-ids:{seed}".encode()).digest()
        self._key = int.from_bytes(digest[:16], "big")
        codes = _CODES[:]
        random.Random(digest).shuffle(codes)  # a seed-specific permutation: still one code per chunk value
        self._codes = codes

    def make(self, kind: int, ordinal: int, counter: int) -> str:
        """24 characters; used for items, accounts and per-item prefixes (a few per item, so speed is moot)."""
        # Each step is invertible on 128-bit integers (odd multiply, xor-shift, xor with a key).
        x = (kind << 120) | (ordinal << 64) | counter
        x = (x * 0x9E3779B97F4A7C15F39CC0605CEDC835) & _MASK
        x ^= x >> 67
        x ^= self._key
        x = (x * 0xC2B2AE3D27D4EB4F165667B19E3779F9) & _MASK
        x ^= x >> 59
        return "".join([_CODES[v] for v in _UNPACK(x.to_bytes(16, "big"))])

    def transaction_ids(self, ordinal: int) -> TransactionIds:
        # odd multiplier and xor with a key: a bijection on 48 bits, so distinct items get distinct prefixes
        prefix = ((ordinal * 0x9E3779B97F4B) ^ self._key) & 0xFFFFFFFFFFFF
        return TransactionIds(self._codes, (prefix >> 32, (prefix >> 16) & 0xFFFF, prefix & 0xFFFF))


class TransactionIds:
    """Transaction ids of one item: fast (millions per world), unique across items, random-looking.

    x = counter * odd (mod 2**64) is a bijection; the id is x's four 16-bit chunks followed by the item prefix's
    three chunks each xor-ed with a chunk of x. Decoding x recovers the counter and then the prefix, so the id is
    injective in (item, counter).
    """

    def __init__(self, codes: list[str], prefix: tuple[int, int, int]) -> None:
        self._codes = codes
        self._prefix = prefix

    def __call__(self, counter: int) -> str:
        c = self._codes
        x = (counter * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        x0, x1, x2, x3 = x & 0xFFFF, (x >> 16) & 0xFFFF, (x >> 32) & 0xFFFF, x >> 48
        p0, p1, p2 = self._prefix
        return c[x0] + c[x3] + c[p0 ^ x1] + c[x1] + c[p1 ^ x2] + c[x2] + c[p2 ^ x3]


def new_token(kind: str) -> str:
    """A fresh random token in Plaid's `<kind>-sandbox-<uuid>` format (kind: access, public, link)."""
    return f"{kind}-sandbox-{uuid.uuid4()}"


def token_hash(token: str) -> str:
    """Tokens are stored and looked up by SHA-256 only, never in plaintext."""
    return hashlib.sha256(token.encode()).hexdigest()


def request_id() -> str:
    return secrets.token_hex(8)


def stable_id(text: str) -> str:
    """The same id for the same text in every world (merchant entity ids, for instance)."""
    x = int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big")
    return "".join([_CODES[v] for v in _UNPACK(x.to_bytes(16, "big"))])[:20]
