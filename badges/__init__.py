"""Open Badges 3.0 credentials: build, sign, bake and verify them, offline.

Modules, in the order a credential meets them:

- ``credential``: typed builders for an OpenBadgeCredential (VC 2.0 + OB 3.0.3).
- ``schema``: the official OB 3.0 JSON Schemas (bundled) and their validation.
- ``documents``: the pinned JSON-LD contexts and the offline document loader.
- ``canonical``, ``expansion``, ``rdfc``: safe-mode JSON-LD to RDF and RDFC-1.0.
- ``keys``, ``multibase``, ``dids``: Ed25519 Multikeys, did:key, did:web, resolver.
- ``proofs``: Data Integrity eddsa-rdfc-2022 (and Ed25519Signature2020 checks).
- ``jwt``: the VC-JWT form (OB 3.0 §8.2).
- ``status``: Bitstring Status List lists, list credentials and status reads.
- ``baking``: PNG and SVG baked badges.
- ``verify``: ``verify_credential``, the report a verifier shows.
- ``limits``, ``dates``, ``errors``: bounds on hostile input, strict dates, errors.

Nothing here imports pdhub, Flask or SQLAlchemy, and nothing touches the network
except through a fetch function the caller passes in.
"""
