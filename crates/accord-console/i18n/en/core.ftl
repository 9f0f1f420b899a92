# The Accord Console in English. One `key = text` a line; `{ $name }` is
# filled in by the page. Keep the keys in the same order as vi.ftl.

app-name = Accord
skip-to-content = Skip to content
footer = Accord keeps an append-only, hash-chained record of cooperation agreements. Every view can be rebuilt at any business date and as known at any instant.

# Navigation and identity
nav-label = Main
nav-home = Home
nav-agreements = Agreements
nav-parties = Parties
nav-docs = API
nav-my-party = My party
identity-label = Signed in as
sign-out = Sign out
lang-switch = Language
lang-vi = Tiếng Việt
lang-en = English

# Roles
role-admin = Administrator
role-writer = Secretariat
role-auditor = Auditor
role-system = The service

# Signing in
sign-in-title = Sign in
sign-in-intro = Sign in with the token your administrator gave you. The token stays on the server; your browser only keeps a session cookie, which ends when you sign out, after a time without use, or when the token is revoked.
sign-in-token = Token
sign-in-token-hint = The token starts with acc_.
sign-in-submit = Sign in
sign-in-token-unknown = This token is not known or has been revoked.
sign-in-ended-expired = Your session expired. Please sign in again.
sign-in-ended-revoked = Your token was revoked, so your session has ended.
sign-in-ended-signed-out = You have signed out.

# Time travel
tt-title = Time travel
tt-at = Business date
tt-at-hint = The world as it stood on this date: only facts in effect by then.
tt-as-of = As known at
tt-as-of-hint = What the register knew at this instant: only events recorded by then.
tt-now = Now (everything recorded)
tt-show = Show
tt-reset = Today, everything recorded
tt-steps = Step through the history
tt-step-prev = Previous event
tt-step-next = Next event
tt-step-where = Event { $index }
tt-step-latest = Latest

# Lists and paging
pager-label = Pages
pager-prev = Previous
pager-next = Next
pager-page = Page { $page }
filters-title = Filters
filter-party = Party
filter-any-party = Any party
filter-status = Status
filter-any-status = Any status
filters-apply = Apply filters

# Home
home-title = Cooperation agreements
home-party-agreements = Your party's agreements
home-all-agreements-title = All agreements
home-all-agreements = See all agreements
home-recent = Recent events

# Agreements
agreements-title = Agreements
agreements-count = { $count } agreements at this date
agreements-none = No agreement at this date.
agreement-title = Title
agreement-parties = Parties
agreement-signed-on = Signed on
agreement-place = Place
agreement-term = Term
agreement-status = Status
agreement-status-on = Status on { $date }:
agreement-exchanges = Exchanges
agreement-exchanges-counted = { $count } exchanges counted (retracted ones are listed, never counted).
agreement-facts = The agreement
agreement-supersedes = Supersedes
agreement-superseded-by = Superseded by
agreement-terminated-on = Terminated on
agreement-version = Version
agreement-id = Identifier
agreement-joined-on = Party since
agreement-member-until = Party until
agreement-member-via = via
agreement-responsibilities = Responsibilities
agreement-areas = Areas of cooperation
agreement-reviews = Reviews
agreement-compare = Compare two dates or versions
agreement-unknown-title = Agreement not known at this moment
agreement-unknown-detail = The register knows this agreement, but not at the business date and instant chosen: it was not signed yet on that date, or not recorded yet at that instant. Choose another moment below, or open an event of its timeline.

# Statuses
status-pending = Pending
status-active = Active
status-expired = Expired
status-superseded = Superseded
status-terminated = Terminated

# Exchanges
exchanges-none = No exchange recorded by this date.
exchange-occurred-on = Date
exchange-area = Area
exchange-kind = Kind
exchange-parties = Parties
exchange-summary = Summary
exchange-outcome = Outcome
exchange-status = Record
exchange-kind-meeting = Meeting
exchange-kind-visit = Visit
exchange-kind-information = Information
exchange-kind-support = Support
exchange-kind-training = Training
exchange-kind-event = Event
exchange-kind-other = Other
exchange-status-recorded = As recorded
exchange-status-corrected = Corrected
exchange-status-retracted = Retracted

# Reviews
reviews-none = No review opened by this date.
review-kind = Kind
review-kind-interim = Interim review
review-kind-final = Final review
review-period = Period
review-opened-on = Opened on
review-status = Status
review-status-open = Open
review-status-closed = Closed
review-closed-on = Closed on
review-outcome = Outcome
review-summary = Summary
review-assessments = Assessments
assessments-none = No assessment yet.
assessment-party = Party
assessment-rating = Rating
assessment-on = Assessed on
assessment-notes = Notes
rating-met = Met
rating-partially_met = Partially met
rating-not_met = Not met

# Timeline and events
timeline-title = Timeline
timeline-intro = Every event of this agreement, oldest first, with the business date it is about and the instant it was recorded. Open one to see the agreement as known right after it.
timeline-not-known = Not yet recorded at the instant shown
timeline-not-in-effect = Not yet in effect on the date shown
timeline-void = Void
timeline-voided = Voided:
timeline-voided-by = see the void
events-none = No event recorded yet.
event-position = Position
event-version = Version
event-type = Event
event-subject = About
event-effective-on = Business date
event-recorded-at = Recorded at
event-actor = Recorded by
event-hash = Hash
event-view = View
event-view-as-known = As known then
event-PartyRegistered = Party registered
event-AgreementSigned = Agreement signed
event-AgreementAmended = Agreement amended
event-PartyAdmitted = Party admitted
event-ExchangeRecorded = Exchange recorded
event-ExchangeCorrected = Exchange corrected
event-ExchangeRetracted = Exchange retracted
event-ReviewPeriodOpened = Review opened
event-AssessmentRecorded = Assessment recorded
event-ReviewPeriodClosed = Review closed
event-AgreementTerminated = Agreement terminated
event-PartyUpdated = Party updated
event-PartySucceeded = Party succeeded (merger)
event-PartyWithdrew = Party withdrew
event-DocumentAttached = Document attached
event-EventVoided = Fact voided

# Comparing
diff-title = What changed
diff-from = From
diff-to = To
diff-hint = Each point is a version number (3), a business date (2013-07-04) or an instant (2026-05-01T08:30:00Z).
diff-compare = Compare
diff-count = { $count } changes
diff-point-date = in force on that date, from every fact known now (version { $version }, log position { $position })
diff-point-known = as known at version { $version } (log position { $position })
diff-not-yet = not signed yet
diff-none = Nothing changed between these points.
diff-not-found = The agreement does not exist at the second point.
diff-what = What
diff-before = Before
diff-after = After
diff-events = Events
change-field = Field
change-status = Status
change-party_admitted = Party admitted
change-party_removed = Party no longer listed
change-exchange_added = Exchange added
change-exchange_removed = Exchange no longer listed
change-exchange_corrected = Exchange corrected
change-exchange_retracted = Exchange retracted
change-review_opened = Review opened
change-review_removed = Review no longer listed
change-review_assessed = Review assessed
change-review_closed = Review closed

# Fields of a view, as a change names them
field-title = Title
field-signed_on = Signed on
field-place = Place
field-term = Term
field-areas = Areas
field-responsibilities = Responsibilities
field-supersedes = Supersedes
field-superseded_by = Superseded by
field-terminated_on = Terminated on
field-status = Status
field-parties = Parties
field-kind = Kind
field-period = Period
field-outcome = Outcome
field-closed_on = Closed on
field-summary = Summary
field-opened_on = Opened on
field-assessments = Assessments
field-party_id = Party
field-rating = Rating
field-assessed_on = Assessed on
field-notes = Notes
field-occurred_on = Date
field-area = Area

# Parties
parties-title = Parties
parties-none = No party registered yet.
party-name = Name
party-short-name = Short name
party-kind = Kind
party-province = Province
party-id = Identifier
party-agreements = Agreements
party-agreements-on = Agreements on { $date }
party-succeeded-by = Succeeded by
party-succeeds = Succeeds
party-from = from { $date }
party-history = Names over time
party-history-from = In force from
party-history-registered = As registered
party-kind-industrial_zone_authority = Industrial zones authority
party-kind-economic_zone_authority = Economic zone authority
party-kind-agency = Agency
party-kind-enterprise = Enterprise
party-kind-other = Other

# The API reference
docs-title = API reference
docs-intro = The HTTP API, version 1, as the service describes itself. Every route below except health and the document itself needs a bearer token; the texts are the API's own, in English.
docs-download = Download the OpenAPI document (JSON).
docs-contents = Contents
docs-parameters = Parameters
docs-param-name = Name
docs-param-in = In
docs-param-required = Required
docs-param-description = Description
docs-required-yes = yes
docs-responses = Responses
docs-status = Status

# Errors
error-status = Error { $status }
error-home = Back to the home page
error-invalid-field = The value that could not be read:
error-not-found = Not found
error-not-found-detail = There is no such page, or what it shows did not exist at the moment chosen.
error-forbidden = Not allowed
error-forbidden-detail = Your role does not allow this page.
error-cross-site = Request refused
error-cross-site-detail = This form did not come from a page of this console, or its security token has expired. Go back, reload the page and try again.
error-invalid = Invalid address
error-invalid-detail = A value in the address of this page is malformed (dates are written YYYY-MM-DD).
error-unavailable = Busy
error-unavailable-detail = The service is busy or stopping. Please try again in a moment.
error-disk-full = Disk full
error-disk-full-detail = The disk holding the register is almost full, so nothing was recorded. Pages can still be read; please try again once an administrator has freed space.
error-internal = Something went wrong
error-internal-detail = The service could not show this page. The fault has been logged.

# Months, for dates written in words
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

agreement-attachments = Documents and files
attachments-none = No document attached by this date.
attachment-title = Title
attachment-kind = Kind
attachment-dated-on = Dated
attachment-size = Size
attachment-file = File
attachment-download = Download
attachment-of-exchange = of an exchange
attachment-of-review = of a review
document-kind-signed_text = Signed text
document-kind-minutes = Minutes
document-kind-report = Report
document-kind-plan = Plan
document-kind-other = Other
document-kind = Kind of document
agreement-document = Document
agreement-document-number = No.
agreement-signatories = Signed by
