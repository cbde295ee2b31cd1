"""Tiny ONNX models with SAM's (and a detector's) input and output names, written in the test.

- ``write_sam_encoder``: 1x3x1024x1024 -> 1x256x64x64 ``image_embeddings`` (16x16 average pool and
  a random 1x1 convolution);
- ``write_quadrant_decoder``: SAM's decoder interface whose masks are known. For each point:
  mask 0 is the image quadrant holding the point (logits +-10, predicted IoU 0.95: passes both
  filters), mask 1 the whole image (IoU 0.5: fails the IoU filter), mask 2 the image half holding
  the point (logits +-0.5, IoU 0.99: nothing above +1, so stability 0 fails the stability filter);
- ``write_detector``: one image input, a ``scores`` output (or detection rows) of fixed values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _const(name: str, value) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(value), name))


def write_sam_encoder(path: Path, seed: int = 0) -> Path:
    weight = np.random.default_rng(seed).standard_normal((256, 3, 1, 1)).astype(np.float32)
    nodes = [
        helper.make_node("AveragePool", ["input_image"], ["pooled"], kernel_shape=[16, 16], strides=[16, 16]),
        helper.make_node("Conv", ["pooled", "weight"], ["image_embeddings"]),
    ]
    graph = helper.make_graph(
        nodes,
        "sam_encoder",
        [helper.make_tensor_value_info("input_image", TensorProto.FLOAT, [1, 3, 1024, 1024])],
        [helper.make_tensor_value_info("image_embeddings", TensorProto.FLOAT, [1, 256, 64, 64])],
        [numpy_helper.from_array(weight, "weight")],
    )
    return _save(graph, path)


def write_quadrant_decoder(path: Path, batch: int | str = "num_prompts") -> Path:
    f = np.float32
    nodes = [
        _const("c1024", f(1024)),
        _const("c2", f(2)),
        _const("zero", f(0)),
        _const("one", f(1)),
        _const("pos", f(10)),
        _const("neg", f(-10)),
        _const("soft_pos", f(0.5)),
        _const("soft_neg", f(-0.5)),
        _const("ious", np.array([[0.95, 0.5, 0.99]], dtype=f)),
        _const("idx0", np.array([0], dtype=np.int64)),
        _const("idx1", np.array([1], dtype=np.int64)),
        _const("idx2", np.array([2], dtype=np.int64)),
        _const("three", np.array([3], dtype=np.int64)),
        _const("low_hw", np.array([256, 256], dtype=np.int64)),
        _const("axis0", np.array(0, dtype=np.int64)),
        _const("axis1", np.array(1, dtype=np.int64)),
        # The point in original-image pixels: coords are in the 1024 frame of the long side.
        helper.make_node("ReduceMax", ["orig_im_size"], ["long"], keepdims=0),
        helper.make_node("Div", ["long", "c1024"], ["scale"]),
        helper.make_node("Slice", ["point_coords", "idx0", "idx1", "idx1"], ["first"]),  # (B, 1, 2)
        helper.make_node("Mul", ["first", "scale"], ["point"]),
        helper.make_node("Slice", ["point", "idx0", "idx1", "idx2"], ["px"]),  # (B, 1, 1)
        helper.make_node("Slice", ["point", "idx1", "idx2", "idx2"], ["py"]),
        # Pixel coordinate grids of the original size.
        helper.make_node("Cast", ["orig_im_size"], ["hw"], to=TensorProto.INT64),
        helper.make_node("ConstantOfShape", ["hw"], ["ones"], value=numpy_helper.from_array(np.ones(1, f))),
        helper.make_node("CumSum", ["ones", "axis0"], ["ys1"]),
        helper.make_node("CumSum", ["ones", "axis1"], ["xs1"]),
        helper.make_node("Sub", ["ys1", "one"], ["ys"]),
        helper.make_node("Sub", ["xs1", "one"], ["xs"]),
        helper.make_node("Gather", ["orig_im_size", "axis0"], ["height"]),
        helper.make_node("Gather", ["orig_im_size", "axis1"], ["width"]),
        helper.make_node("Div", ["height", "c2"], ["half_h"]),
        helper.make_node("Div", ["width", "c2"], ["half_w"]),
        helper.make_node("GreaterOrEqual", ["px", "half_w"], ["point_right"]),
        helper.make_node("GreaterOrEqual", ["py", "half_h"], ["point_low"]),
        helper.make_node("GreaterOrEqual", ["xs", "half_w"], ["pixel_right"]),
        helper.make_node("GreaterOrEqual", ["ys", "half_h"], ["pixel_low"]),
        helper.make_node("Equal", ["point_right", "pixel_right"], ["same_x"]),  # (B, H, W)
        helper.make_node("Equal", ["point_low", "pixel_low"], ["same_y"]),
        helper.make_node("And", ["same_x", "same_y"], ["quadrant"]),
        helper.make_node("Where", ["quadrant", "pos", "neg"], ["m_quadrant"]),
        helper.make_node("Mul", ["m_quadrant", "zero"], ["m_zero"]),
        helper.make_node("Add", ["m_zero", "pos"], ["m_whole"]),
        helper.make_node("Where", ["same_x", "soft_pos", "soft_neg"], ["m_half_x"]),
        helper.make_node("Add", ["m_half_x", "m_zero"], ["m_half"]),
        helper.make_node("Unsqueeze", ["m_quadrant", "axis1"], ["u0"]),
        helper.make_node("Unsqueeze", ["m_whole", "axis1"], ["u1"]),
        helper.make_node("Unsqueeze", ["m_half", "axis1"], ["u2"]),
        helper.make_node("Concat", ["u0", "u1", "u2"], ["masks"], axis=1),  # (B, 3, H, W)
        # The other inputs are read (times zero) so that the graph uses every SAM input.
        helper.make_node("ReduceSum", ["image_embeddings"], ["s_emb"], keepdims=0),
        helper.make_node("ReduceSum", ["point_labels"], ["s_lab"], keepdims=0),
        helper.make_node("ReduceSum", ["mask_input"], ["s_mask"], keepdims=0),
        helper.make_node("ReduceSum", ["has_mask_input"], ["s_has"], keepdims=0),
        helper.make_node("Sum", ["s_emb", "s_lab", "s_mask", "s_has"], ["s_all"]),
        helper.make_node("Mul", ["s_all", "zero"], ["nothing"]),
        helper.make_node("Shape", ["point_coords"], ["coords_shape"]),
        helper.make_node("Slice", ["coords_shape", "idx0", "idx1"], ["batch"]),
        helper.make_node("Concat", ["batch", "three"], ["iou_shape"], axis=0),
        helper.make_node("Expand", ["ious", "iou_shape"], ["iou_expanded"]),
        helper.make_node("Add", ["iou_expanded", "nothing"], ["iou_predictions"]),
        helper.make_node("Concat", ["batch", "three", "low_hw"], ["low_shape"], axis=0),
        helper.make_node("Expand", ["nothing", "low_shape"], ["low_res_masks"]),
    ]
    graph = helper.make_graph(
        nodes,
        "sam_decoder_quadrants",
        [
            helper.make_tensor_value_info("image_embeddings", TensorProto.FLOAT, [1, 256, 64, 64]),
            helper.make_tensor_value_info("point_coords", TensorProto.FLOAT, [batch, "num_points", 2]),
            helper.make_tensor_value_info("point_labels", TensorProto.FLOAT, [batch, "num_points"]),
            helper.make_tensor_value_info("mask_input", TensorProto.FLOAT, [1, 1, 256, 256]),
            helper.make_tensor_value_info("has_mask_input", TensorProto.FLOAT, [1]),
            helper.make_tensor_value_info("orig_im_size", TensorProto.FLOAT, [2]),
        ],
        [
            helper.make_tensor_value_info("masks", TensorProto.FLOAT, [batch, 3, "H", "W"]),
            helper.make_tensor_value_info("iou_predictions", TensorProto.FLOAT, [batch, 3]),
            helper.make_tensor_value_info("low_res_masks", TensorProto.FLOAT, [batch, 3, 256, 256]),
        ],
    )
    return _save(graph, path)


def write_detector(path: Path, scores: list[float], rows: bool = False) -> Path:
    """A detector giving fixed ``scores`` (as ``scores``, or as rows ``[x0, y0, x1, y1, score, class]``)."""
    values = np.asarray(scores, dtype=np.float32)
    if rows:
        values = np.stack([np.zeros_like(values)] * 4 + [values, np.ones_like(values)], axis=-1)[None]
    name = "dets" if rows else "scores"
    nodes = [
        _const("fixed", values),
        _const("zero", np.float32(0)),
        helper.make_node("ReduceSum", ["images"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["fixed", "nothing"], [name]),
    ]
    graph = helper.make_graph(
        nodes,
        "detector",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, list(values.shape))],
    )
    return _save(graph, path)
