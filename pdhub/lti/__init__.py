"""PD Hub as an LTI 1.3 / LTI Advantage tool: platform registrations per district,
OIDC login, resource-link and deep-linking launches, grades (AGS) and course staff
(NRPS)."""
