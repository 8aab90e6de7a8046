"""Who the test provider knows: its people (a council directory, as far as the tests need one), the app's client."""

PASSWORD = "council-password-2021"
CLIENT_ID = "improvement-tracker"
CLIENT_SECRET = "improvement-tracker-secret"
# username, email, first name, last name.
PEOPLE = (
    ("becky", "Becky.Thompson@Torbay.gov.uk", "Becky", "Thompson"),
    ("sam.newman", "sam.newman@torbay.gov.uk", "Sam", "Newman"),
    ("pat.unverified", "pat.unverified@torbay.gov.uk", "Pat", "Unverified"),
    ("no.email", "", "No", "Email"),
)
# Accounts whose email address the provider has not verified (email_verified: false).
UNVERIFIED = {"pat.unverified"}
