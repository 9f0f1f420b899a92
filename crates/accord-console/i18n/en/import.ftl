# The import area's messages (en).
# A whole file refused.
import-file-too-large = The file is larger than { $value } MB. Split it into smaller files.
import-file-not-sheet = This file is not a spreadsheet: upload a CSV file (UTF-8) or an Excel workbook (.xlsx).
import-file-xls = This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as CSV (UTF-8) and upload it again.
import-file-empty = The file is empty.
import-file-unknown-column = The column “{ $value }” is not one of the template's. Use the template's header row.
import-file-twice = The column “{ $value }” is given twice.
import-file-missing-column = The column “{ $value }” is missing. Use the template's header row.
import-file-no-rows = The file has a header row but no exchange below it.
import-file-too-many-rows = The file has more than { $value } exchanges. Split it into smaller files.
# A malformed cell.
import-bad-missing = This cell must not be empty.
import-bad-id = Not an identifier (a UUID such as 0190f0a0-2014-7000-8000-000000000310).
import-bad-date = Not a date: write 2014-03-10 or 10/03/2014.
import-bad-area = Not an area identifier (such as investment_promotion).
import-bad-kind = Not a kind of exchange: meeting, visit, information, support, training, event or other.
import-bad-party = Not a list of party identifiers (such as dong-nai-iza; lam-dong-iza).
