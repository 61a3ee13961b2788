"""Writes of the claims app, one module per domain (zulip's `actions/<domain>.py` shape).

`claims` (open and decide claims), `owner` (the owner's edits), `flags` ("not mine" flags),
`mail` (mail after commit), `errors` (`ClaimError`). Direct collaboration is the collab app's.
Import from the module, e.g. `from claims.services.claims import claim_approve`.
"""
