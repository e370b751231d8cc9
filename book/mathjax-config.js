// MathJax 3 settings for the book (book/conf.py: mathjax_config_path), inlined before MathJax loads and
// added to the settings myst-nb writes just before it (which say which elements hold maths).
// - textmacros (built into tex-chtml-full.js, which loads nothing more: a page with widgets has RequireJS, and
//   MathJax's loader waits for ever there): \_ inside \text{...} renders as in LaTeX and in JupyterLab.
// - MathJax.Hub.Queue: the widget manager typesets widget labels with MathJax 2's call; this passes
//   that call to MathJax 3, and keeps the labels that arrive before MathJax has started.
(function () {
  var waiting = [];
  var hub = {
    Queue: function (command) {
      var element = command && command[2];
      if (!element) return;
      if (window.MathJax && window.MathJax.typesetPromise) window.MathJax.typesetPromise([element]);
      else waiting.push(element);
    },
  };
  var config = window.MathJax || {};
  config.tex = config.tex || {};
  config.tex.packages = { "[+]": ["textmacros"] };
  config.startup = config.startup || {};
  config.startup.ready = function () {
    window.MathJax.startup.defaultReady();
    window.MathJax.Hub = hub;
    window.MathJax.startup.promise.then(function () {
      if (waiting.length) window.MathJax.typesetPromise(waiting.splice(0));
    });
  };
  config.Hub = hub;
  window.MathJax = config;
})();
