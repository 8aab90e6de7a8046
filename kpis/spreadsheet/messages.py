"""Every sentence the KPI import and export show a person: full sentences, saying what to do next.

The limits' own sentences (file too large, unpacks to too much, too many rows) are in core.importing.
"""

NOT_A_SPREADSHEET = (
    "“{name}” is not a spreadsheet. Save the KPI table as an Excel workbook (.xlsx) or as CSV (.csv) and upload that."
)
OLD_EXCEL_FORMAT = (
    "“{name}” is in the old Excel 97–2003 format (.xls). Open it in Excel, save it as an Excel "
    "workbook (.xlsx) and upload that."
)
NO_HEADER_ROW = (
    "No header row was found. The table needs a row with a “Ref” column and at least one month "
    "column headed like Jul 20, Jul 2020, July 2020 or 2020-07: add it and upload the file again."
)
NO_MEASURE_ROWS = (
    "The table has no measure rows under its header. Add one row per measure with its Ref, or check the file."
)
MONTH_HEADING_UNREADABLE = (
    "The heading “{heading}” looks like a month but cannot be read. Write months like Jul 20, Jul 2020, "
    "July 2020 or 2020-07."
)
YEAR_MISSING = (
    "The heading “{heading}” does not say which financial year it is for. Add the year, for example "
    "“{heading} 2020/21”."
)
DUPLICATE_COLUMN = (
    "This column holds the same figures as column “{other}” ({other_letter}). Delete one of the two columns."
)
UNKNOWN_REF = "No measure in “{plan}” has the Ref “{ref}”. Correct the Ref, or add the measure in the admin first."
DUPLICATE_REF = "The Ref “{ref}” is also on row {other_row}. Keep one row per measure and delete the other."
ROW_WITHOUT_REF = "This row has figures but no Ref. Write the measure's Ref in the Ref column, or delete the row."
NOT_A_NUMBER = (
    "“{text}” is not a number. Write a number such as 84 or 84%, leave the cell blank, or write why "
    "there is no figure (for example n/a or TBC)."
)
PERCENTAGE_OUT_OF_RANGE = (
    "{value}% is outside 0–100% for a percentage measure. Correct the figure (a fraction such as 0.84 "
    "needs its cell formatted as a percentage)."
)
NUMBER_TOO_LARGE = "{value} is too large to store. Correct the figure."
TEXT_TOO_LONG = "The text is {length} characters long but at most {limit} fit. Shorten it."

# The admin's import and export pages.
IMPORT_DONE = "Imported “{file_name}”: {summary}"
FIGURES_CHANGED_SINCE_PREVIEW = (
    "The KPI figures changed since “{file_name}” was checked, so nothing was imported. "
    "Check the new preview below and confirm again."
)
PLAN_HELP = "The measures in the file are matched by Ref within this plan."
FILE_HELP = "An .xlsx or .csv file in the layout of the KPI tables: a Ref column and a column per month."

UPLOAD_INTRO = (
    "Upload the performance team's KPI table (.xlsx or .csv): a “Ref” column, one row per measure and a "
    "column per month headed like Jul 20, July 2020 or 2020-07. Title lines, group rows, section headings"
    " and footnotes may stay. You will see what changes before anything is saved."
)
EXPORT_INTRO = (
    "Download a plan's measures in the layout the import reads: importing the file back unchanged changes nothing."
)
