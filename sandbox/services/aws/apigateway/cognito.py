"""COGNITO_USER_POOLS authorizers: the JWT that moto's cognito-idp issued, verified as API Gateway does.

The signature (RS256, with the pool's JWKS), the issuer (one of the authorizer's user pools), the expiry and
the token use: an ID token when the method names no OAuth scopes, an access token carrying one of the
scopes when it does. Anything else is 401.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sandbox.services.aws.apigateway import errors
from sandbox.services.aws.bridge import apigateway as bridge


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _public_key(jwk: dict[str, str]) -> rsa.RSAPublicKey:
    n = int.from_bytes(_b64(jwk["n"]), "big")
    e = int.from_bytes(_b64(jwk["e"]), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def _decode(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64(header_b64))
        payload = json.loads(_b64(payload_b64))
        signature = _b64(signature_b64)
    except ValueError:
        raise errors.Unauthorized(detail="not a JWT") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise errors.Unauthorized(detail="not a JWT")
    if header.get("alg") != "RS256":
        raise errors.Unauthorized(detail=f"unsupported JWT alg {header.get('alg')!r}")
    jwk = bridge.cognito_signing_keys().get(str(header.get("kid")))
    if jwk is None:
        raise errors.Unauthorized(detail="unknown JWT kid")
    signed = f"{header_b64}.{payload_b64}".encode()
    try:
        _public_key(jwk).verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise errors.Unauthorized(detail="bad JWT signature") from None
    return header, payload


def _pool_of(issuer: str) -> tuple[str, str] | None:
    """`https://cognito-idp.{region}.amazonaws.com/{poolId}` -> (region, poolId)."""
    prefix = "https://cognito-idp."
    if not issuer.startswith(prefix) or "/" not in issuer[len(prefix) :]:
        return None
    host, _, pool_id = issuer[len(prefix) :].partition("/")
    region = host.split(".", 1)[0]
    return (region, pool_id) if pool_id else None


def verify(
    token: str,
    *,
    provider_arns: Sequence[str],
    account_id: str,
    scopes: Sequence[str] = (),
    now: float | None = None,
) -> dict[str, Any]:
    """The token's claims when it passes; raises Unauthorized otherwise."""
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    _, claims = _decode(token)
    pool = _pool_of(str(claims.get("iss", "")))
    if pool is None:
        raise errors.Unauthorized(detail="the token has no Cognito issuer")
    region, pool_id = pool
    allowed = {arn.rsplit("/", 1)[-1] for arn in provider_arns}
    if pool_id not in allowed or not bridge.user_pool_exists(account_id, region, pool_id):
        raise errors.Unauthorized(detail=f"the token's user pool {pool_id} is not this authorizer's")
    if float(claims.get("exp", 0)) <= (time.time() if now is None else now):
        raise errors.Unauthorized("The incoming token has expired", detail="expired token")
    token_use = claims.get("token_use")
    if scopes:
        granted = str(claims.get("scope", "")).split()
        if token_use != "access" or not any(s in granted for s in scopes):
            raise errors.Unauthorized(detail="the access token carries none of the method's scopes")
    elif token_use != "id":
        raise errors.Unauthorized(detail="an ID token is needed when the method names no scopes")
    return claims


def claims_for_context(claims: dict[str, Any]) -> dict[str, str]:
    """REST APIs hand claims to the integration as strings."""
    out: dict[str, str] = {}
    for key, value in claims.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | dict):
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out
