// What each explorer shows: a line-for-line port of classic_cnn/widgets/logic.py (views) and render.py
// (markup), computing only with ClassicCnn.shapes. tests/test_widgets_js.py asserts that, for a grid of
// settings, ClassicCnn.render[kind](settings) is the very string Python renders.
var ClassicCnn = (typeof ClassicCnn === "object" && ClassicCnn) ? ClassicCnn : {};
(function (api) {
  "use strict";
  var shapes = api.shapes;
  var colours = api.TEXT.colours, sizes = api.TEXT.sizes;  // explorers.json, inlined by static.py
  var INPUT = colours.input, PADDING = colours.padding, GRID = colours.grid;
  var WINDOW = colours.window, WINDOW_FILL = colours.window_fill, IGNORED = colours.ignored, BAD = colours.bad;
  var OUTPUT = colours.output, OUTPUT_FIRST = colours.output_first, LINK = colours.link;
  var MAX_CELLS = sizes.max_cells, POOL_CELL = sizes.pool_cell, ROW_HEIGHT = sizes.row_height;

  // --- formatting (integers only, as render.py) ---
  function group(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function div(a, b) { return Math.floor(a / b); }
  function millions(n) { var t = div(n + 50000, 100000); return div(t, 10) + "." + (t % 10) + " M"; }
  function decimal(sum, count) {  // sum/count to at most two decimals, half up
    var h = div(200 * sum + count, 2 * count), whole = div(h, 100), rest = h % 100;
    if (rest === 0) { return String(whole); }
    if (rest % 10 === 0) { return whole + "." + (rest / 10); }
    return whole + "." + (rest < 10 ? "0" : "") + rest;
  }
  function tenthsRatio(a, b) { var t = div(20 * a + b, 2 * b); return div(t, 10) + "." + (t % 10); }
  function rect(x, y, w, h, fill, stroke, extra) {
    return '<rect x="' + x + '" y="' + y + '" width="' + w + '" height="' + h + '" fill="' + fill +
      '" stroke="' + (stroke || "none") + '"' + (extra || "") + "/>";
  }
  function text(x, y, content, extra) {
    return '<text x="' + x + '" y="' + y + '" text-anchor="middle" font-size="13"' + (extra || "") + ">" +
      content + "</text>";
  }
  function svg(width, height, label, parts) {
    return '<svg xmlns="http://www.w3.org/2000/svg" width="' + width + '" height="' + height +
      '" viewBox="-1 -1 ' + width + " " + height + '" role="img" aria-label="' + label + '">' +
      parts.join("") + "</svg>";
  }
  function viewDiv(status, lines) {
    return '<div class="ccnn-view" data-status="' + status + '">' + lines.join("\n") + "</div>";
  }
  function range(n) { var out = []; for (var i = 0; i < n; i++) { out.push(i); } return out; }

  // fits, floors (PyTorch's answer) or has no output at all — logic._output_size
  function outputSize(fn, args) {
    try { return ["ok", fn.apply(null, args.concat([true]))]; } catch (e) { /* try leniently */ }
    try { return ["floor", fn.apply(null, args.concat([false]))]; } catch (e) { return ["impossible", null]; }
  }

  // --- convolution ---
  function convView(s) {
    var o = outputSize(function (n, f, st, p, strict) { return shapes.convOutputSize(n, f, st, p, 1, strict); },
      [s.input_size, s.kernel_size, s.stride, s.padding]);
    var v = {
      n: s.input_size, depth: s.depth, kernel: s.kernel_size, stride: s.stride, padding: s.padding,
      filters: s.filters, status: o[0], size: o[1], params: shapes.convParams(s.depth, s.filters, s.kernel_size)
    };
    try { v.same = shapes.samePadding(s.kernel_size); } catch (e) { v.same = null; }
    v.padded = v.n + 2 * v.padding;
    v.slack = v.padded - v.kernel;
    v.positions = range(v.size || 0).map(function (i) { return i * v.stride; });
    v.ignored = v.status === "floor" ? v.slack % v.stride : 0;
    if (v.size !== null) {
      v.activations = v.size * v.size * v.filters;
      v.macs = shapes.convMacs(v.depth, v.filters, v.kernel, v.size, v.size);
    }
    return v;
  }

  function convSvg(v) {
    var size = v.size || 0, span = Math.max(v.padded, v.kernel), cell = Math.max(2, div(240, span)), gap = 24;
    var width = span * cell + (size ? gap + size * cell : 0) + 2, height = span * cell + 2;
    var low = v.padding, high = v.padding + v.n, parts = [], row, column;
    if (v.padded <= MAX_CELLS) {
      for (row = 0; row < v.padded; row++) {
        for (column = 0; column < v.padded; column++) {
          var inside = low <= row && row < high && low <= column && column < high;
          parts.push(rect(column * cell, row * cell, cell, cell, inside ? INPUT : PADDING, GRID));
        }
      }
    } else {
      parts.push(rect(0, 0, v.padded * cell, v.padded * cell, PADDING, GRID));
      parts.push(rect(low * cell, low * cell, v.n * cell, v.n * cell, INPUT, GRID));
    }
    if (v.ignored) {
      var start = v.padded - v.ignored;
      parts.push(rect(start * cell, 0, v.ignored * cell, v.padded * cell, IGNORED));
      parts.push(rect(0, start * cell, v.padded * cell, v.ignored * cell, IGNORED));
    }
    if (v.status === "impossible") {
      parts.push(rect(0, 0, v.kernel * cell, v.kernel * cell, "none", BAD, ' stroke-width="2" stroke-dasharray="4 3"'));
    }
    v.positions.forEach(function (left, index) {
      parts.push(rect(left * cell, 0, v.kernel * cell, v.kernel * cell, index === 0 ? WINDOW_FILL : "none", WINDOW,
        ' stroke-width="2"'));
    });
    if (size) {
      var origin = span * cell + gap;
      if (size <= MAX_CELLS) {
        for (row = 0; row < size; row++) {
          for (column = 0; column < size; column++) {
            parts.push(rect(origin + column * cell, row * cell, cell, cell, row === 0 ? OUTPUT_FIRST : OUTPUT, GRID));
          }
        }
      } else {
        parts.push(rect(origin, 0, size * cell, size * cell, OUTPUT, GRID));
      }
    }
    return svg(width, height, v.padded + "×" + v.padded + " padded input, " + v.positions.length +
      " filter positions per row", parts);
  }

  function renderConv(s) {
    var v = convView(s), size = v.size, formula, status, volume, activations, macs, same;
    var substituted = "W₂ = (N − F + 2P)/S + 1 = (" + v.n + " − " + v.kernel + " + 2·" + v.padding + ")/" + v.stride + " + 1";
    if (v.status === "ok") {
      formula = substituted + " = " + v.slack + "/" + v.stride + " + 1 = " + size;
      status = "Stride " + v.stride + " fits: " + size + " filter positions per row cover the padded input exactly.";
    } else if (v.status === "floor") {
      formula = substituted + " = " + v.slack + "/" + v.stride + " + 1, not an integer";
      status = "Stride " + v.stride + " does not fit: " + v.slack + " is not a multiple of " + v.stride +
        ". PyTorch floors to ⌊" + v.slack + "/" + v.stride + "⌋ + 1 = " + size + " and ignores the last " +
        v.ignored + " row(s) and column(s).";
    } else {
      formula = substituted + ": no output";
      status = "Impossible: the " + v.kernel + "×" + v.kernel + " filter is larger than the padded input, " +
        "N + 2P = " + v.n + " + 2·" + v.padding + " = " + v.padded + ".";
    }
    if (size === null) {
      volume = '<b data-output="size">none</b>';
      activations = 'W₂·H₂·K: <b data-output="activations">none</b>';
      macs = 'W₂·H₂·K·F·F·D: <b data-output="macs">none</b>';
    } else {
      volume = '<b data-output="size">' + size + "×" + size + "×" + v.filters + "</b>";
      activations = "W₂·H₂·K = " + size + "·" + size + "·" + v.filters + ' = <b data-output="activations">' +
        group(v.activations) + "</b>";
      macs = "W₂·H₂·K·F·F·D = " + size + "·" + size + "·" + v.filters + "·" + v.kernel + "·" + v.kernel + "·" +
        v.depth + ' = <b data-output="macs">' + group(v.macs) + "</b>";
    }
    if (v.same === null) {
      same = "F = " + v.kernel + " is even: no padding keeps the size with equal zeros on both sides (use an odd F).";
    } else {
      same = "Same padding for F = " + v.kernel + ": P = (F − 1)/2 = " + v.same + " keeps W₂ = N at stride 1.";
    }
    return viewDiv(v.status, [
      '<p data-output="formula">' + formula + "</p>",
      "<p>Output volume W₂×H₂×D₂ = " + volume + "</p>",
      '<p data-output="status">' + status + "</p>",
      "<p>Parameters (F·F·D + 1)·K = (" + v.kernel + "·" + v.kernel + "·" + v.depth + " + 1)·" + v.filters +
        ' = <b data-output="params">' + group(v.params) + "</b></p>",
      "<p>Activations " + activations + "</p>",
      "<p>Multiply-adds " + macs + "</p>",
      '<p data-output="same-padding">' + same + "</p>",
      convSvg(v)
    ]);
  }

  // --- pooling ---
  function exampleGrid(size) {
    return range(size).map(function (row) {
      return range(size).map(function (column) { return (3 * row + 5 * column + row * column) % 10; });
    });
  }

  function poolView(s) {
    var o = outputSize(function (n, f, st, strict) { return shapes.poolOutputSize(n, f, st, 0, 1, false, strict); },
      [s.input_size, s.kernel_size, s.stride]);
    var v = { n: s.input_size, kernel: s.kernel_size, stride: s.stride, mode: s.mode, status: o[0], size: o[1] };
    v.grid = exampleGrid(v.n);
    v.pooled = range(v.size || 0).map(function (outRow) {
      return range(v.size).map(function (outColumn) {
        var best = -1, sum = 0;
        for (var row = 0; row < v.kernel; row++) {
          for (var column = 0; column < v.kernel; column++) {
            var value = v.grid[outRow * v.stride + row][outColumn * v.stride + column];
            best = Math.max(best, value);
            sum += value;
          }
        }
        return v.mode === "max" ? decimal(best, 1) : decimal(sum, v.kernel * v.kernel);
      });
    });
    v.overlap = v.kernel - v.stride;
    v.ignored = v.status === "floor" ? (v.n - v.kernel) % v.stride : 0;
    return v;
  }

  function poolSvg(v) {
    var n = v.n, size = v.size || 0, cell = POOL_CELL, origin = n * cell + cell, parts = [], row, column;
    var width = origin + size * cell + 2, height = Math.max(n, v.kernel) * cell + 2;
    for (row = 0; row < n; row++) {
      for (column = 0; column < n; column++) {
        parts.push(rect(column * cell, row * cell, cell, cell, INPUT, GRID));
        parts.push(text(column * cell + div(cell, 2), row * cell + 19, String(v.grid[row][column])));
      }
    }
    if (v.ignored) {
      var start = n - v.ignored;
      parts.push(rect(start * cell, 0, v.ignored * cell, n * cell, IGNORED));
      parts.push(rect(0, start * cell, n * cell, v.ignored * cell, IGNORED));
    }
    parts.push(rect(0, 0, v.kernel * cell, v.kernel * cell, WINDOW_FILL, v.status === "impossible" ? BAD : WINDOW,
      ' stroke-width="2"'));
    parts.push('<g data-output="pooled">');
    for (row = 0; row < size; row++) {
      for (column = 0; column < size; column++) {
        parts.push(rect(origin + column * cell, row * cell, cell, cell, row === 0 && column === 0 ? OUTPUT_FIRST : OUTPUT, GRID));
        parts.push(text(origin + column * cell + div(cell, 2), row * cell + 19, v.pooled[row][column], ' font-size="11"'));
      }
    }
    parts.push("</g>");
    return svg(width, height, n + "×" + n + " grid pooled to " + size + "×" + size, parts);
  }

  function renderPool(s) {
    var v = poolView(s), size = v.size, slack = v.n - v.kernel, formula, status, overlap;
    var substituted = "W₂ = (N − F)/S + 1 = (" + v.n + " − " + v.kernel + ")/" + v.stride + " + 1";
    if (v.status === "ok") {
      formula = substituted + " = " + slack + "/" + v.stride + " + 1 = " + size;
      status = "Stride " + v.stride + " fits: every input row and column is pooled.";
    } else if (v.status === "floor") {
      formula = substituted + " = " + slack + "/" + v.stride + " + 1, not an integer";
      status = "Stride " + v.stride + " does not fit: " + slack + " is not a multiple of " + v.stride +
        ". PyTorch floors to ⌊" + slack + "/" + v.stride + "⌋ + 1 = " + size + " and ignores the last " +
        v.ignored + " row(s) and column(s).";
    } else {
      formula = substituted + ": no output";
      status = "Impossible: the " + v.kernel + "×" + v.kernel + " window is larger than the " + v.n + "×" + v.n + " input.";
    }
    var ratio = v.kernel + "/" + v.stride;
    if (v.overlap > 0) {
      overlap = "Overlapping (" + ratio + "): neighbouring windows share " + v.overlap +
        " row(s)/column(s), as in AlexNet's 3/2 pooling.";
    } else if (v.overlap === 0) {
      overlap = "Non-overlapping (" + ratio + "): the windows tile the input, as the usual 2/2 pooling.";
    } else {
      overlap = "Gaps (" + ratio + "): " + (-v.overlap) + " row(s)/column(s) between windows are never looked at.";
    }
    var pooled = size ? size + "×" + size : "none";
    var what = v.mode === "max" ? "maximum" : "average";
    return viewDiv(v.status, [
      '<p data-output="formula">' + formula + "</p>",
      '<p>Pooled size: <b data-output="size">' + pooled + "</b> (each output is the " + what + " of a " +
        v.kernel + "×" + v.kernel + " window)</p>",
      '<p data-output="status">' + status + "</p>",
      '<p data-output="overlap">' + overlap + "</p>",
      poolSvg(v)
    ]);
  }

  // --- receptive field ---
  function stack(kernel, stride, count) { return range(count).map(function () { return [kernel, stride]; }); }

  function receptiveFieldView(s) {
    var v = { layers: s.layers, kernel: s.kernel_size, stride: s.stride, channels: s.channels };
    v.fields = range(v.layers).map(function (i) { return shapes.receptiveField(stack(v.kernel, v.stride, i + 1)); });
    v.jumps = range(v.layers + 1).map(function (depth) { return Math.pow(v.stride, depth); });
    v.field = v.fields[v.fields.length - 1];
    v.stackWeights = v.layers * shapes.convParams(v.channels, v.channels, v.kernel, false);
    v.singleWeights = shapes.convParams(v.channels, v.channels, v.field, false);
    v.stackCoefficient = v.layers * shapes.convParams(1, 1, v.kernel, false);
    v.singleCoefficient = shapes.convParams(1, 1, v.field, false);
    return v;
  }

  function receptiveFieldSvg(v) {
    var unit = 2 * Math.max(1, div(180, v.field)), parts = [], level, index, tap;
    var counts = range(v.layers + 1).map(function (l) { return shapes.receptiveField(stack(v.kernel, v.stride, v.layers - l)); });
    var fields = [1].concat(v.fields);
    function centre(l, i) { return [div((2 * i * v.jumps[l] + fields[l]) * unit, 2), (v.layers - l) * ROW_HEIGHT + 10]; }
    for (level = 1; level <= v.layers; level++) {
      for (index = 0; index < counts[level]; index++) {
        var a = centre(level, index);
        for (tap = 0; tap < v.kernel; tap++) {
          var b = centre(level - 1, index * v.stride + tap);
          parts.push('<line x1="' + a[0] + '" y1="' + a[1] + '" x2="' + b[0] + '" y2="' + b[1] + '" stroke="' + LINK + '"/>');
        }
      }
    }
    for (level = 0; level <= v.layers; level++) {
      for (index = 0; index < counts[level]; index++) {
        var c = centre(level, index);
        parts.push('<circle cx="' + c[0] + '" cy="' + c[1] + '" r="3" fill="' + (level === v.layers ? OUTPUT_FIRST : WINDOW) + '"/>');
      }
      var name = level === 0 ? "input" : "layer " + level + ": " + fields[level];
      parts.push('<text x="' + (v.field * unit + 8) + '" y="' + ((v.layers - level) * ROW_HEIGHT + 14) +
        '" font-size="12">' + name + "</text>");
    }
    return svg(v.field * unit + 90, v.layers * ROW_HEIGHT + 22, "receptive field " + v.field, parts);
  }

  function renderReceptiveField(s) {
    var v = receptiveFieldView(s), f = v.field, k = v.kernel;
    return viewDiv("ok", [
      '<p data-output="fields">Receptive field after each layer: ' + v.fields.join(", ") +
        " (each layer adds (k − 1)·jump = " + (k - 1) + "·jump, the jump growing by the stride " + v.stride + ")</p>",
      "<p>" + v.layers + " stacked " + k + "×" + k + " convolutions see " + '<b data-output="field">' + f + "×" + f +
        "</b> input pixels, as one " + f + "×" + f + " convolution does.</p>",
      "<p>Weights, C = " + v.channels + " channels in and out (biases aside): the stack has " + v.layers + "·" + k +
        "²·C² = " + v.stackCoefficient + "C² = " + '<b data-output="stack-weights">' + group(v.stackWeights) +
        "</b>; the single layer " + f + "²·C² = " + v.singleCoefficient + "C² = " +
        '<b data-output="single-weights">' + group(v.singleWeights) + "</b> (the stack needs " +
        tenthsRatio(100 * v.stackWeights, v.singleWeights) + "% of it).</p>",
      "<p>Non-linearities: " + v.layers + " in the stack, 1 in the single layer.</p>",
      receptiveFieldSvg(v)
    ]);
  }

  // --- 1×1 bottleneck ---
  function bottleneckView(s) {
    var v = { size: s.size, cin: s.in_channels, cout: s.out_channels, kernel: s.kernel_size, narrow: s.bottleneck };
    var through = v.narrow || v.cin;
    v.directMacs = shapes.convMacs(v.cin, v.cout, v.kernel, v.size, v.size);
    v.directParams = shapes.convParams(v.cin, v.cout, v.kernel);
    v.reduceMacs = v.narrow ? shapes.convMacs(v.cin, v.narrow, 1, v.size, v.size) : 0;
    v.reduceParams = v.narrow ? shapes.convParams(v.cin, v.narrow, 1) : 0;
    v.convMacs = shapes.convMacs(through, v.cout, v.kernel, v.size, v.size);
    v.convParams = shapes.convParams(through, v.cout, v.kernel);
    v.totalMacs = v.narrow ? v.reduceMacs + v.convMacs : v.directMacs;
    v.totalParams = v.narrow ? v.reduceParams + v.convParams : v.directParams;
    return v;
  }

  function bottleneckSvg(v) {
    var largest = Math.max(v.directMacs, v.totalMacs), parts = [];
    [["direct", v.directMacs], ["with 1×1", v.totalMacs]].forEach(function (bar, index) {
      var y = index * 28;
      parts.push(rect(90, y, Math.max(1, div(300 * bar[1], largest)), 20, index === 0 ? WINDOW : OUTPUT_FIRST));
      parts.push('<text x="0" y="' + (y + 15) + '" font-size="12">' + bar[0] + "</text>");
    });
    return svg(400, 58, "multiplies with and without the bottleneck", parts);
  }

  function renderBottleneck(s) {
    var v = bottleneckView(s), n = v.size, k = v.kernel, through, ratio;
    var direct = "<p>Direct: " + n + "×" + n + "×" + v.cin + " → " + k + "×" + k + " conv, " + v.cout + " filters: " +
      "H·W·K·F·F·D = " + n + "·" + n + "·" + v.cout + "·" + k + "·" + k + "·" + v.cin + " = " +
      '<b data-output="direct-macs">' + group(v.directMacs) + "</b> multiplies (≈ " + millions(v.directMacs) +
      "), " + group(v.directParams) + " parameters.</p>";
    if (v.narrow) {
      through = "<p>Through a 1×1 bottleneck to " + v.narrow + " channels: " + n + "·" + n + "·" + v.narrow + "·1·1·" +
        v.cin + " + " + n + "·" + n + "·" + v.cout + "·" + k + "·" + k + "·" + v.narrow + " = " + group(v.reduceMacs) +
        " + " + group(v.convMacs) + " = " + '<b data-output="bottleneck-macs">' + group(v.totalMacs) +
        "</b> multiplies (≈ " + millions(v.totalMacs) + "), " + group(v.totalParams) + " parameters.</p>";
      if (v.totalMacs < v.directMacs) {
        ratio = "The bottleneck needs " + tenthsRatio(100 * v.totalMacs, v.directMacs) + "% of the multiplies: " +
          tenthsRatio(v.directMacs, v.totalMacs) + "× fewer.";
      } else {
        ratio = "A " + v.narrow + "-channel bottleneck is not narrow enough to save anything here.";
      }
    } else {
      through = '<p>No bottleneck (width 0): <b data-output="bottleneck-macs">none</b>.</p>';
      ratio = "Set the bottleneck width above 0 to put a 1×1 convolution first.";
    }
    return viewDiv("ok", [direct, through, '<p data-output="ratio">' + ratio + "</p>", bottleneckSvg(v)]);
  }

  api.render = {
    "conv": renderConv,
    "pool": renderPool,
    "receptive-field": renderReceptiveField,
    "bottleneck": renderBottleneck
  };
  // Buttons: each returns the settings to change (explorers.py's Button.apply): fixed "sets" from
  // explorers.json, or computed here.
  var computed = {
    "conv": {
      "same-padding": function (s) {
        try { return { padding: shapes.samePadding(s.kernel_size) }; } catch (e) { return {}; }
      }
    }
  };
  api.actions = {};
  Object.keys(api.TEXT.explorers).forEach(function (kind) {
    api.actions[kind] = {};
    api.TEXT.explorers[kind].buttons.forEach(function (button) {
      var sets = button.sets;
      api.actions[kind][button.action] = sets ?
        function () { return JSON.parse(JSON.stringify(sets)); } : computed[kind][button.action];
    });
  });
})(ClassicCnn);
