"""The contract between an exported ONNX generator and its users: names and metadata keys."""

DEFAULT_OPSET = 17  # worked for all three backends' exporters

# Inputs, as the generator declares them (kgan.networks): "z"; "label" (int32 class) for conditional
# generators; "code" (float32 InfoGAN codes, laid out as kgan.latent.codes describes) for InfoGAN
# ones; an image input (float32 NHWC in [-1, 1]) for image-to-image generators. The "inputs" key lists them.
OUTPUT_IMAGE = "image"

# metadata_props keys, all string-valued (ONNX metadata is str -> str).
KEYS = (
    "kgan_version",    # kgan that exported the file
    "variant",         # e.g. "dcgan"
    "latent_dim",      # length of z
    "z_dist",          # "normal": z ~ N(0, 1); "uniform": z ~ U(-1, 1)
    "num_classes",     # classes of a conditional generator (input "label"); "0" for unconditional ones
    # InfoGAN codes (input "code") as JSON, e.g. [{"kind": "categorical", "size": 10}]; "[]" when none
    "code_spec",
    "image_shape",     # "H,W,C" of one output image (NHWC layout)
    "value_range",     # "-1,1" (float32 output) or "0,255" (uint8 output)
    "output_dtype",    # "float32" or "uint8"
    "exported_with",   # Keras backend that exported the graph
    "trained_with",    # Keras backend the checkpoint was trained under
    "training_steps",  # generator updates behind the weights
)
# Keys files exported by kgan 0.1.0 lack; readers fall back where one is missing.
NEWER_KEYS = (
    # every graph input as JSON, name -> {"dtype", "shape" per sample}, e.g. {"z": {"dtype": "float32", "shape": [100]}}
    "inputs",
    # "generator" (from noise: z, label, code) or "translator" (an image-to-image generator: one image input)
    "kind",
    # what a translator translates: "a2b" or "b2a" (its variant's directions); "" for other generators
    "direction",
    # "fp16" for a graph computing in float16 (kgan export --fp16; inputs and outputs stay float32), with
    # "fp16_max_abs_diff", its largest difference from the float32 graph on a fixed batch; absent: float32
    # "rgba" (pixel_format) for a --rgba file: uint8 H x W x 4 output
    # the names of a conditional generator's classes as JSON, e.g. ["bag", "sandal"], where the data named
    # them (class folders); "[]" otherwise
    "class_names",
    # where a graph takes images of other heights and widths than "inputs" and "image_shape" show (their
    # training size): the sides it takes as JSON (kgan.networks.SizeRule), e.g. {"multiple": 32,
    # "remainder": 28, "minimum": 28} for 28, 60, 92, ...: each side at least "minimum" and "remainder" more
    # than a multiple of "multiple"; absent for a graph of fixed height and width
    "size_rule",
)
