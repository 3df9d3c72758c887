"""Adding a badge to a wallet: the VC-API exchange a wallet such as the Learner
Credential Wallet joins with a DIDAuth presentation, and the credential it receives,
bound to the wallet's DID."""
