"""Debian's chromium for the browser test: found on PATH, installed with apt-get when
missing (as root), and a clear error naming the package otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from nigrani_localinfra import browser
from nigrani_localinfra.errors import InfraError


@pytest.fixture
def bare_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A PATH with nothing on it but what the test puts there (no /usr/bin/chromium)."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(browser, "CHROMIUM_COMMANDS", ("chromium",))
    return tmp_path


def _script(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


def test_a_chromium_on_the_path_is_used_as_it_is(bare_path: Path) -> None:
    _script(bare_path, "chromium", "exit 0")
    _script(bare_path, "apt-get", "exit 99")  # never called
    assert browser.ensure_chromium(is_root=lambda: True) == str(bare_path / "chromium")


def test_a_missing_chromium_is_installed_with_apt_get_as_root(bare_path: Path) -> None:
    log = bare_path / "apt.log"
    _script(
        bare_path,
        "apt-get",
        f'echo "$@" >> {log}\n'
        f'case "$*" in *install*) printf "#!/bin/sh\\n" > {bare_path}/chromium;'
        f" /bin/chmod +x {bare_path}/chromium;; esac",
    )
    messages: list[str] = []
    found = browser.ensure_chromium(log=messages.append, is_root=lambda: True)
    assert found == str(bare_path / "chromium")
    calls = log.read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1].startswith("install -y")
    assert calls[1].endswith(" chromium")
    assert any("installing Debian's chromium" in m for m in messages)


def test_a_failed_install_is_an_error_with_apts_output(bare_path: Path) -> None:
    _script(bare_path, "apt-get", 'case "$*" in *install*) echo "E: no space" >&2; exit 100;; esac')
    with pytest.raises(InfraError, match="exit code 100") as raised:
        browser.ensure_chromium(log=lambda _: None, is_root=lambda: True)
    assert "E: no space" in raised.value.details


def test_without_root_or_apt_the_error_names_the_package(bare_path: Path) -> None:
    _script(bare_path, "apt-get", "exit 99")
    with pytest.raises(InfraError, match="apt-get install chromium"):
        browser.ensure_chromium(is_root=lambda: False)
    (bare_path / "apt-get").unlink()
    with pytest.raises(InfraError, match="'chromium' not found"):
        browser.ensure_chromium(is_root=lambda: True)
