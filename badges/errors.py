"""Exceptions raised by the badges library, one per stage of issuing or verifying."""


class BadgeError(Exception):
    """Base class of every error the badges library raises on purpose.

    ``code`` is the badges.verify check code the error maps to ("failed" when
    the failing check's own code applies).
    """

    code = "failed"

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UnknownDocumentError(BadgeError):
    """A JSON-LD context or document URL is not bundled; nothing is fetched."""


class ContextIntegrityError(BadgeError):
    """A bundled context file does not match the hash it is pinned to."""


class InputLimitError(BadgeError):
    """Input exceeds a bound (size, depth, nodes, blank nodes, work or time)."""

    code = "too_large"


class CanonicalizationError(BadgeError):
    """A JSON-LD document cannot be turned into canonical N-Quads safely."""


class UndefinedTermError(CanonicalizationError):
    """A property or type is defined by no context, so it would be dropped."""


class RelativeIriError(CanonicalizationError):
    """An IRI is relative, so it would be resolved against a guessed base."""


class KeyFormatError(BadgeError):
    """A key, multibase or multicodec value is malformed or of the wrong kind."""


class ResolutionError(BadgeError):
    """A DID or verification method cannot be resolved to a public key."""

    code = "key_unresolved"


class SchemaValidationError(BadgeError):
    """A credential does not satisfy the official Open Badges 3.0 JSON Schema."""


class CredentialBuildError(BadgeError):
    """A credential cannot be built from the values given."""


class ProofError(BadgeError):
    """A Data Integrity proof is malformed, unsupported or does not verify.

    Its code is "proof_invalid", or "proof_missing" when no supported proof is
    there at all.
    """

    code = "proof_invalid"


class JwtError(BadgeError):
    """A VC-JWT is malformed, uses a forbidden header or does not verify.

    Its code says which: "jwt_invalid" for the header or claims,
    "jwt_claim_mismatch" when a registered claim disagrees with the
    credential, "proof_invalid" or "key_unresolved" for the signature.
    """

    code = "jwt_invalid"


class StatusListError(BadgeError):
    """A status list, status entry or list credential is malformed or unusable."""


class BakingError(BadgeError):
    """An image cannot be baked or holds no (or a malformed) credential."""
