"""fp16 ONNX graphs: float16 weights and computation, float32 inputs and outputs.

onnxruntime's own converter (``onnxruntime.transformers.float16``, shipped with onnxruntime) with
``keep_io_types``: callers feed and read float32 as from any kgan file, so no application code changes.
A generator whose activations leave float16's range (65,504) on a fixed batch is refused before the
file is written, instead of drawing black or white images in someone's app. The check reads every
intermediate tensor of the float32 graph: onnxruntime's CPU provider runs many float16 ops in float32
(it casts around them), so running the float16 graph on a CPU would hide an overflow a GPU meets.
"""

from __future__ import annotations

import copy

import numpy as np

from kgan.errors import KganError


def to_float16(proto, inputs: dict):
    """(the float16 graph of ``proto``, its largest absolute difference from ``proto`` on ``inputs``);
    refused in one line where the float16 graph gives a non-finite value on them."""
    try:
        import onnxruntime
        from onnxruntime.transformers.float16 import convert_float_to_float16
    except ImportError:
        raise KganError("--fp16 needs onnxruntime, whose converter it uses (pip install 'kgan[onnx]')") from None
    half = _topologically_sorted(convert_float_to_float16(copy.deepcopy(proto), keep_io_types=True))

    def run(graph, all_outputs=False):
        session = onnxruntime.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
        outputs = [output.astype(np.float64) for output in session.run(None, inputs)]
        return outputs if all_outputs else outputs[0]

    largest = _largest_activation(proto, inputs, run)
    if not largest <= FLOAT16_MAX:
        raise KganError(f"an activation reaches {largest:.3g} on a fixed batch, beyond float16's {FLOAT16_MAX:,.0f}: "
                        f"float16 overflows in this generator; export it in fp32 (nothing written)")
    full, halved = run(proto), run(half)
    if not np.isfinite(halved).all():
        raise KganError("the fp16 graph gives non-finite values on a fixed batch; export it in fp32 (nothing written)")
    return half, float(np.abs(halved - full).max())


FLOAT16_MAX = 65504.0


def _largest_activation(proto, inputs: dict, run) -> float:
    """The largest absolute value of any float tensor the float32 graph ``proto`` computes on ``inputs``."""
    import onnx

    inferred = onnx.shape_inference.infer_shapes(proto)
    floats = [value for value in inferred.graph.value_info
              if value.type.tensor_type.elem_type == onnx.TensorProto.FLOAT]
    probe = copy.deepcopy(inferred)
    probe.graph.output.extend(floats)
    return max(float(np.nanmax(np.abs(value), initial=0.0)) if np.isfinite(value).all() else float("inf")
               for value in run(probe, all_outputs=True))


def _topologically_sorted(proto):
    """``proto`` with its nodes in an order where each comes after what it reads: the converter appends the
    float32 -> float16 casts of the inputs at the end, which onnxruntime runs but the ONNX checker refuses."""
    graph = proto.graph
    known = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    pending, ordered = list(graph.node), []
    while pending:
        ready = [node for node in pending if all(name in known for name in node.input)]
        if not ready:
            raise KganError("the fp16 graph has a cycle or an input nothing produces; export it in fp32")
        for node in ready:
            ordered.append(node)
            known.update(node.output)
        pending = [node for node in pending if node not in ready]
    del graph.node[:]
    graph.node.extend(ordered)
    return proto
