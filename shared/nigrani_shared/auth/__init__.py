"""Staff authentication: bearer JWTs checked with PyJWT, turned into a `StaffIdentity`.

Local development signs tokens with a shared HS256 secret (see `local_tokens.py`);
production verifies RS256/ES256 tokens from an OIDC provider such as Keycloak with a public
key or a JWKS file. Nothing here parses or verifies a JWT by hand.
"""
