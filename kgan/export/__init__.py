"""Generators out of Keras: ONNX export (needs Keras) and a sampler that needs only numpy + onnxruntime.

This package's ``__init__`` imports nothing heavy, so ``kgan.export.onnx_sampler`` works in an
application that has onnxruntime and numpy but no Keras or deep-learning backend.
"""
