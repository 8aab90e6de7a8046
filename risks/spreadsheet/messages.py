"""Every sentence the risk register import says, with the row and column it concerns and what to do next.

The limits' own sentences (file too large, unpacks to too much, too many rows) are in core.importing.
"""

MISSING_COLUMNS = (
    "The file has no {columns} column. Use the register's headings in the first row ({expected}), "
    "then upload the file again."
)
EMPTY_CELL = "This cell is empty. Fill it in, then upload the file again."
REF_UNREADABLE = "“{value}” is not a reference number. Give each risk a whole number, such as 7."
REF_REPEATED = "Reference {ref} is also used on row {other}. Give each risk its own reference."
TYPE_UNREADABLE = "“{value}” is neither Risk nor Issue. Write Risk or Issue."
SCALE_UNREADABLE = "“{value}” is not a whole number from 1 to 5. Use 1 (lowest) to 5 (highest)."
SCORE_UNREADABLE = "“{value}” is not a number. Write probability × impact, or leave the cell empty."
SCORE_DISAGREES = (
    "The score {score} is not probability {probability} × impact {impact} = {product}. "
    "Correct the probability, the impact or the score."
)
CHOICE_UNREADABLE = "“{value}” is not a {what} the register knows. Write one of: {choices}, or leave the cell empty."
PAIR_HALF_EMPTY = "Give both the {what} probability and the {what} impact, or leave both empty."
OWNER_UNKNOWN = (
    "No user is called “{value}”. Write the owner's full name or username as the tracker has it, "
    "or ask an administrator to add them first."
)
OWNER_AMBIGUOUS = "More than one user is called “{value}”. Write the owner's username instead."
DATE_UNREADABLE = (
    "“{value}” is not a date we can read. Write a month and year such as January 2020, or a day such as 13/07/21."
)
NOT_A_SPREADSHEET = (
    "“{name}” is not a spreadsheet. Save the register as an Excel workbook (.xlsx) or as CSV (.csv) and upload that."
)
NO_PLAN = "Choose the plan whose register this file holds, then upload the file again."
ROW_REFUSED = "Nothing has been imported because of the problems listed. Correct the file, then upload it again."
IMPORT_REFUSED = "The file was not imported: {count} problem{s} found. " + ROW_REFUSED
IMPORT_DONE = "Imported “{file_name}”: {summary}"
REGISTER_CHANGED_SINCE_PREVIEW = (
    "The register changed after “{file_name}” was previewed, so nothing was imported. "
    "Check the new preview below, then confirm it."
)
FILE_HELP = (
    "An .xlsx or .csv file laid out like the highlight report: headings Ref, Issue / Risk, Description, "
    "Mitigation / Resolution, Date Raised, Owner, Probability, Impact, Risk Score in the first row."
)
PLAN_HELP = "The plan whose risk register the file holds."

UPLOAD_INTRO = (
    "Upload the register laid out like the highlight report: headings Ref, Issue / Risk, Description, "
    "Mitigation / Resolution, Date Raised, Owner, Probability, Impact, Risk Score in the first row. Dates"
    " such as “January 2020” and “13/07/21” are read. If any row has a problem, nothing is imported and "
    "every problem is listed."
)
EXPORT_INTRO = (
    "Download a plan's register in the seeds' layout, which the import reads: importing the file back "
    "unchanged changes nothing."
)
