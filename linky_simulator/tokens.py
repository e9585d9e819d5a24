"""Minimal HS256 JSON Web Tokens (what Conso API issues), without third-party packages."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_hs256(payload: dict[str, Any], secret: bytes) -> str:
    """Sign `payload` with HS256 and return the compact JWT."""
    header = _b64encode(json.dumps({"alg": "HS256"}, separators=(",", ":")).encode())
    body = _b64encode(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}".encode("ascii")
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return f"{header}.{body}.{_b64encode(signature)}"


def decode_hs256(token: str, secret: bytes, now_ts: float) -> dict[str, Any] | None:
    """Return the payload of a valid, unexpired HS256 token signed with `secret`, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header_b64, body_b64, signature_b64 = parts
    try:
        header = json.loads(_b64decode(header_b64))
        payload = json.loads(_b64decode(body_b64))
        signature = _b64decode(signature_b64)
    except ValueError, binascii.Error:
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return None
    expected = hmac.new(secret, f"{header_b64}.{body_b64}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature) or not isinstance(payload, dict):
        return None
    exp = payload.get("exp")
    if isinstance(exp, int | float) and now_ts >= exp:
        return None
    nbf = payload.get("nbf")
    if isinstance(nbf, int | float) and now_ts < nbf:
        return None
    return payload
