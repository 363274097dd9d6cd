"""Which of the app's modules the identity core still in `src/auth/` reaches, file by file.

Prints one `FILE MODULE` line per tie, sorted. The core is every `.rs` file under `src/auth/`
except the app's own parts there (APP_FILES). A tie is any path into the app that the core's
code (not its `#[cfg(test)] mod tests`) names: `crate::x`, `crate::{x, …}` groups (on one line or
many), `crate :: x`, `super::…` paths that climb out of the core, the app's parts inside
`src/auth/` (`crate::auth::context`, `…::flows`, …), and the app's `t!` macro.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
AUTH = ROOT / "src" / "auth"

# The app's modules at the crate root.
APP = {"config", "error", "i18n", "state", "router", "refusals", "telemetry", "routes", "pages", "app", "api",
       "components", "t"}
# The app's own parts inside src/auth/: server functions, the pages' view types and their words
# (mod.rs), the form rules' words and `next` (validate.rs), the QR code's picture (totp.rs), the
# server functions' context (context.rs), and the API's re-export of cognito-jwt (verifier.rs).
APP_IN_AUTH = {"flows", "validate", "totp", "context", "verifier"}
APP_FILES = {"mod.rs", "validate.rs", "totp.rs", "context.rs", "verifier.rs"}


def module_path(file: pathlib.Path) -> list[str]:
    """`src/auth/session/refresh.rs` -> ["auth", "session", "refresh"]; a mod.rs is its folder."""
    parts = list(file.relative_to(ROOT / "src").with_suffix("").parts)
    if parts[-1] == "mod":
        parts.pop()
    return parts


def code_of(text: str) -> str:
    """The file without comments and without its `#[cfg(test)] mod tests { … }` block."""
    text = re.sub(r"//[^\n]*", "", text)
    match = re.search(r"#\[cfg\(test\)\]\s*mod\s+tests\s*\{", text)
    if match:
        depth, end = 1, match.end()
        while depth and end < len(text):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        text = text[: match.start()] + text[end:]
    return text


SEGMENT = r"\s*::\s*(\{[^}]*\}|\w+)"


def names(segment: str) -> list[str]:
    """The first name of each path in a segment: `x`, or each of `{x, y::z, …}`."""
    return re.findall(r"(?:^|[{,])\s*(\w+)", segment) if segment.startswith("{") else [segment]


def inside_auth(segment: str) -> set[str]:
    """The app's parts of src/auth/ a path below `auth::` names."""
    return {"auth::" + name for name in names(segment) if name in APP_IN_AUTH}


def ties(file: pathlib.Path) -> set[str]:
    code = code_of(file.read_text())
    found = set()
    here = module_path(file)
    # crate::x, crate::{x, y::z, …}, and super::…::x, resolved from this file's module
    for match in re.finditer(r"\b(crate|(?:super\s*::\s*)*super)" + SEGMENT + "(?:" + SEGMENT + ")?", code):
        start, first, second = match.group(1), match.group(2), match.group(3)
        base = [] if start == "crate" else here[: len(here) - start.count("super")]
        for name in names(first):
            path = base + [name]
            if len(path) == 1 and name in APP:
                found.add(name)
            if path == ["auth"] and second:
                found |= inside_auth(second)
            if len(path) == 2 and path[0] == "auth" and name in APP_IN_AUTH:
                found.add("auth::" + name)
        if first.startswith("{"):
            # crate::{auth::{context, …}, …} or crate::{auth::context, …}
            for inner in re.finditer(r"\bauth" + SEGMENT, first + "}"):
                found |= inside_auth(inner.group(1))
    # the app's macro, imported or not
    if re.search(r"\bt!\s*\(", code):
        found.add("t")
    return found


for file in sorted(AUTH.rglob("*.rs")):
    relative = file.relative_to(AUTH)
    if relative.parts[0] == "flows" or (len(relative.parts) == 1 and relative.name in APP_FILES):
        continue
    for tie in sorted(ties(file)):
        print(f"{file.relative_to(ROOT)} {tie}")
