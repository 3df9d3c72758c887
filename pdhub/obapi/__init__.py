"""The 1EdTech Open Badges 3.0 API (``/ims/ob/v3p0/``): discovery, dynamic client
registration, OAuth 2.0 authorization code with PKCE, and the teacher's credentials
and profile for the systems they connect."""
