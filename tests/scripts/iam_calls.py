"""Every Cognito call the server makes with its AWS credentials is granted in the template.

Cognito's public operations (sign-up, sign-in and its challenges, the person's own account with
their access token) need no IAM permission; every other operation does. This lists the SDK calls
in the server's code (`.operation_name()` on the Cognito client, in crates/cognito-auth/src and
src/), keeps those that are not public, and fails when deploy/template.yaml's AppServerPolicy
does not allow each one (`cognito-idp:OperationName`), or allows one the code never makes.

    python3 tests/scripts/iam_calls.py [ROOT]
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")

# Cognito's operations that take no AWS credentials: the client id, or the person's own access
# token or session, is the authorization (the API reference's "unauthenticated" and "token"
# operations).
PUBLIC = {
    "sign_up", "confirm_sign_up", "resend_confirmation_code", "initiate_auth",
    "respond_to_auth_challenge", "forgot_password", "confirm_forgot_password", "revoke_token",
    "get_tokens_from_refresh_token", "get_user", "update_user_attributes", "delete_user",
    "delete_user_attributes", "verify_user_attribute", "get_user_attribute_verification_code",
    "change_password", "global_sign_out", "associate_software_token", "verify_software_token",
    "set_user_mfa_preference", "start_web_authn_registration", "complete_web_authn_registration",
    "list_web_authn_credentials", "delete_web_authn_credential", "confirm_device",
    "forget_device", "get_device", "list_devices", "update_device_status", "get_user_auth_factors",
}

# How the SDK's operations begin (a `client` of another kind — `.as_ref()`, `.clone()` — is not one).
OPERATION = re.compile(r"^(admin|describe|list|get|set|update|delete|create|add|start|complete|confirm|"
                       r"verify|associate|forgot|resend|revoke|initiate|respond|sign_up|change|global|"
                       r"forget)(_|$)")


def calls_in(text: str) -> set[str]:
    """SDK operations called on the client: `self.client.admin_get_user()` and the like, as
    fluent builders (`op()` followed by a setter or `.send()`)."""
    text = re.sub(r"//[^\n]*", "", text)
    found = set()
    for match in re.finditer(r"\.client\s*\.\s*([a-z_]+)\(\)", text):
        if OPERATION.match(match.group(1)):
            found.add(match.group(1))
    return found


def granted(template: str) -> set[str]:
    """The cognito-idp actions of AppServerPolicy, as the SDK spells them."""
    start = template.index("  AppServerPolicy:")
    end = template.find("\n  # ---", start)
    block = template[start:end if end > 0 else None]
    actions = re.findall(r"cognito-idp:([A-Za-z]+)", block)
    return {re.sub(r"(?<!^)(?=[A-Z])", "_", a).lower().replace("m_f_a", "mfa") for a in actions}


def main() -> int:
    code = set()
    for folder in ("crates/cognito-auth/src", "src"):
        for path in (ROOT / folder).rglob("*.rs"):
            text = path.read_text()
            # Tests build their own clients.
            text = re.split(r"#\[cfg\(test\)\]\s*mod\s+tests\s*\{", text)[0]
            code |= calls_in(text)
    needs = {op for op in code if op not in PUBLIC}
    grants = granted((ROOT / "deploy" / "template.yaml").read_text())
    missing = sorted(needs - grants)
    unused = sorted(grants - needs)
    if missing:
        print("the server calls these with AWS credentials, and deploy/template.yaml's AppServerPolicy "
              f"does not grant them: {', '.join(missing)}", file=sys.stderr)
    if unused:
        print(f"AppServerPolicy grants calls the code never makes: {', '.join(unused)}", file=sys.stderr)
    if missing or unused:
        return 1
    print(f"  ok       the server's role grants exactly its {len(needs)} calls with credentials: "
          f"{', '.join(sorted(needs))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
