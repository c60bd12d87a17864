"""``python -m bayesrep_plugin.models [--data-dir DIR]``: compute (or find in the cache) the model
assemblies of the V4 images and print one line per model: its name and its file."""

import argparse

from . import v4_model_assemblies

parser = argparse.ArgumentParser(prog="python -m bayesrep_plugin.models", description=__doc__.split(":", 1)[1])
parser.add_argument("--data-dir", help="the data directory (default: $BAYESREP_DATA)")
parser.add_argument("--batch-size", type=int, default=32, help="images per forward pass (default: 32)")
parser.add_argument("--quiet", action="store_true", help="no progress bars")
arguments = parser.parse_args()
for name, path in v4_model_assemblies(arguments.data_dir, progress=not arguments.quiet,
                                      batch_size=arguments.batch_size).items():
    print(f"{name}\t{path}")
