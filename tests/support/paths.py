"""Where the checkout, the bundled samples and the shared public corpus are."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_emails"


def _find_public_corpus() -> Path:
    """The shared corpus sits beside the checkout (CI, sessions); TRACKER_PUBLIC_CORPUS overrides."""
    override = os.environ.get("TRACKER_PUBLIC_CORPUS")
    candidates = [Path(override)] if override else []
    candidates += [ROOT.parent / "shared" / "corpus" / "public", Path("/work/shared/corpus/public")]
    return next((c for c in candidates if c.is_dir()), candidates[0])


PUBLIC_CORPUS = _find_public_corpus()
