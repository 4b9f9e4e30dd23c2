"""The Cognito user pool for tenant users (the relay never signs in here: it signs requests)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from relance_infra.constructs import acknowledge

# Lower precedence wins when a user is (by mistake) in several groups.
GROUPS = {"admin": 0, "user": 1, "viewer": 2}
TENANT_ATTRIBUTE = "tenant_id"
ROLE_ATTRIBUTE = "role"


class Auth(Construct):
    """User pool (email sign-in, tenant and role as custom claims, role groups) + SPA client."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            # A tenant's admin invites its users: nobody may create an account and pick a
            # tenant.
            self_sign_up_enabled=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            custom_attributes={
                # Every store call is scoped by this claim: a user never changes tenant.
                TENANT_ATTRIBUTE: cognito.StringAttribute(min_len=1, max_len=64, mutable=False),
                # Mutable so an admin can promote or demote, but not writable by the app
                # client (see write_attributes below): only admin API calls change it.
                ROLE_ATTRIBUTE: cognito.StringAttribute(min_len=4, max_len=16, mutable=True),
            },
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            # Threat protection (compromised credentials, adaptive authentication) needs the
            # Plus plan; these accounts see every customer's receivables.
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "MFA is optional (TOTP offered to every user): SME accounting staff often sign in "
            "from shared office machines without a phone at hand; the Plus plan's adaptive "
            "authentication asks for a second factor when a sign-in looks risky.",
        )
        for name, precedence in GROUPS.items():
            cognito.UserPoolGroup(
                self,
                f"Group{name.capitalize()}",
                user_pool=self.user_pool,
                group_name=name,
                precedence=precedence,
                description=f"Relance {name} role",
            )
        self.client = self.user_pool.add_client(
            "WebClient",
            # The browser app cannot keep a secret. It signs in with USER_PASSWORD_AUTH
            # (the password goes to Cognito over TLS, never to Relance): SRP would need
            # an SDK in the page (docs/decisions.md 31); SRP stays allowed for other clients.
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=True),
            disable_o_auth=True,  # no hosted UI yet
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=cdk.Duration.hours(1),
            access_token_validity=cdk.Duration.hours(1),
            refresh_token_validity=cdk.Duration.days(1),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes(TENANT_ATTRIBUTE, ROLE_ATTRIBUTE),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
        )
