// The activation explorer on a static page: the maps the kernel recorded, quantized to 8 bits per map (its own
// min..max, as the kernel's picture scales it), coloured through the same 256-colour map, switched by the controls.
// Hooks (stable, for tests): root data-explorer="activations"; controls data-control="image|layer|channel";
// canvases data-output="input|map"; the caption data-output="caption". Words: js/i18n.js (needed before this).
var ClassicCnn = (typeof ClassicCnn === "object" && ClassicCnn) ? ClassicCnn : {};

ClassicCnn.bytes = function (base64) {
  "use strict";
  var text = atob(base64), out = new Uint8Array(text.length);
  for (var i = 0; i < text.length; i++) { out[i] = text.charCodeAt(i); }
  return out;
};

// RGBA pixels of count levels from start, each level looked up in the 256×RGB colour table.
ClassicCnn.mapPixels = function (levels, start, count, colours) {
  "use strict";
  var rgba = new Uint8ClampedArray(count * 4);
  for (var i = 0; i < count; i++) {
    var level = levels[start + i];
    rgba[4 * i] = colours[3 * level];
    rgba[4 * i + 1] = colours[3 * level + 1];
    rgba[4 * i + 2] = colours[3 * level + 2];
    rgba[4 * i + 3] = 255;
  }
  return rgba;
};

// RGBA pixels of an input image stored as RGB bytes.
ClassicCnn.rgbPixels = function (bytes, start, count) {
  "use strict";
  var rgba = new Uint8ClampedArray(count * 4);
  for (var i = 0; i < count; i++) {
    rgba[4 * i] = bytes[start + 3 * i];
    rgba[4 * i + 1] = bytes[start + 3 * i + 1];
    rgba[4 * i + 2] = bytes[start + 3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  return rgba;
};

// Where each image's input and each layer's maps start in the byte arrays (the order Python wrote them).
ClassicCnn.activationLayout = function (spec) {
  "use strict";
  var inputSize = spec.input[0] * spec.input[1] * 3, mapsSize = 0, starts = [];
  spec.layers.forEach(function (layer) { starts.push(mapsSize); mapsSize += layer[1] * layer[2] * layer[3]; });
  return {
    input: function (image) { return image * inputSize; },
    map: function (image, layer, channel) {
      var shape = spec.layers[layer];
      return image * mapsSize + starts[layer] + channel * shape[2] * shape[3];
    },
  };
};

ClassicCnn.mountActivations = function (id) {
  "use strict";
  var root = document.querySelector('[data-ccnn-id="' + id + '"]');
  if (!root || root.getAttribute("data-mounted")) { return; }
  root.setAttribute("data-mounted", "true");
  var spec = JSON.parse(root.querySelector('script[type="application/json"]').textContent);
  var inputs = ClassicCnn.bytes(spec.inputs), levels = ClassicCnn.bytes(spec.levels);
  var colours = ClassicCnn.bytes(spec.colours), layout = ClassicCnn.activationLayout(spec);
  var control = function (name) { return root.querySelector('[data-control="' + name + '"]'); };
  var words = ClassicCnn.words(root);
  words.apply(root);
  var output = function (name) { return root.querySelector('[data-output="' + name + '"]'); };

  function draw(canvas, rgba, height, width) {
    var factor = Math.max(1, Math.floor(spec.display / Math.max(height, width)));
    canvas.width = width;
    canvas.height = height;
    canvas.style.width = width * factor + "px";
    canvas.style.height = height * factor + "px";
    canvas.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
  }

  function update() {
    var image = parseInt(control("image").value, 10), layer = parseInt(control("layer").value, 10);
    var shape = spec.layers[layer], channel = control("channel");
    channel.max = shape[1] - 1;
    var c = Math.min(parseInt(channel.value, 10), shape[1] - 1);
    channel.value = c;
    root.querySelector('[data-value="image"]').textContent = image;
    root.querySelector('[data-value="channel"]').textContent = c;
    var height = spec.input[0], width = spec.input[1];
    draw(output("input"), ClassicCnn.rgbPixels(inputs, layout.input(image), height * width), height, width);
    draw(output("map"), ClassicCnn.mapPixels(levels, layout.map(image, layer, c), shape[2] * shape[3], colours),
      shape[2], shape[3]);
    var range = spec.ranges[image][layer].split(" ");
    output("caption").textContent = ClassicCnn.sentence(words.t(spec.caption), {
      image: image, layer: shape[0], height: shape[2], width: shape[3], channels: shape[1], channel: c,
      low: range[2 * c], high: range[2 * c + 1]
    });
  }

  ["image", "layer", "channel"].forEach(function (name) {
    control(name).addEventListener("input", update);
    control(name).addEventListener("change", update);
    control(name).addEventListener("keydown", function (event) { event.stopPropagation(); });
  });
  update();
};
