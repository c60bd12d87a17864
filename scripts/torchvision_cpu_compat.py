"""Let the registry's torchvision import beside a CPU-only torch (this project's environment only).

Why: the only CPU torch on this machine is the 2.13.0+cpu wheel on disk; PyPI's torchvision wheels for
Linux x86_64 are CUDA builds, and no CPU build of torchvision is reachable here. The CUDA build's
compiled operators (torchvision/_C.so) link libtorch_cuda.so, which a CPU torch lacks, so
torchvision.extension fails to load them (silently). Every Python registration for those operators is
guarded by ``extension._has_ops()`` except the fake kernels of ``torchvision::nms`` and
``torchvision::qnms`` in ``_meta_registrations.py``, and ``torch.library.register_fake`` refuses an
operator that does not exist: ``import torchvision`` fails with "RuntimeError: operator
torchvision::nms does not exist" (upstream: pytorch/vision issues 9085 and 9337, pull request 9649).

What: imported at interpreter start through a .pth file, this module waits for the first
``import torchvision``. If torchvision's compiled operators cannot be loaded, it declares the schemas
of those two operators, without kernels, so that the import succeeds. Transforms, models and the rest
of torchvision's pure Python then work; calling a compiled operator (torchvision.ops.nms, roi_align,
...) raises torchvision's own "Couldn't load custom C++ ops" error. Beside a matching torchvision
(e.g. a +cpu build) it does nothing. It imports nothing at start-up (torch only when torchvision is
imported).

Install into the running interpreter's environment (the Makefile does this for .venv):
    python scripts/torchvision_cpu_compat.py
"""

import os
import sys

MODULE = "torchvision_cpu_compat"

# The two operators that torchvision 0.21-0.29 (0.21.0, 0.24.1, 0.28.0, 0.29.1 checked) registers fake
# kernels for without checking that its compiled operators loaded; the arguments of its meta_nms/meta_qnms.
SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)

# A torch.library.Library drops its declarations when it is garbage collected: keep it for the process.
_declarations = None


def compiled_operators_load(package_folder: str) -> bool:
    """Whether torchvision's compiled operators (``_C``) in ``package_folder`` load beside this torch.

    Loads them the way torchvision.extension does (loading them twice is harmless).
    """
    from importlib.machinery import EXTENSION_SUFFIXES

    import torch

    for suffix in EXTENSION_SUFFIXES:
        path = os.path.join(package_folder, "_C" + suffix)
        if os.path.exists(path):
            try:
                torch.ops.load_library(path)
            except OSError:
                return False
            return True
    return False


def declare_missing_operators() -> None:
    """Declare the nms/qnms schemas when torchvision's compiled operators do not load; else nothing."""
    from importlib.util import find_spec

    global _declarations
    spec = find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return
    if compiled_operators_load(spec.submodule_search_locations[0]):
        return
    import torch

    _declarations = torch.library.Library("torchvision", "FRAGMENT")
    for schema in SCHEMAS:
        _declarations.define(schema)


class _BeforeTorchvision:
    """A meta path finder that runs ``declare_missing_operators`` once, just before torchvision is first
    imported (plain class: importlib.abc would cost start-up time in every interpreter)."""

    def find_spec(self, name, path=None, target=None):
        if name == "torchvision":
            sys.meta_path.remove(self)
            declare_missing_operators()
        return None  # the ordinary finders import torchvision


def install(site_packages: str) -> None:
    """Copy this module into ``site_packages`` with a .pth file that imports it at start-up."""
    import shutil

    shutil.copyfile(__file__, os.path.join(site_packages, MODULE + ".py"))
    with open(os.path.join(site_packages, MODULE + ".pth"), "w") as pth:
        pth.write(f"import {MODULE}\n")


if __name__ == "__main__":
    import sysconfig

    install(sysconfig.get_paths()["purelib"])
elif "torchvision" not in sys.modules:
    sys.meta_path.insert(0, _BeforeTorchvision())
