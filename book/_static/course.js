// A figure that the text column shows smaller than it was drawn opens at full size when clicked.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("div.cell_output img").forEach(function (img) {
    if (img.closest(".jupyter-widgets, a")) return;
    function offerFullSize() {
      if (img.naturalWidth <= img.clientWidth + 1 || img.closest("a")) return;
      var link = document.createElement("a");
      link.href = img.src;
      link.target = "_blank";
      link.className = "course-full-size";
      link.title = (window.COURSE_WORDS || {}).full_size_title || "Open the figure at full size";
      img.replaceWith(link);
      link.appendChild(img);
    }
    if (img.complete) offerFullSize();
    else img.addEventListener("load", offerFullSize);
  });
});

// The page's contents open from the header's contents button wherever the contents are not beside the text. The
// theme connects only the first such button on the page (in a header this theme hides): pass clicks on to it.
document.addEventListener("DOMContentLoaded", function () {
  var toggles = document.querySelectorAll(".secondary-toggle");
  for (var i = 1; i < toggles.length; i++) {
    toggles[i].addEventListener("click", function (event) {
      event.preventDefault();
      event.stopPropagation();
      toggles[0].click();
    });
  }
  // Following a link in the opened contents closes them, so the reader sees where the link led.
  var contents = document.getElementById("pst-secondary-sidebar-modal");
  if (contents) {
    contents.addEventListener("click", function (event) {
      if (event.target.closest("a[href^='#']")) contents.close();
    });
  }
});
