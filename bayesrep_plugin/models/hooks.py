"""Any torch model as an activation source: the outputs of named modules, read by forward hooks.

:class:`TorchSource` wraps an ``nn.Module`` and the names of the modules to read (as
``model.named_modules()`` lists them, e.g. ``"layer1.0.conv2"``). Each batch of uint8 RGB images
is normalised channel-wise on the 0–255 scale, x = (pixel − mean) / std, put channels first and
run once through the model; a forward hook on each requested module, there for that pass only,
copies its output (float32, on the CPU) as the module returns it, so a later in-place operation
(``ReLU(inplace=True)``) cannot change what was read. :func:`bayesrep_plugin.models.torch_model_assembly` turns it into a
cached model assembly; EfficientNet-Lite0 (:mod:`.efficientnet`) is one.
"""

from __future__ import annotations

import hashlib
from typing import Mapping, Sequence

import numpy as np

#: torchvision's ImageNet normalisation (0.485, 0.456, 0.406) and (0.229, 0.224, 0.225), times 255.
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


class TorchSource:
    """The named modules of a torch model as an activation source (see :mod:`.extract`).

    Parameters
    ----------
    model : torch.nn.Module
        Put in evaluation mode (``model.eval()``: batch norm uses its running statistics, dropout is
        off) and run without gradients, on the device of its first parameter.
    layers : sequence of str, or mapping of str to str
        The modules to read, by their names in ``model.named_modules()``; a mapping gives each a
        layer name of its own ({module name: layer name}).
    input_size : int
        Images are resized to ``input_size`` × ``input_size`` before they enter the model.
    mean, std : float or 3 floats
        Per-channel (R, G, B) normalisation on the 0–255 scale: x = (pixel − mean) / std.
        Default: torchvision's ImageNet normalisation.
    name : str, optional
        The model's name (default: its class name).

    Raises
    ------
    ValueError
        For a module name the model does not have (listing some it has), or repeated layer names.
    TypeError
        For a Keras model (on the torch backend it is an ``nn.Module``, but its layers are not its
        submodules: :mod:`.compact` reads them through keras).
    """

    def __init__(self, model, layers: Sequence[str] | Mapping[str, str], *, input_size: int = 224,
                 mean: float | Sequence[float] = IMAGENET_MEAN, std: float | Sequence[float] = IMAGENET_STD,
                 name: str | None = None):
        import torch

        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
        if type(model).__module__.startswith("keras"):  # an nn.Module on keras's torch backend, with no submodules
            raise TypeError("a Keras model's layers are not torch submodules that hooks can read; read them "
                            "with keras.Model(model.inputs, [layer outputs]) as bayesrep_plugin.models.compact does")
        self.model = model.eval()
        self.name = name or type(model).__name__
        modules = dict(model.named_modules())
        if isinstance(layers, str) or not layers:
            raise ValueError(f"{self.name}: layers must be a non-empty list of module names; got {layers!r}")
        names = dict(layers) if isinstance(layers, Mapping) else {module: module for module in layers}
        unknown = [module for module in names if module not in modules]
        if unknown:
            raise ValueError(f"{self.name}: no module named {unknown} (it has e.g. {list(modules)[1:8]})")
        if len(set(names.values())) != len(names):
            raise ValueError(f"{self.name}: repeated layer names in {list(names.values())}")
        self.modules = names
        self.layers = tuple(names.values())
        self.input_size = int(input_size)
        self.mean = tuple(float(value) for value in np.broadcast_to(np.asarray(mean, dtype=float), 3))
        self.std = tuple(float(value) for value in np.broadcast_to(np.asarray(std, dtype=float), 3))
        if not min(self.std) > 0:
            raise ValueError(f"{self.name}: std must be positive; got {std}")
        self.preprocessing = (f"RGB (0-255 - {list(self.mean)}) / {list(self.std)}, "
                              f"{self.input_size}x{self.input_size}, channels first")
        self._outputs: dict[str, torch.Tensor] = {}

    def _keep(self, module: str, layer: str, output) -> None:
        import torch

        if not isinstance(output, torch.Tensor):
            raise TypeError(f"{self.name}: module {module} returns {type(output).__name__}, not a tensor; "
                            "read one of its submodules instead")
        self._outputs[layer] = output.detach().to("cpu", torch.float32, copy=True)

    def preprocess(self, images: np.ndarray) -> np.ndarray:
        """The model's input: x = (pixel − mean) / std, channels first.

        Parameters
        ----------
        images : numpy.ndarray, uint8, shape (n, s, s, 3)
            RGB, at ``input_size`` (s).

        Returns
        -------
        numpy.ndarray, float32, shape (n, 3, s, s)
        """
        size = self.input_size
        if images.ndim != 4 or images.shape[1:] != (size, size, 3):
            raise ValueError(f"{self.name} takes RGB images of shape (n, {size}, {size}, 3); got {images.shape}")
        mean, std = np.asarray(self.mean, dtype=np.float32), np.asarray(self.std, dtype=np.float32)
        return ((images.astype(np.float32) - mean) / std).transpose(0, 3, 1, 2).copy()

    def activations(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """The outputs of the modules read, for one batch, from one forward pass.

        Parameters
        ----------
        images : numpy.ndarray, uint8, shape (n, s, s, 3)
            RGB, at ``input_size``.

        Returns
        -------
        dict of str to numpy.ndarray
            {layer: float32 (n, ...), each module's output shape}, in the order of ``layers``.

        Raises
        ------
        TypeError
            For a module whose output is not a tensor (a tuple, say), naming it.
        RuntimeError
            For a module that the forward pass did not call, naming it.
        """
        import torch

        parameter = next(self.model.parameters(), None)
        device = parameter.device if parameter is not None else "cpu"
        self._outputs.clear()
        modules = dict(self.model.named_modules())
        # hooked for this pass only: the model is left as it was given, however many sources read it
        handles = [modules[module].register_forward_hook(
            lambda _module, _inputs, output, module=module, layer=layer: self._keep(module, layer, output))
            for module, layer in self.modules.items()]
        try:
            with torch.no_grad():
                self.model(torch.from_numpy(self.preprocess(images)).to(device))
        finally:
            for handle in handles:
                handle.remove()
        missing = [module for module, layer in self.modules.items() if layer not in self._outputs]
        if missing:
            raise RuntimeError(f"{self.name}: modules {missing} were not called in the forward pass")
        return {layer: self._outputs.pop(layer).numpy() for layer in self.layers}

    def fingerprint(self) -> str:
        """What identifies the activations: a SHA-256 of the model's class, its structure
        (``repr``), every parameter and buffer (name, dtype, shape, bytes), the layers read and the
        preprocessing.

        Returns
        -------
        str
            ``<name>:torch-sha256=<hex digest>``, the model's part of a cache key.
        """
        import torch

        digest = hashlib.sha256()
        model = self.model
        digest.update(f"{type(model).__module__}.{type(model).__qualname__}\n{model!r}\n".encode())
        for key, tensor in model.state_dict().items():
            values = tensor.detach().cpu().contiguous()
            digest.update(f"{key}:{values.dtype}:{tuple(values.shape)}\n".encode())
            digest.update(values.reshape(-1).view(torch.uint8).numpy().tobytes())  # any dtype, bfloat16 too
        digest.update(f"{self.modules}\n{self.preprocessing}".encode())
        return f"{self.name}:torch-sha256={digest.hexdigest()}"
