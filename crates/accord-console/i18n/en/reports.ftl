# The reports area's messages (en).

nav-reports = Reports

# The cooperation report
report-title = Cooperation report
report-window-between = Exchanges that occurred from { $from } to { $to } and reviews closed in that window,
report-window-until = Exchanges that occurred up to { $to } and reviews closed by then,
report-window-at = as the register stood on { $at }.
report-from = From
report-to = To
report-to-hint = Left empty: up to the business date.
report-totals = Totals
report-total-agreements = Agreements
report-total-active = Active agreements
report-total-exchanges = Exchanges
report-total-reviews = Reviews closed
report-charts = Charts
report-chart-area = Exchanges by area
report-chart-year = Exchanges by year
report-chart-party = Exchanges by party
report-chart-total = { $count } in all
report-chart-party-note = an exchange counts for each party it names
report-chart-empty = No exchange in this window.
report-chart-activities = Activities planned vs done
report-chart-activities-note = { $count } due in the window, by their status on the report's date
report-chart-activities-empty = No activity of a work plan is due in this window.
report-agreements = Agreements in the report
report-none = No agreement in this window at this date.
report-col-exchanges = Exchanges
report-col-reviews = Reviews closed
report-col-areas = By area
report-col-activities = Activities due in the window
report-col-follow-ups = Follow-ups still to do
report-plans = Work plans and follow-ups
report-col-agreements = Agreements
report-parties = By party
report-downloads = Downloads
report-download-csv = Download CSV
report-download-json = Download JSON
report-download-receipt = The receipt of this report
report-download-hint = The files are those of the API for the same parameters. Each carries this report's receipt in its Accord-Receipt header: keep the receipt with the file.

# Receipts on printed and downloaded views
receipt-title = Receipt
receipt-intro = This view reflects the register up to event { $position }. The service signed what it shows: the view, its business date, the instant it was known at, that event's position and hash. Keep this text, or the QR code holding it; on the Audit page it proves the view years later and opens it again exactly as it was.
receipt-text-label = Receipt text
receipt-qr-label = QR code of the receipt text
receipt-check = To prove it later, paste the text on the Audit page.
receipt-reopen = Open this exact view again

# Areas of cooperation, by the identifier an agreement declares (the
# demo's); an area without a message is shown by its identifier.
area-experience_exchange = Exchange of experience
area-state_management_information = Information on state management of the zones
area-investment_promotion = Investment promotion
area-labour_recruitment = Labour recruitment
area-decree_29_2008 = Decree 29/2008/NĐ-CP
area-scheme_30 = Scheme 30 (administrative procedures)
area-regional_linkage = Regional linkage
