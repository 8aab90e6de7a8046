"""The claims the provider gives: email (verified unless the account is one of UNVERIFIED) and names."""

from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_provider.people import UNVERIFIED


class ClaimsValidator(OAuth2Validator):
    """django-oauth-toolkit's validator, adding the standard email and profile claims."""

    def get_additional_claims(self, request):
        user = request.user
        claims = {"given_name": user.first_name, "family_name": user.last_name}
        if user.email:
            claims.update(email=user.email, email_verified=user.username not in UNVERIFIED)
        return claims
