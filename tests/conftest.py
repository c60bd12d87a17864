import os
import tempfile

# Brain-Score shells out to pip on every load_* unless told not to; tests never install anything.
os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")

# The real recordings and models live beside the project, never in it (../shared/data/README.md).
SHARED_DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
os.environ.setdefault("BAYESREP_DATA", SHARED_DATA)
# Files derived from the data (extracted images, activations) go to a fresh folder per test run:
# no test may pass because of what an earlier run left behind.
os.environ["BAYESREP_CACHE"] = tempfile.mkdtemp(prefix="bayesrep-test-cache-")

# Property tests draw the same examples on every run, so CI is reproducible. (The language
# environment runs its one test file without hypothesis installed.)
try:
    from hypothesis import settings
except ImportError:
    pass
else:
    settings.register_profile("reproducible", derandomize=True)
    settings.load_profile("reproducible")
