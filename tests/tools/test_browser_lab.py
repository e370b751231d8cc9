"""JupyterLab in a real browser: the chapter opens as a notebook, Run All reaches the end, MyST
renders, and a notebook
that is only opened is not marked as changed."""

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.tools.browser import ROOT, SCREENSHOTS, chromium_page, free_port, serve
from tools.lab import lab_command, lab_environment, set_default_viewer

TOKEN = "course-browser-test-" + "0" * 24


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of chapters/ (Run All must never touch the learner's own files)."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(
        ROOT / "chapters",
        root / "chapters",
        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"),
    )
    # The Chinese edition, with a learner's wrong answer to Exercise 4.2 already typed in: the
    # per-example mean (divided by m, the columns), the slip the check names.
    chinese = root / "locales" / "zh_CN" / "chapters"
    shutil.copytree(
        ROOT / "locales" / "zh_CN" / "chapters",
        chinese,
        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"),
    )
    notebook = chinese / "04a_forward_backward.md"
    text = notebook.read_text(encoding="utf-8")
    stub = '    """∂/∂ŷ of the mean over all N elements of (ŷ − y)²."""\n    # YOUR CODE HERE\n'
    assert stub in text, "the learner copy of Exercise 4.2 changed: update this test"
    wrong = '    """∂/∂ŷ of the mean over all N elements of (ŷ − y)²."""\n'
    wrong += "    return 2 * (y_hat - y) / y_hat.shape[1]\n"
    notebook.write_text(text.replace(stub, wrong, 1), encoding="utf-8")
    shutil.copy(ROOT / "jupytext.toml", root / "jupytext.toml")
    set_default_viewer()
    env = lab_environment(TOKEN, root / ".jupyter")
    # Render every cell (JupyterLab 4 windows long notebooks), so the test can read all outputs.
    tracker = (
        Path(env["JUPYTERLAB_SETTINGS_DIR"])
        / "@jupyterlab"
        / "notebook-extension"
        / "tracker.jupyterlab-settings"
    )
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    port = free_port()
    with serve(
        lab_command(root, port=port, open_browser=False),
        f"http://127.0.0.1:{port}/api?token={TOKEN}",
        root,
        env,
    ):
        yield f"http://127.0.0.1:{port}"


def open_notebook(page, base: str, path: str):
    page.goto(f"{base}/lab/tree/{path}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    accept_kernel_dialog(page)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)


def accept_kernel_dialog(page, wait_ms: int = 3000):
    """If JupyterLab asks which kernel to start, accept its suggestion (the notebook's own
    python3)."""
    button = page.locator(".jp-Dialog .jp-mod-accept")
    try:
        button.wait_for(timeout=wait_ms)
    except Exception:
        return
    button.click()


def run_all(page):
    accept_kernel_dialog(page)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    accept_kernel_dialog(page)


def test_chapter_1_runs_all_in_jupyterlab(lab):
    with chromium_page() as page:
        open_notebook(page, lab, "chapters/01_background.md")
        # Jupytext opened the .md file as a notebook, and jupyterlab-myst rendered the exercise
        # directive.
        assert page.locator(".jp-NotebookPanel").count() == 1
        assert "{exercise}" not in page.inner_text(".jp-NotebookPanel")
        run_all(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            page.locator(
                ".jp-OutputArea-output", has_text="MSE of the best constant prediction"
            ).wait_for(timeout=120_000)
        finally:
            page.screenshot(path=str(SCREENSHOTS / "lab_chapter01.png"), full_page=False)
        outputs = page.inner_text(".jp-NotebookPanel")
        assert "Exercise 1.1 (standardise): not attempted yet" in outputs
        assert (
            page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count()
            == 0
        ), outputs[-2000:]


def test_chapter_4_widgets_redraw_when_a_slider_moves(lab):
    with chromium_page() as page:
        open_notebook(page, lab, "chapters/04c_widgets.md")
        run_all(page)
        widget_outputs = page.locator(".jp-OutputArea-output:has(.widget-image)")
        widget_outputs.nth(1).wait_for(timeout=120_000)
        assert widget_outputs.count() == 2, "expected the activation widget and the loss widget"
        for index in range(2):
            output = widget_outputs.nth(index)
            image = output.locator(".widget-image")
            before = image.get_attribute("src")
            handle = output.locator(".noUi-handle").first
            handle.focus()
            for _ in range(3):
                handle.press("ArrowRight")
            page.wait_for_function(
                "([element, before]) => element.getAttribute('src') !== before",
                arg=[image.element_handle(), before],
                timeout=30_000,
            )
            assert output.locator(".widget-image").count() == 1, (
                "a slider move must redraw in place, not add a figure"
            )
        page.screenshot(path=str(SCREENSHOTS / "lab_chapter04c_widgets.png"), full_page=False)
        assert (
            page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count()
            == 0
        )


def test_a_chapter_only_opened_is_not_marked_changed_and_lab_loads_cleanly(lab):
    """Opening a notebook starts its kernel; nothing the reader did changed it, so closing it must
    not ask to save.

    JupyterLab writes the kernel's language_info into the notebook once the kernel is up (about 2 s
    after opening): tools.lab_contents gives the notebook that language_info when it is read, so the
    write changes nothing.
    """
    with chromium_page() as page:
        console = []
        page.on("console", lambda m: m.type in ("error", "warning") and console.append(m.text))
        open_notebook(
            page, lab, "chapters/02a_what_large_means.md"
        )  # returns once the kernel is idle
        page.wait_for_timeout(3000)
        dirty = page.locator(".jp-NotebookPanel.jp-mod-dirty, .lm-TabBar-tab.jp-mod-dirty").count()
        if dirty:
            page.screenshot(path=str(SCREENSHOTS / "lab_dirty_after_open.png"), full_page=False)
        assert dirty == 0, "JupyterLab marks a notebook that was only opened as changed"
    # An extension built for another JupyterLab than the one installed says so in the console.
    mismatched = [
        text for text in console if "Unsatisfied version" in text or "No satisfying version" in text
    ]
    assert not mismatched, mismatched[:3]


def test_a_chinese_learner_gets_exercise_4_2_wrong_and_reads_a_chinese_diagnosis(lab):
    """The Chinese learner copy of chapter 4 (what `make lab COURSE_LANG=zh` opens), run in
    JupyterLab with a wrong answer to Exercise 4.2: the check answers in Chinese, saying what to
    fix; the other exercises, untouched, say in Chinese that they are not attempted yet."""
    with chromium_page() as page:
        open_notebook(page, lab, "locales/zh_CN/chapters/04a_forward_backward.md")
        run_all(page)
        verdict = page.locator(".jp-OutputArea-output", has_text="✗ 练习 4.2")
        try:
            verdict.first.wait_for(timeout=120_000)
            verdict.first.scroll_into_view_if_needed()
        finally:
            page.screenshot(path=str(SCREENSHOTS / "lab_chapter04a_zh.png"), full_page=False)
        text = verdict.first.inner_text()
        assert "y_hat.size" in text, text  # what to divide by instead
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 20, f"not a Chinese diagnosis: {text}"
        outputs = page.inner_text(".jp-NotebookPanel")
        assert "⏳ 练习 4.1" in outputs and "尚未作答" in outputs
