"""What deploy/template.yaml must get right about real pools, which cfn-lint does not check.

- Every attribute an identity provider maps is in the app client's WriteAttributes: Cognito
  refuses a provider's returning user when the client may not write a mapped attribute. Only a
  client with a secret may write email_verified, and providers require one.
- The pool domain is managed login (ManagedLoginVersion 2, with a ManagedLoginBranding style
  for the app client), not the classic hosted UI: the pages in the person's language.
- OidcProviderName's pattern accepts only names Cognito accepts (3 to 32 characters, no
  underscore or space), and the ones people use.

    python3 tests/scripts/template_checks.py [ROOT]
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")


def resources(template: str) -> dict[str, str]:
    """Each resource's block of text, by logical id (two-space indent under Resources)."""
    body = template[template.index("\nResources:\n"):]
    blocks = re.split(r"\n  (?=[A-Za-z0-9]+:\n)", body)
    found = {}
    for block in blocks[1:]:
        name, _, rest = block.partition(":\n")
        found[name] = rest
    return found


def flow_list(block: str, key: str) -> list[str]:
    match = re.search(rf"\n\s+{key}: \[([^\]]*)\]", block)
    return [item.strip() for item in match.group(1).split(",")] if match else []


def write_lists(block: str) -> tuple[list[str], list[str]]:
    """WriteAttributes with a secret and without one: `!If [WithSecret, [...], [...]]`, or one
    list for both."""
    match = re.search(r"\n\s+WriteAttributes: !If \[WithSecret, \[([^\]]*)\], \[([^\]]*)\]\]", block)
    if match:
        split = lambda text: [item.strip() for item in text.split(",")]
        return split(match.group(1)), split(match.group(2))
    plain = flow_list(block, "WriteAttributes")
    return plain, plain


def cognito_accepts(name: str) -> bool:
    """Cognito's ProviderName: [^_\\p{Z}][\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}][^_\\p{Z}]+, 1 to 32 long."""
    return (
        3 <= len(name) <= 32
        and name[0] not in "_ "
        and not name[1].isspace()
        and all(c not in "_ " for c in name[2:])
    )


def main() -> int:
    template = (ROOT / "deploy" / "template.yaml").read_text()
    all_resources = resources(template)
    problems = []

    client = all_resources["AppClient"]
    with_secret, public = write_lists(client)
    writable = set(with_secret)
    # A public client's tokens anyone can get with a password: email_verified writable there
    # would let anyone claim someone else's address as verified.
    if "email_verified" in public:
        problems.append("AppClient lets a client without a secret write email_verified")
    if "IdentityProvidersNeedAClientSecret:" not in template:
        problems.append("identity providers must require ClientSecret (they need email_verified writable)")
    providers = {n: b for n, b in all_resources.items() if "Type: AWS::Cognito::UserPoolIdentityProvider" in b}
    if not providers:
        problems.append("no identity provider found: is this check reading the template right?")
    for name, block in providers.items():
        mapping = block.split("AttributeMapping:", 1)[1] if "AttributeMapping:" in block else ""
        # `username` is Cognito's own (it maps `sub` there itself), never a client's to write.
        mapped = [a for a in re.findall(r"\n        ([a-z_:]+): ", mapping) if a != "username"]
        for attribute in mapped:
            if attribute not in writable:
                problems.append(f"{name} maps `{attribute}`, which AppClient's WriteAttributes lacks")

    domain = all_resources.get("UserPoolDomain", "")
    if not re.search(r"\n\s+ManagedLoginVersion: 2\b", domain):
        problems.append("UserPoolDomain is the classic hosted UI: set ManagedLoginVersion: 2")
    branding = [b for b in all_resources.values() if "Type: AWS::Cognito::ManagedLoginBranding" in b]
    if not any("ClientId: !Ref AppClient" in b for b in branding):
        problems.append("managed login needs a ManagedLoginBranding style for AppClient")

    pattern = re.search(r"\n  OidcProviderName:\n(?:    .*\n)*?    AllowedPattern: \"([^\"]+)\"", template)
    if not pattern:
        problems.append("OidcProviderName has no AllowedPattern")
    else:
        allowed = re.compile(pattern.group(1))
        samples = ["", "A", "AB", "Okt", "MyCorp", "Entra-ID", "x" * 32, "x" * 33, "My_Corp", "My Corp"]
        for sample in samples:
            if sample and allowed.fullmatch(sample) and not cognito_accepts(sample):
                problems.append(f"OidcProviderName's pattern accepts `{sample}`, which Cognito refuses")
        for sample in ["", "Okt", "MyCorp", "Entra-ID", "x" * 32]:
            if not allowed.fullmatch(sample):
                problems.append(f"OidcProviderName's pattern refuses `{sample}`")

    for problem in problems:
        print(f"deploy/template.yaml: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"  ok       the template: {len(providers)} providers' mapped attributes writable, managed login v2 "
          "with a style, provider names as Cognito takes them", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
