"""Bench only: a pretrained model's decoder as an ONNX model, for ONNX Runtime Web, a peer in scripts/bench.

Reads our safetensors weights file (f16, each weight stored [out, in], the layers dec.0 ... dec.{k-1} and dec_out,
ReLU between them, the logistic function at the end) and writes the graph a PyTorch user's export of the same
nn.Sequential gives: Gemm (transB=1) and Relu for each layer, Sigmoid at the end, opset 17, f32 weights, a dynamic
batch. Usage: export_decoder.py WEIGHTS.safetensors OUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file


def main(src, out):
    t = load_file(src)
    hidden = sorted({k.split('.')[1] for k in t if k.startswith('dec.')}, key=int)
    names = [f'dec.{i}' for i in hidden] + ['dec_out']
    latent = t['dec.0.weight'].shape[1]
    pixels = t['dec_out.weight'].shape[0]
    nodes, weights, x = [], [], 'z'
    for n in names:
        weights += [numpy_helper.from_array(t[f'{n}.weight'].astype(np.float32), f'{n}.weight'),
                    numpy_helper.from_array(t[f'{n}.bias'].astype(np.float32), f'{n}.bias')]
        nodes.append(helper.make_node('Gemm', [x, f'{n}.weight', f'{n}.bias'], [f'{n}.out'], transB=1))
        x = f'{n}.out'
        if n != 'dec_out':
            nodes.append(helper.make_node('Relu', [x], [f'{n}.relu']))
            x = f'{n}.relu'
    nodes.append(helper.make_node('Sigmoid', [x], ['probs']))
    graph = helper.make_graph(
        nodes, 'decoder',
        [helper.make_tensor_value_info('z', TensorProto.FLOAT, ['n', latent])],
        [helper.make_tensor_value_info('probs', TensorProto.FLOAT, ['n', pixels])],
        weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='vae-explorer bench')
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == '__main__':
    main(*sys.argv[1:])
