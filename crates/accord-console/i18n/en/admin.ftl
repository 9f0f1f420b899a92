# The admin area's messages (en).

# Navigation
nav-admin-tokens = Tokens
nav-admin-webhooks = Webhooks

# Tokens
tokens-title = Tokens
tokens-intro = A token is how a person or a system signs in and calls the API. Its secret is shown once, when it is created; the service keeps only its hash. Revoking a token ends its sessions at once.
tokens-new = Create a token
tokens-role = Role
tokens-party = Party
tokens-party-hint = Secretariat tokens act for one registered party; the other roles take none.
tokens-no-party = No party
tokens-label = Label
tokens-label-hint = Who holds it and what for, e.g. “Secretariat of the Lâm Đồng IZA”. At most 200 characters.
tokens-create = Create the token
tokens-created = Token created
tokens-secret = Secret
tokens-secret-once = Copy the secret now and hand it over safely: it is shown this once and never again.
tokens-secret-gone = The secret was shown once and is not available any more. If it was not copied, revoke this token and create another.
tokens-list = Every token
tokens-created-at = Created
tokens-state = State
tokens-action = Action
tokens-active = Active
tokens-revoked-state = Revoked
tokens-yours = (yours)
tokens-revoke = Revoke
tokens-revoked = The token is revoked: it opens nothing any more and its sessions have ended.
tokens-error-role = Choose a role: secretariat, auditor or administrator.
tokens-error-party = A secretariat token needs the registered party it acts for; auditor and administrator tokens take no party.
tokens-error-label = The label is too long: at most 200 characters.
tokens-error-last-admin = This is the last active administrator token: create another administrator token before revoking it.

# Webhooks
webhooks-title = Webhooks
webhooks-intro = A webhook subscription receives the events of the register as signed HTTP requests, in order, retried until they are acknowledged. Each has a delivery log.
webhooks-list = Subscriptions
webhooks-none = No subscription yet.
webhooks-url = Address (URL)
webhooks-url-hint = An http or https address. It must reach a public host unless the service allows private addresses.
webhooks-description = Description
webhooks-filter = Events
webhooks-all-types = Every event
webhooks-only-agreement = Only the agreement
webhooks-any-agreement = Every agreement
webhooks-status = Status
webhooks-enabled-state = Enabled
webhooks-disabled-state = Disabled
webhooks-created-at = Created
webhooks-new = Subscribe
webhooks-event-types = Event types
webhooks-event-types-hint = Tick none to receive every event.
webhooks-agreement = Agreement
webhooks-create = Create the subscription
webhooks-created = The subscription is created. It receives the events recorded from now on.
webhooks-rotated = A new secret is issued. For 24 hours every delivery is signed with both the new and the previous secret.
webhooks-disabled = The subscription is disabled: nothing is delivered until it is enabled again.
webhooks-enabled = The subscription is enabled: delivery resumes where it stopped.
webhooks-replayed = The replay is queued: the events from that position are delivered again, in order.
webhooks-error-url = Enter an http or https address.
webhooks-error-scheme = Only http and https addresses can receive webhooks.
webhooks-error-private-address = This address is on a private or local network, which this service does not deliver to.
webhooks-error-unresolvable = This host name could not be resolved.
webhooks-error-event-types = Choose event types from the list.
webhooks-error-agreement = Choose an agreement from the list.
webhooks-error-position = Enter a position of the log: a whole number from 1.

# One subscription
webhook-title = Webhook subscription
webhook-id = Identifier
webhook-facts = The subscription
webhook-secret-title = New secret
webhook-secret = Signing secret
webhook-secret-once = Copy the secret now and give it to the receiver: it is shown this once and never again.
webhook-secret-gone = The secret was shown once and is not available any more. If it was not copied, rotate the secret again.
webhook-actions = Manage
webhook-rotate = Rotate the secret
webhook-rotate-hint = Rotating issues a new secret; the previous one keeps signing for 24 hours, so the receiver can switch without losing a delivery.
webhook-disable = Disable
webhook-enable = Enable
webhook-replay-from = Replay from position
webhook-replay-hint = Every matching event from this position of the log on is delivered again, in order, with the same webhook-id.
webhook-replay = Replay
webhook-log = Delivery log
webhook-log-empty = Nothing delivered yet.
webhook-log-first = First deliveries
webhook-state = State
webhook-state-pending = Pending
webhook-state-succeeded = Delivered
webhook-state-failed = Given up
webhook-attempts = Attempts
webhook-last-attempt = Last attempt
webhook-next-attempt = Next attempt
webhook-next-around = around { $at }
webhook-every-attempt = Every attempt
webhook-duration = { $ms } ms

# Live updates
live-new-events = New events were recorded; this page now shows them.
live-ended = Your session has ended, so this page no longer updates. Reload it to sign in again.
