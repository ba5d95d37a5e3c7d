from pathlib import Path

import pytest
from nigrani_localinfra.errors import InfraError
from nigrani_localinfra.prerequisites import require_go, require_java, require_maven


@pytest.mark.parametrize(
    ("check", "tool", "package"),
    [
        (require_java, "java", "openjdk-17-jre-headless"),
        (require_maven, "mvn", "maven"),
        (lambda: require_go((1, 24)), "go", "golang-go"),
    ],
)
def test_a_missing_tool_is_named_with_its_debian_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, check: object, tool: str, package: str
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InfraError) as raised:
        check()  # type: ignore[operator]
    message = str(raised.value)
    assert f"'{tool}' not found" in message
    assert f"apt-get install {package}" in message


def test_an_old_java_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "java"
    fake.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InfraError, match="Java 11, Kafka 4 needs Java 17"):
        require_java()
