// LeNet-5's forward pass in plain JavaScript: the chapter's trained networks, layer by layer.
// The weights, C3's connection table and the RBF prototypes come from the PyTorch model
// (classic_cnn/widgets/playground.py); nothing here is a copy of a number. A volume is a flat array,
// map after map, row after row, as PyTorch stores a (maps, height, width) tensor.
var ClassicCnn = (typeof ClassicCnn === "object" && ClassicCnn) ? ClassicCnn : {};
ClassicCnn.lenet = (function () {
  "use strict";

  function bytesOf(base64) {
    var text = atob(base64), bytes = new Uint8Array(text.length);
    for (var n = 0; n < text.length; n++) { bytes[n] = text.charCodeAt(n); }
    return bytes;
  }

  // A tensor sent by playground.encode: int8 values and one float32 scale per row (first dimension).
  function decode(packed) {
    var values = new Int8Array(bytesOf(packed.data).buffer), scale = new Float32Array(bytesOf(packed.scale).buffer);
    var result = new Float32Array(values.length), perRow = values.length / scale.length;
    for (var n = 0; n < values.length; n++) { result[n] = values[n] * scale[Math.floor(n / perRow)]; }
    return result;
  }

  // Convolution (stride 1, no padding) of size×size input maps. Output map o sums the input maps
  // inputsOf[o] — every map for an ordinary convolution, one column of the connection table for C3 —
  // each through its own k×k kernel, taken in order from `weight`; then adds the map's bias.
  function conv(input, size, weight, bias, inputsOf, k) {
    var out = size - k + 1, area = out * out, result = new Float64Array(inputsOf.length * area), kernel = 0;
    for (var o = 0; o < inputsOf.length; o++) {
      var map = result.subarray(o * area, (o + 1) * area);
      map.fill(bias[o]);
      for (var s = 0; s < inputsOf[o].length; s++, kernel++) {
        var from = inputsOf[o][s] * size * size, w = kernel * k * k;
        for (var y = 0; y < out; y++) {
          for (var x = 0; x < out; x++) {
            var sum = 0;
            for (var ky = 0; ky < k; ky++) {
              var row = from + (y + ky) * size + x, weightRow = w + ky * k;
              for (var kx = 0; kx < k; kx++) { sum += input[row + kx] * weight[weightRow + kx]; }
            }
            map[y * out + x] += sum;
          }
        }
      }
    }
    return result;
  }

  // The paper's sub-sampling (S2, S4): each 2×2 block's sum × a trained coefficient + a trained bias, per map.
  function subsample(input, size, coefficient, bias) {
    var out = size / 2, maps = input.length / (size * size), result = new Float64Array(maps * out * out);
    for (var m = 0; m < maps; m++) {
      for (var y = 0; y < out; y++) {
        for (var x = 0; x < out; x++) {
          var at = m * size * size + 2 * y * size + 2 * x;
          var sum = input[at] + input[at + 1] + input[at + size] + input[at + size + 1];
          result[(m * out + y) * out + x] = sum * coefficient[m] + bias[m];
        }
      }
    }
    return result;
  }

  // The modern network's 2×2 max pooling.
  function maxPool(input, size) {
    var out = size / 2, maps = input.length / (size * size), result = new Float64Array(maps * out * out);
    for (var m = 0; m < maps; m++) {
      for (var y = 0; y < out; y++) {
        for (var x = 0; x < out; x++) {
          var at = m * size * size + 2 * y * size + 2 * x;
          result[(m * out + y) * out + x] = Math.max(input[at], input[at + 1], input[at + size], input[at + size + 1]);
        }
      }
    }
    return result;
  }

  // Fully connected: y = W x + b, W stored row by row (outputs × inputs), as nn.Linear.
  function linear(input, weight, bias) {
    var result = new Float64Array(bias.length);
    for (var o = 0; o < bias.length; o++) {
      var sum = bias[o];
      for (var i = 0; i < input.length; i++) { sum += weight[o * input.length + i] * input[i]; }
      result[o] = sum;
    }
    return result;
  }

  // The paper's squashing function (Appendix A): f(a) = 1.7159 tanh(2a/3), so that f(±1) = ±1.
  function scaledTanh(values) { return values.map(function (a) { return 1.7159 * Math.tanh(2 * a / 3); }); }
  function relu(values) { return values.map(function (a) { return Math.max(0, a); }); }

  // The output layer: squared Euclidean distance of F6's 84 outputs to each digit's ±1 prototype.
  function rbf(input, prototypes) {
    var digits = prototypes.length / input.length, result = new Float64Array(digits);
    for (var d = 0; d < digits; d++) {
      for (var j = 0; j < input.length; j++) { result[d] += Math.pow(input[j] - prototypes[d * input.length + j], 2); }
    }
    return result;
  }

  function everyMap(outputs, inputs) {
    var all = [];
    for (var i = 0; i < inputs; i++) { all.push(i); }
    var table = [];
    for (var o = 0; o < outputs; o++) { table.push(all); }
    return table;
  }

  // A network from playground.py's description: its variant, C3's table (input maps of each C3 map) and
  // its tensors by state_dict name.
  function network(description) {
    var tensors = {};
    Object.keys(description.tensors).forEach(function (name) { tensors[name] = decode(description.tensors[name]); });
    return { variant: description.variant, c3Inputs: description.c3_inputs, tensors: tensors };
  }

  // Every layer's output for one 32×32 input (already coded as the network's training data was).
  function forward(net, input) {
    var t = function (name) { return net.tensors["layers." + name]; };
    var classic = net.variant === "paper", squash = classic ? scaledTanh : relu, layers = { input: input };
    layers.C1 = squash(conv(input, Math.sqrt(input.length), t("C1.weight"), t("C1.bias"), everyMap(6, 1), 5));
    layers.S2 = classic ? scaledTanh(subsample(layers.C1, 28, t("S2.weight"), t("S2.bias"))) : maxPool(layers.C1, 28);
    layers.C3 = squash(conv(layers.S2, 14, t("C3.weight"), t("C3.bias"), classic ? net.c3Inputs : everyMap(16, 6), 5));
    layers.S4 = classic ? scaledTanh(subsample(layers.C3, 10, t("S4.weight"), t("S4.bias"))) : maxPool(layers.C3, 10);
    layers.C5 = squash(conv(layers.S4, 5, t("C5.weight"), t("C5.bias"), everyMap(120, 16), 5));
    layers.F6 = squash(linear(layers.C5, t("F6.weight"), t("F6.bias")));
    if (classic) {  // the nearest prototype wins
      layers.distances = rbf(layers.F6, t("output.prototypes"));
      layers.prediction = layers.distances.indexOf(Math.min.apply(null, layers.distances));
    } else {  // the highest score wins
      layers.scores = linear(layers.F6, t("output.weight"), t("output.bias"));
      layers.prediction = layers.scores.indexOf(Math.max.apply(null, layers.scores));
    }
    return layers;
  }

  return { bytesOf: bytesOf, decode: decode, conv: conv, subsample: subsample, maxPool: maxPool, linear: linear,
    scaledTanh: scaledTanh, relu: relu, rbf: rbf, network: network, forward: forward };
}());
