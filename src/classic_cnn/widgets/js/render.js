// What each explorer shows: a line-for-line port of classic_cnn/widgets/logic.py (views) and render.py
// (markup), computing only with ClassicCnn.shapes; sentences, colours and sizes come from explorers.json
// (ClassicCnn.TEXT, inlined by static.py). tests/test_widgets_js.py asserts that, for a grid of
// settings, ClassicCnn.render[kind](settings, text) is the very string Python renders; `text` is
// explorers.json's sentences in the page's language (ClassicCnn.localize), English when left out.
var ClassicCnn = (typeof ClassicCnn === "object" && ClassicCnn) ? ClassicCnn : {};
(function (api) {
  "use strict";
  var shapes = api.shapes;
  var colours = api.TEXT.colours, sizes = api.TEXT.sizes;  // explorers.json, inlined by static.py
  var INPUT = colours.input, PADDING = colours.padding, GRID = colours.grid;
  var WINDOW = colours.window, WINDOW_FILL = colours.window_fill, IGNORED = colours.ignored, BAD = colours.bad;
  var OUTPUT = colours.output, OUTPUT_FIRST = colours.output_first, LINK = colours.link;
  var MAX_CELLS = sizes.max_cells, POOL_CELL = sizes.pool_cell, ROW_HEIGHT = sizes.row_height;
  var CONV_PICTURE = sizes.conv_picture, CONV_GAP = sizes.conv_gap, FIELD_PICTURE = sizes.field_picture;
  var LABEL_ROOM = sizes.label_room, BAR_LENGTH = sizes.bar_length, BAR_HEIGHT = sizes.bar_height, BAR_STEP = sizes.bar_step;
  var ENGLISH = api.TEXT.text, TEXT = ENGLISH;  // TEXT: the sentences of the render under way

  // --- formatting (integers only, as render.py) ---
  function group(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function div(a, b) { return Math.floor(a / b); }
  function millions(n) { var t = div(n + 50000, 100000); return sentence(TEXT.millions, { whole: div(t, 10), tenth: t % 10 }); }
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
  var sentence = api.sentence;  // a sentence of explorers.json with {name} replaced by String(values[name])
  function sentences(templates, values) { return templates.map(function (t) { return sentence(t, values); }); }
  function range(n) { var out = []; for (var i = 0; i < n; i++) { out.push(i); } return out; }

  // fits, floors (PyTorch's answer) or has no output at all — logic._output_size
  function outputSize(fn, args) {
    try { return ["ok", fn.apply(null, args.concat([true]))]; } catch (e) { /* try leniently */ }
    try { return ["floor", fn.apply(null, args.concat([false]))]; } catch (e) { return ["impossible", null]; }
  }

  // The settings as the explorer's controls allow them, or a RangeError worded as Python's — logic.checked
  function checked(kind, s) {
    api.TEXT.explorers[kind].controls.forEach(function (control) {
      var value = s[control.name];
      if (!control.options) {
        shapes.integer(control.name, value, control.min);
      } else if (control.options.indexOf(value) < 0) {
        throw new RangeError(sentence(api.TEXT.errors.option,
          { name: control.name, options: control.options.join(", "), value: shapes.repr(value) }));
      }
    });
  }

  // --- convolution ---
  function convView(s) {
    checked("conv", s);
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
    var size = v.size || 0, span = Math.max(v.padded, v.kernel), cell = Math.max(2, div(CONV_PICTURE, span)), gap = CONV_GAP;
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
    return svg(width, height, sentence(TEXT.conv.picture, { padded: v.padded, positions: v.positions.length }), parts);
  }

  function renderConv(s) {
    var v = convView(s), t = TEXT.conv, some = v.size === null ? "none" : "some";
    var w = {
      n: v.n, depth: v.depth, kernel: v.kernel, stride: v.stride, padding: v.padding, filters: v.filters,
      size: v.size, slack: v.slack, padded: v.padded, ignored: v.ignored, params: group(v.params),
      same_padding: v.same, activation_count: v.size === null ? null : group(v.activations),
      mac_count: v.size === null ? null : group(v.macs)
    };
    w.substituted = sentence(t.substituted, w);
    w.formula = sentence(t.formula[v.status], w);
    w.status = sentence(t.status[v.status], w);
    ["volume", "activations", "macs"].forEach(function (key) { w[key] = sentence(t[key][some], w); });
    w.same = sentence(t.same[v.same === null ? "even" : "odd"], w);
    return viewDiv(v.status, sentences(t.lines, w).concat([convSvg(v)]));
  }

  // --- pooling ---
  function exampleGrid(size) {
    return range(size).map(function (row) {
      return range(size).map(function (column) { return (3 * row + 5 * column + row * column) % 10; });
    });
  }

  function poolView(s) {
    checked("pool", s);
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
    return svg(width, height, sentence(TEXT.pool.picture, { n: n, drawn: size }), parts);
  }

  function renderPool(s) {
    var v = poolView(s), t = TEXT.pool;
    var w = {
      n: v.n, kernel: v.kernel, stride: v.stride, size: v.size, slack: v.n - v.kernel, ignored: v.ignored,
      overlap: v.overlap, gap: -v.overlap, what: t.what[v.mode]
    };
    w.substituted = sentence(t.substituted, w);
    w.formula = sentence(t.formula[v.status], w);
    w.status = sentence(t.status[v.status], w);
    w.overlap_text = sentence(t.overlap[v.overlap > 0 ? "overlapping" : v.overlap === 0 ? "tiling" : "gaps"], w);
    w.pooled = sentence(t.pooled[v.size ? "some" : "none"], w);
    return viewDiv(v.status, sentences(t.lines, w).concat([poolSvg(v)]));
  }

  // --- receptive field ---
  function stack(kernel, stride, count) { return range(count).map(function () { return [kernel, stride]; }); }

  function receptiveFieldView(s) {
    checked("receptive-field", s);
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
    var unit = 2 * Math.max(1, div(FIELD_PICTURE, v.field)), parts = [], level, index, tap;
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
      var name = level === 0 ? TEXT["receptive-field"].input :
        sentence(TEXT["receptive-field"].layer, { level: level, field: fields[level] });
      parts.push('<text x="' + (v.field * unit + 8) + '" y="' + ((v.layers - level) * ROW_HEIGHT + 14) +
        '" font-size="12">' + name + "</text>");
    }
    return svg(v.field * unit + LABEL_ROOM, v.layers * ROW_HEIGHT + 22, sentence(TEXT["receptive-field"].picture, { field: v.field }), parts);
  }

  function renderReceptiveField(s) {
    var v = receptiveFieldView(s);
    var w = {
      layers: v.layers, kernel: v.kernel, kernel_minus_one: v.kernel - 1, stride: v.stride, channels: v.channels,
      field: v.field, fields: v.fields.join(", "), stack_coefficient: v.stackCoefficient,
      single_coefficient: v.singleCoefficient, stack_weights: group(v.stackWeights),
      single_weights: group(v.singleWeights), percent: tenthsRatio(100 * v.stackWeights, v.singleWeights)
    };
    return viewDiv("ok", sentences(TEXT["receptive-field"].lines, w).concat([receptiveFieldSvg(v)]));
  }

  // --- 1×1 bottleneck ---
  function bottleneckView(s) {
    checked("bottleneck", s);
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
    var values = [v.directMacs, v.totalMacs];
    TEXT.bottleneck.bars.forEach(function (name, index) {
      var y = index * BAR_STEP, length = Math.max(1, div(BAR_LENGTH * values[index], largest));
      parts.push(rect(LABEL_ROOM, y, length, BAR_HEIGHT, index === 0 ? WINDOW : OUTPUT_FIRST));
      parts.push('<text x="0" y="' + (y + 15) + '" font-size="12">' + name + "</text>");
    });
    return svg(LABEL_ROOM + BAR_LENGTH + 10, values.length * BAR_STEP + 2, TEXT.bottleneck.picture, parts);
  }

  function renderBottleneck(s) {
    var v = bottleneckView(s), t = TEXT.bottleneck;
    var w = {
      size: v.size, cin: v.cin, cout: v.cout, kernel: v.kernel, narrow: v.narrow,
      direct_macs: group(v.directMacs), direct_millions: millions(v.directMacs), direct_params: group(v.directParams),
      reduce_macs: group(v.reduceMacs), conv_macs: group(v.convMacs), total_macs: group(v.totalMacs),
      total_millions: millions(v.totalMacs), total_params: group(v.totalParams),
      percent: tenthsRatio(100 * v.totalMacs, v.directMacs), times: tenthsRatio(v.directMacs, v.totalMacs)
    };
    w.direct = sentence(t.direct, w);
    w.through = sentence(t.through[v.narrow ? "some" : "none"], w);
    w.ratio = sentence(t.ratio[!v.narrow ? "none" : v.totalMacs < v.directMacs ? "saves" : "no_saving"], w);
    return viewDiv("ok", sentences(t.lines, w).concat([bottleneckSvg(v)]));
  }

  function using(render) {
    return function (s, text) { TEXT = text || ENGLISH; try { return render(s); } finally { TEXT = ENGLISH; } };
  }
  api.render = {
    "conv": using(renderConv),
    "pool": using(renderPool),
    "receptive-field": using(renderReceptiveField),
    "bottleneck": using(renderBottleneck)
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
