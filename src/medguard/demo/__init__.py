"""``medguard demo``: generate a synthetic hospital extract and show every capability at work.

The extract (see :mod:`medguard.testing.synthetic`) has three tables:

- ``patients``: ``patient_id``, ``name``, ``sex`` (男/女), ``birth_date`` (date), ``resident_id``,
  ``mobile``, ``landline``, ``address``, ``email``, ``bank_card``, ``passport``
- ``visits``: ``visit_id``, ``patient_id``, ``hospital``, ``department``, ``visit_date`` (date),
  ``icd10``, ``fee`` (float, yuan), ``inpatient_no`` (住院号), ``age`` (int)
- ``notes``: ``note_id``, ``patient_id``, ``visit_id``, ``text`` (a Chinese clinical note that
  mentions names, phones, IDs, addresses as real notes do)

Each step is a module ``medguard.demo.<name>`` with ``run(ctx: DemoContext) -> None``; the demo
runs them in :data:`STEPS` order. Steps print masked values only.
"""

from __future__ import annotations

import importlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from medguard._atomic import replacing

__all__ = ["STEPS", "DemoContext", "run_demo"]

#: Demo steps, in order. ``extract`` builds the synthetic data; each capability adds its step.
STEPS: list[str] = [
    "identifiers",
    "scan",
    "masking",
    "pseudonymize",
    "encryption",
    "risk",
    "privacy",
    "sharing",
]


@dataclass
class DemoContext:
    """What a demo step gets: the synthetic tables, an output folder, and printing helpers."""

    out_dir: Path
    patients: Any
    visits: Any
    notes: Any
    seed: int = 20261122
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    written: list[Path] = field(default_factory=list)

    def section(self, title: str) -> None:
        """Print a section heading."""
        print(f"\n== {title} " + "=" * max(0, 70 - len(title)), file=self.stream)

    def say(self, text: str) -> None:
        """Print one line of explanation."""
        print(f"  {text}", file=self.stream)

    def table(self, data: Any, title: str | None = None, max_rows: int = 8) -> None:
        """Print a small table (a DataFrame or a list of dict rows), at most ``max_rows`` rows."""
        import pandas as pd

        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(list(data))
        if title:
            self.say(title)
        with pd.option_context(
            "display.width",
            160,
            "display.max_columns",
            12,
            "display.unicode.east_asian_width",
            True,
        ):
            text = frame.head(max_rows).to_string(index=False)
        for line in text.splitlines():
            print(f"    {line}", file=self.stream)

    def write(self, name: str, data: Any) -> Path:
        """Write ``data`` atomically under out_dir (a DataFrame as CSV or Parquet, text as is)."""
        import pandas as pd

        path = self.out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as tmp:
            if isinstance(data, pd.DataFrame):
                if path.suffix == ".parquet":
                    data.to_parquet(tmp, index=False)
                else:
                    data.to_csv(tmp, index=False, encoding="utf-8")
            elif isinstance(data, bytes):
                tmp.write_bytes(data)
            else:
                tmp.write_text(str(data), encoding="utf-8")
        self.written.append(path)
        return path


def run_demo(
    out_dir: Path, *, rows: int = 200, seed: int = 20261122, stream: TextIO | None = None
) -> DemoContext:
    """Generate the synthetic extract into ``out_dir`` and run every demo step on it."""
    from medguard.testing.synthetic import synthetic_extract

    out = stream or sys.stdout
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    patients, visits, notes = synthetic_extract(rows, seed=seed)
    ctx = DemoContext(out_dir, patients, visits, notes, seed=seed, stream=out)
    ctx.section("Synthetic hospital extract")
    ctx.say(
        f"{len(patients)} patients, {len(visits)} visits, {len(notes)} clinical notes "
        "(Faker zh_CN + medguard generators; no real person)"
    )
    for name, frame in (("patients", patients), ("visits", visits), ("notes", notes)):
        ctx.write(f"extract/{name}.csv", frame)
    ctx.say(f"raw extract written to {out_dir / 'extract'}")
    for step in STEPS:
        importlib.import_module(f"medguard.demo.{step}").run(ctx)
    ctx.section("Done")
    ctx.say(f"{len(ctx.written)} files written to {out_dir.resolve()}")
    ctx.say(f"took {time.perf_counter() - started:.1f} s")
    return ctx
