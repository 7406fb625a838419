"""Developer tasks for medguard. `nox -l` lists them; `nox -s tests` is what CI runs.

Dependencies come from pyproject.toml (extras and dependency groups), never duplicated here.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")


def _install(session: nox.Session, *groups: str, extras: str = "all") -> None:
    """Install medguard (editable, with `extras`) and the named dependency groups."""
    deps = [d for g in groups for d in nox.project.dependency_groups(PYPROJECT, g)]
    session.install("-e", f".[{extras}]", *deps)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite (fast statistical subset included; `audit` has the slow ones)."""
    _install(session, "test")
    session.run("pytest", "-m", "not slow", *session.posargs)


@nox.session
def audit(session: nox.Session) -> None:
    """Run the expensive statistical privacy audits and large-input tests."""
    _install(session, "test")
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and common bugs with ruff, and the layer order with import-linter."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "noxfile.py")
    # The layer order of ../shared/ARCHITECTURE.md ([tool.importlinter] in pyproject.toml).
    session.run("lint-imports", env={"PYTHONPATH": "src"})


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the package with mypy --strict."""
    _install(session, "typecheck")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site (mkdocs-material) in strict mode into site/."""
    _install(session, "docs")
    session.run("mkdocs", "build", "--strict")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Run every benchmark script in benchmarks/ and print their tables (slow; off by default)."""
    _install(session, "bench")
    import pathlib

    for script in sorted(pathlib.Path("benchmarks").glob("bench_*.py")):
        if session.posargs and not any(p in script.name for p in session.posargs):
            continue
        session.run("python", str(script))


@nox.session(default=False)
def demo(session: nox.Session) -> None:
    """Run `medguard demo` on the bundled synthetic hospital extract."""
    _install(session)
    session.run("medguard", "demo", *session.posargs)
