import os
import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

# the add-in tests' fixtures: ``xw`` (xlwings' remote engine) and two autouse helpers
from xlwings_remote import _log_dir, _no_mock_caller, xw  # noqa: E402, F401

# CI runs the same examples every time (a red CI must be reproducible); locally they vary.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
