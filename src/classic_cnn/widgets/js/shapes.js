// classic_cnn.shapes in the browser: the formulas the static explorers compute with, and nothing else.
// A port of src/classic_cnn/shapes.py (same names in camelCase, same refusals: a RangeError where Python
// raises ValueError, with the same message); tests/test_widgets_js.py runs this file under node and compares it with Python.
var ClassicCnn = (typeof ClassicCnn === "object" && ClassicCnn) ? ClassicCnn : {};
ClassicCnn.shapes = (function () {
  "use strict";

  // Python's repr of what a caller may pass: 1.5, 'a', True, None.
  function repr(value) {
    if (typeof value === "string") { return "'" + value + "'"; }
    if (typeof value === "boolean") { return value ? "True" : "False"; }
    if (value === null || value === undefined) { return "None"; }
    return String(value);
  }

  function integer(name, value, minimum) {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new RangeError(name + " must be an integer, got " + repr(value));
    }
    if (value < minimum) {
      throw new RangeError(name + " must be >= " + minimum + ", got " + value);
    }
    return value;
  }

  function effectiveKernel(kernelSize, dilation) {
    return dilation * (kernelSize - 1) + 1;
  }

  function checkFits(inputSize, kernelSize, padding, dilation) {
    var padded = inputSize + 2 * padding, span = effectiveKernel(kernelSize, dilation);
    if (span > padded) {
      throw new RangeError("kernel_size " + kernelSize + (dilation > 1 ? " (dilated to " + span + ")" : "") +
        " is larger than the padded input: input_size " + inputSize + " + 2*padding " + padding + " = " + padded);
    }
    return padded;
  }

  function checkStrideFits(inputSize, kernelSize, stride, padding, dilation) {
    var span = effectiveKernel(kernelSize, dilation), slack = inputSize + 2 * padding - span;
    if (slack % stride) {
      throw new RangeError("stride " + stride + " does not fit: (input_size " + inputSize + " + 2*padding " +
        padding + " - " + (dilation > 1 ? "kernel span " : "kernel_size ") + span + ") = " + slack +
        " is not a multiple of stride " + stride + ", so the last " + slack % stride +
        " row(s)/column(s) of the input would be ignored");
    }
  }

  // floor((N - F + 2P) / S) + 1, as nn.Conv2d; strict: a stride that leaves input unvisited throws.
  function convOutputSize(inputSize, kernelSize, stride, padding, dilation, strict) {
    stride = stride === undefined ? 1 : stride;
    padding = padding === undefined ? 0 : padding;
    dilation = dilation === undefined ? 1 : dilation;
    integer("input_size", inputSize, 1);
    integer("kernel_size", kernelSize, 1);
    integer("stride", stride, 1);
    integer("padding", padding, 0);
    integer("dilation", dilation, 1);
    var padded = checkFits(inputSize, kernelSize, padding, dilation);
    if (strict) { checkStrideFits(inputSize, kernelSize, stride, padding, dilation); }
    return Math.floor((padded - effectiveKernel(kernelSize, dilation)) / stride) + 1;
  }

  // As nn.MaxPool2d; stride defaults to kernelSize; ceilMode never starts a window in the right padding.
  function poolOutputSize(inputSize, kernelSize, stride, padding, dilation, ceilMode, strict) {
    integer("input_size", inputSize, 1);
    integer("kernel_size", kernelSize, 1);
    stride = (stride === undefined || stride === null) ? kernelSize : integer("stride", stride, 1);
    padding = padding === undefined ? 0 : integer("padding", padding, 0);
    dilation = dilation === undefined ? 1 : integer("dilation", dilation, 1);
    var span = effectiveKernel(kernelSize, dilation);
    if (2 * padding > kernelSize) {
      throw new RangeError("pooling padding " + padding + " must be at most half the kernel_size " + kernelSize +
        " (a window may not lie mostly in the padding)");
    }
    if (!ceilMode || strict) { checkFits(inputSize, kernelSize, padding, dilation); }
    if (strict) { checkStrideFits(inputSize, kernelSize, stride, padding, dilation); }
    var padded = inputSize + 2 * padding;
    if (!ceilMode) { return Math.floor((padded - span) / stride) + 1; }
    var size = Math.floor((padded - span + stride - 1) / stride) + 1;
    if ((size - 1) * stride >= inputSize + padding) { size -= 1; }
    if (size < 1) { checkFits(inputSize, kernelSize, padding, dilation); }
    return size;
  }

  // P = (F - 1)/2 for an odd (effective) kernel; an even one throws.
  function samePadding(kernelSize, stride, dilation) {
    integer("kernel_size", kernelSize, 1);
    integer("stride", stride === undefined ? 1 : stride, 1);
    dilation = dilation === undefined ? 1 : integer("dilation", dilation, 1);
    var span = effectiveKernel(kernelSize, dilation);
    if (span % 2 === 0) {
      throw new RangeError("kernel span " + span + " is even: 'same' output needs " + (span - 1) + " padding in " +
        "total, which cannot be split equally between the two sides (use an odd kernel_size)");
    }
    return (span - 1) / 2;
  }

  // Receptive field of a stack of [kernelSize, stride] (or [kernelSize, stride, dilation]) layers.
  function receptiveField(layers) {
    var field = 1, jump = 1;
    for (var i = 0; i < layers.length; i++) {
      var kernelSize = integer("kernel_size", layers[i][0], 1);
      var stride = integer("stride", layers[i][1], 1);
      var dilation = layers[i].length > 2 ? integer("dilation", layers[i][2], 1) : 1;
      field += (effectiveKernel(kernelSize, dilation) - 1) * jump;
      jump *= stride;
    }
    return field;
  }

  // (F·F·D/groups)·K weights + K biases.
  function convParams(inChannels, outChannels, kernelSize, bias, groups) {
    bias = bias === undefined ? true : bias;
    integer("in_channels", inChannels, 1);
    integer("out_channels", outChannels, 1);
    groups = groups === undefined ? 1 : integer("groups", groups, 1);
    integer("kernel_size", kernelSize, 1);
    if (inChannels % groups) { throw new RangeError("in_channels " + inChannels + " must be divisible by groups " + groups); }
    if (outChannels % groups) { throw new RangeError("out_channels " + outChannels + " must be divisible by groups " + groups); }
    return kernelSize * kernelSize * (inChannels / groups) * outChannels + (bias ? outChannels : 0);
  }

  // One F·F·D/groups dot product per output activation.
  function convMacs(inChannels, outChannels, kernelSize, outputHeight, outputWidth, groups) {
    integer("output_height", outputHeight, 1);
    integer("output_width", outputWidth, 1);
    return outputHeight * outputWidth * convParams(inChannels, outChannels, kernelSize, false, groups);
  }

  return {
    integer: integer,
    repr: repr,
    convOutputSize: convOutputSize,
    poolOutputSize: poolOutputSize,
    samePadding: samePadding,
    receptiveField: receptiveField,
    convParams: convParams,
    convMacs: convMacs
  };
})();
