"""Chromium in its sandbox, as an unprivileged user, with a throw-away profile (issue 22).

Chromium refuses its sandbox when run as root, and without the sandbox a hostile page's JavaScript runs with
the renderer's full rights. So when cointrail runs as root, the browser is started through a small wrapper
that drops to an unprivileged system user (``nobody``) with ``setpriv`` before Chromium starts; the profile
folder belongs to that user and is deleted afterwards. When cointrail already runs as an ordinary user,
Chromium runs as that user, sandboxed. Playwright is told to keep the sandbox (``chromium_sandbox=True``), so
it adds no ``--no-sandbox``; a Chromium that cannot build its sandbox does not start at all.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cointrail.errors import ExternalServiceError

RENDER_USER = "nobody"  # a system user with no home, no shell and no files of its own
# Debian's /usr/bin/chromium is a shell script that sources /etc/chromium.d (Google API keys, extra flags);
# the binary itself is started instead, so only the flags cointrail chose apply.
_DEBIAN_BINARY = Path("/usr/lib/chromium/chromium")


@dataclass(frozen=True)
class BrowserLaunch:
    """How to start the browser: the program (maybe the privilege-dropping wrapper), its profile, its env."""

    executable: str
    profile: str
    env: dict[str, str | float | bool]  # Playwright's type for a browser's environment
    user: str


def chromium_path() -> str:
    """Where Chromium's command is, or a clear error."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise ExternalServiceError("--render needs Chromium: install Debian's 'chromium' package "
                                   "(scripts/system-deps.sh does)")
    return path


def chromium_binary() -> str:
    """The Chromium program itself (not Debian's wrapper script), or a clear error."""
    path = chromium_path()
    if _DEBIAN_BINARY.is_file() and os.access(_DEBIAN_BINARY, os.X_OK) and Path(path).resolve() != _DEBIAN_BINARY:
        return str(_DEBIAN_BINARY)
    return path


def sandbox_problem() -> str | None:
    """Why Chromium cannot be run sandboxed here, or None when it can (checked before anything is fetched)."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        return ("cointrail runs as root and 'setpriv' (Debian's util-linux) is missing to start Chromium as an "
                "unprivileged user")
    try:
        pwd.getpwnam(RENDER_USER)
    except KeyError:
        return f"cointrail runs as root and there is no unprivileged user {RENDER_USER!r} to run Chromium as"
    return None


def _wrapper(folder: Path, uid: int, gid: int, binary: str) -> str:
    """A script that starts ``binary`` as uid/gid, without root's groups or capabilities."""
    script = folder / "chromium-unprivileged"
    command = [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
               "--inh-caps=-all", "--pdeathsig=KILL", "--", binary]
    script.write_text("#!/bin/sh\n# written by cointrail: Chromium without root (issue 22)\nexec "
                      + " ".join(shlex.quote(part) for part in command) + ' "$@"\n')
    script.chmod(0o700)
    return str(script)


def _env(profile: Path) -> dict[str, str | float | bool]:
    """A small environment: no proxy variables, no Google API keys, a home inside the profile."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(profile), "LANG": "C.UTF-8",
            "XDG_CONFIG_HOME": str(profile / "config"), "XDG_CACHE_HOME": str(profile / "cache"),
            "TMPDIR": str(profile)}


@contextmanager
def browser_launch() -> Iterator[BrowserLaunch]:
    """A fresh profile (and, as root, the wrapper) for one browser run; removed afterwards."""
    problem = sandbox_problem()
    if problem:
        raise ExternalServiceError(f"--render refused: Chromium cannot run in its sandbox here ({problem})")
    binary = chromium_binary()
    folder = Path(tempfile.mkdtemp(prefix="cointrail-render-"))
    try:
        profile = folder / "profile"
        profile.mkdir(mode=0o700)
        if os.geteuid() != 0:
            yield BrowserLaunch(binary, str(profile), _env(profile), pwd.getpwuid(os.geteuid()).pw_name)
            return
        user = pwd.getpwnam(RENDER_USER)
        os.chown(profile, user.pw_uid, user.pw_gid)
        folder.chmod(0o711)  # the user may reach its profile, not list or change the wrapper
        yield BrowserLaunch(_wrapper(folder, user.pw_uid, user.pw_gid, binary), str(profile), _env(profile),
                            RENDER_USER)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
