# The audit area's messages (en).

nav-audit = Audit

# The audit page
audit-title = Audit
audit-intro = Check that the register was never altered: verify its hash chain, keep a signed checkpoint and the public key outside this machine, download the whole log, and check the receipt of a printed or downloaded view.
audit-head-title = The register's head
audit-head-empty = The register is empty.
audit-head-position = Position
audit-head-hash = Hash
audit-chain-title = Chain verification
audit-chain-intro = Recomputes the hash of every event from the bytes stored, from the first to the last. On a large register this takes a moment.
audit-chain-run = Verify the chain
audit-chain-ok = The chain verifies: { $count } events, from position 1 to the head.
audit-chain-bad = The chain breaks at position { $position }: the { $count } events before it verify, that one does not.
audit-downloads-title = Downloads
audit-download-checkpoint = Signed checkpoint (JSON)
audit-download-checkpoint-hint = The head's position and hash, signed by the service: kept outside the machine, it later proves the log up to there was not rewritten.
audit-download-key = Public key (JSON)
audit-download-key-hint = The key checkpoints and receipts are signed with.
audit-download-export = Export of the whole log (NDJSON)
audit-download-export-hint = Every event with its stored bytes and hash, as accord export writes it; accord import and your own tools can check it.
audit-receipt-title = Check a receipt
audit-receipt-intro = Paste the receipt of a printed or downloaded view, or the text its QR code holds. The service checks its signature, that the register still holds the event it names with the same hash, and that the view can be opened again exactly as it was.
audit-receipt-field = Receipt
audit-receipt-hint = It starts with accord-receipt/1; line breaks and spaces between its fields do not matter.
audit-receipt-submit = Check the receipt
audit-receipt-malformed = This is not a receipt: its field { $field } is missing or cannot be read. Paste the whole text, from accord-receipt/1 to the signature.
audit-receipt-verified = Verified.
audit-receipt-verified-detail = The service signed this receipt, and the register still passes through event { $position } with the hash it names.
audit-receipt-refused = Not verified.
audit-receipt-view = View
audit-receipt-reopen = Open the view this receipt came from
audit-receipt-bad-signature = The signature does not match the receipt: a character of it was changed, or it was not signed by this service.
audit-receipt-unknown-position = The receipt names event { $position }, but the register ends at event { $head }.
audit-receipt-chain-broken = The chain does not verify up to event { $position }: it breaks at event { $bad }.
audit-receipt-other-hash = The hash of event { $position } in the register is not the one the receipt names (the register has { $found }): the register was rewritten.
audit-receipt-not-pinned = As known at the receipt's instant, the register ends at event { $found }, not at event { $position }: the view would not open as it was.
audit-files-ok = Every file the log names is stored and hashes to its name: { $count } files.
audit-files-bad = { $count } events name a file that is missing or altered:
audit-files-fault = the event at position { $position } names
