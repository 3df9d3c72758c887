"""The bounds of the API's paginated district endpoints, shared by the endpoints
and the OpenAPI document that publishes them."""

#: Items per page unless the caller asks for another number, and the most allowed.
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: Pages beyond this are refused rather than computed.
MAX_PAGE = 100_000
#: The school years the ledger answers for (named by the year they start in).
MIN_YEAR = 2000
MAX_YEAR = 2100
