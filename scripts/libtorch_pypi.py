#!/usr/bin/env python3
"""Installs a CUDA LibTorch from PyPI into a versioned cache outside the repo.

    libtorch_pypi.py install      # download (reused), check, unpack; prints the install folder
    libtorch_pypi.py prefix       # the complete install folder, or an error saying to run setup
    libtorch_pypi.py check-driver # compares nvidia-smi's CUDA version with the installed wheel's

The `torch` wheel from PyPI is a CUDA build; its shared libraries load NVIDIA's runtime
libraries from sibling `nvidia/...` folders that pip would install as packages of their own. We
download the torch wheel, read the NVIDIA runtime requirements from its METADATA (markers
evaluated for Linux x86_64; `cuda-toolkit[...]` expanded through its own METADATA's extras), download
exactly those wheels with --no-deps, and unpack everything into
`~/.cache/multipos/libtorch/<version>/` as if it were a site-packages folder. The folder is built in
a scratch folder beside it and renamed into place, with a `.complete` marker written last, so an
interrupted install never looks complete. Wheels stay in `~/.cache/multipos/libtorch/downloads`;
a truncated one (an interrupted download) is detected, deleted and fetched again.

Environment: MULTIPOS_TORCH_VERSION pins the torch version (e.g. 2.15.0), MULTIPOS_CACHE moves
the cache, MULTIPOS_PIP_ARGS adds pip arguments (tests: --no-index --find-links DIR), MULTIPOS_FAKE_GLIBC / MULTIPOS_FAKE_DRIVER_CUDA stand in for the machine's glibc and
driver CUDA version (tests of the error messages).
"""
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

try:  # pip vendors `packaging`; a system `packaging` works too
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.specifiers import SpecifierSet
except ImportError:  # pragma: no cover
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

CACHE = os.path.join(os.environ.get("MULTIPOS_CACHE", os.path.expanduser("~/.cache/multipos")), "libtorch")
DOWNLOADS = os.path.join(CACHE, "downloads")
PLATFORM_TAG = "manylinux_2_28_x86_64"


def fail(message):
    print(f"setup (pypi LibTorch): {message}", file=sys.stderr)
    sys.exit(1)


def say(message):
    print(f"setup (pypi LibTorch): {message}", file=sys.stderr, flush=True)


def marker_environment():
    """Markers as they evaluate on Linux x86_64 with this Python."""
    return {
        "platform_system": "Linux",
        "sys_platform": "linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
        "python_version": "%d.%d" % sys.version_info[:2],
        "python_full_version": platform.python_version(),
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }


def glibc_version():
    fake = os.environ.get("MULTIPOS_FAKE_GLIBC")
    if fake:
        return fake
    name, version = platform.libc_ver()
    return version if name == "glibc" else None


def version_tuple(text):
    return tuple(int(part) for part in re.findall(r"\d+", text))


def wheel_ok(path):
    """A complete wheel opens as a zip (its central directory is at the end of the file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None if os.environ.get("MULTIPOS_VERIFY_CRC") else bool(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def find_wheel(project, specifier=None):
    stem = re.sub(r"[-_.]+", "_", project).lower()
    found = []
    for name in sorted(os.listdir(DOWNLOADS)):
        if not name.endswith(".whl"):
            continue
        parts = name.split("-")
        if re.sub(r"[-_.]+", "_", parts[0]).lower() != stem:
            continue
        if specifier is not None and not specifier.contains(parts[1], prereleases=True):
            continue
        found.append(os.path.join(DOWNLOADS, name))
    return found


def download(spec, project, specifier=None):
    """Returns the path of a complete wheel for spec, downloading it (again) when needed."""
    os.makedirs(DOWNLOADS, exist_ok=True)
    for path in find_wheel(project, specifier):
        if wheel_ok(path):
            return path
        size = os.path.getsize(path)
        say(f"found an incomplete wheel {path} ({size} bytes, not a readable zip: an interrupted "
            f"download); deleting it and downloading it again")
        os.remove(path)
    # Every manylinux tag up to the torch wheel's: pip takes --platform tags literally.
    platforms = ["manylinux2014_x86_64", "linux_x86_64"] + [f"manylinux_2_{minor}_x86_64" for minor in range(5, 29)]
    command = [sys.executable, "-m", "pip", "download", spec, "--no-deps", "--only-binary=:all:",
               *[arg for tag in platforms for arg in ("--platform", tag)],
               "-d", DOWNLOADS, "-q", "--progress-bar", "off"]
    command += os.environ.get("MULTIPOS_PIP_ARGS", "").split()  # tests: --no-index --find-links DIR
    say(f"downloading {spec}")
    started = time.time()
    result = subprocess.run(command)
    if result.returncode != 0:
        fail(f"`pip download {spec}` failed (exit {result.returncode}): check the network or the "
             f"package index (pip's messages above); nothing was installed")
    paths = [p for p in find_wheel(project, specifier) if wheel_ok(p)]
    if not paths:
        fail(f"pip reported success for {spec} but no readable wheel is in {DOWNLOADS}")
    say(f"  {os.path.basename(paths[-1])}: {os.path.getsize(paths[-1]) / 1e6:.1f} MB in "
        f"{time.time() - started:.0f} s")
    return paths[-1]


def read_member(path, suffix):
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith(suffix) and name.count("/") == 1:
                return archive.read(name).decode("utf-8")
    return None


def requirements(wheel, extras=()):
    metadata = read_member(wheel, ".dist-info/METADATA") or ""
    out = []
    for line in metadata.splitlines():
        if not line.startswith("Requires-Dist:"):
            continue
        requirement = Requirement(line.split(":", 1)[1].strip())
        if requirement.marker is not None:
            environments = [dict(marker_environment(), extra=e) for e in (list(extras) or [""])]
            if not any(requirement.marker.evaluate(env) for env in environments):
                continue
        out.append(requirement)
    return out


def constrained(requirement):
    """The requirement's version specifier as METADATA states it (==X, ==X.*, >=X,<Y)."""
    if not str(requirement.specifier):
        fail(f"a METADATA requires {requirement} without a version; cannot pick a wheel")
    return requirement.specifier


def runtime_wheels(torch_wheel):
    """The NVIDIA runtime wheels torch's METADATA requires on Linux x86_64, with their versions."""
    wanted = {}
    for requirement in requirements(torch_wheel):
        name = requirement.name.lower()
        if name.startswith("nvidia-"):
            wanted.setdefault(name, constrained(requirement))
        elif name == "cuda-toolkit":  # a meta package: its extras name the runtime wheels
            specifier = constrained(requirement)
            toolkit = download(f"cuda-toolkit{specifier}", "cuda-toolkit", specifier)
            for inner in requirements(toolkit, sorted(requirement.extras)):
                if inner.name.lower().startswith("nvidia-") and "extra" in str(inner.marker or ""):
                    wanted.setdefault(inner.name.lower(), constrained(inner))
    return sorted(wanted.items())


def torch_cuda_version(torch_wheel):
    text = read_member_any(torch_wheel, "torch/version.py") or ""
    match = re.search(r"^cuda\s*(?::[^=]*)?=\s*['\"]([\d.]+)['\"]", text, re.M)
    return match.group(1) if match else None


def read_member_any(path, name):
    with zipfile.ZipFile(path) as archive:
        try:
            return archive.read(name).decode("utf-8")
        except KeyError:
            return None


def driver_cuda_version():
    fake = os.environ.get("MULTIPOS_FAKE_DRIVER_CUDA")
    if fake is not None:
        return fake or None
    if not shutil.which("nvidia-smi"):
        return None
    try:
        text = subprocess.run(["nvidia-smi"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"CUDA Version:\s*([\d.]+)", text)
    return match.group(1) if match else None


def check_driver(wheel_cuda, torch_version):
    """Fails when the driver's CUDA is older than the wheel's major version; warns on an older minor."""
    driver = driver_cuda_version()
    if driver is None or wheel_cuda is None:
        return
    have, need = version_tuple(driver), version_tuple(wheel_cuda)
    if have[:1] < need[:1]:
        fail(f"the NVIDIA driver supports CUDA {driver} (nvidia-smi) but torch {torch_version} from "
             f"PyPI is built for CUDA {wheel_cuda}: install a driver for CUDA {need[0]}.x or newer, "
             f"or pin an older torch built for CUDA {have[0]} (MULTIPOS_TORCH_VERSION=...), or use "
             f"Debian's CPU LibTorch (MULTIPOS_LIBTORCH=debian); nothing was installed")
    if have[:2] < need[:2]:
        say(f"warning: the driver supports CUDA {driver}, older than the wheel's CUDA {wheel_cuda}; "
            f"CUDA's minor-version compatibility runs it, but kernels compiled at run time (PTX) may "
            f"fail: a newer driver avoids that")


def check_glibc(torch_wheel):
    tag = os.path.basename(torch_wheel).rsplit("-", 1)[1].removesuffix(".whl")
    needed = re.findall(r"manylinux_(\d+)_(\d+)", tag)
    if "manylinux2014" in tag:
        needed.append(("2", "17"))
    if not needed:
        return
    need = min((int(a), int(b)) for a, b in needed)
    have = glibc_version()
    if have is None:
        fail(f"{os.path.basename(torch_wheel)} needs glibc {need[0]}.{need[1]} ({tag}) and this "
             f"machine's C library is not glibc: use MULTIPOS_LIBTORCH=debian")
    if version_tuple(have)[:2] < need:
        fail(f"this machine has glibc {have}, but {os.path.basename(torch_wheel)} needs glibc "
             f"{need[0]}.{need[1]} or newer (tag {tag}): upgrade the distribution (Debian 10+ / "
             f"Ubuntu 18.10+ have 2.28), or use Debian's CPU LibTorch (MULTIPOS_LIBTORCH=debian); "
             f"nothing was installed")


def unpack(wheels, target, record):
    """Unpacks wheels into a scratch folder next to target and renames it into place."""
    os.makedirs(CACHE, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=".unpack-", dir=CACHE)
    try:
        for wheel in wheels:
            say(f"unpacking {os.path.basename(wheel)}")
            with zipfile.ZipFile(wheel) as archive:
                for info in archive.infolist():
                    # LibTorch needs only the package folders, not the Python-facing dist-info scripts
                    archive.extract(info, scratch)
                    mode = (info.external_attr >> 16) & 0o777
                    if mode:
                        os.chmod(os.path.join(scratch, info.filename), mode)
        with open(os.path.join(scratch, ".complete"), "w") as marker:
            json.dump(record, marker, indent=1)
        if os.path.exists(target):
            old = tempfile.mkdtemp(prefix=".old-", dir=CACHE)
            os.rename(target, os.path.join(old, "x"))
            os.rename(scratch, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(scratch, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def complete(folder):
    return os.path.isfile(os.path.join(folder, ".complete")) and os.path.isfile(
        os.path.join(folder, "torch", "share", "cmake", "Torch", "TorchConfig.cmake"))


def installed():
    """The newest complete install folder, or None."""
    if not os.path.isdir(CACHE):
        return None
    pin = os.environ.get("MULTIPOS_TORCH_VERSION")
    best = None
    for name in os.listdir(CACHE):
        folder = os.path.join(CACHE, name)
        if name.startswith(".") or name == "downloads" or not complete(folder):
            continue
        if pin and not name.startswith(pin + "-"):
            continue
        if best is None or version_tuple(name) > version_tuple(os.path.basename(best)):
            best = folder
    return best


def install():
    if platform.machine() not in ("x86_64", "AMD64"):
        fail(f"the PyPI CUDA LibTorch is for x86_64; this machine is {platform.machine()}: use "
             f"MULTIPOS_LIBTORCH=debian")
    pin = os.environ.get("MULTIPOS_TORCH_VERSION")
    # A complete install of the pinned (or any, offline-friendly) version is reused as it is.
    ready = installed()
    if ready and (pin or os.environ.get("MULTIPOS_OFFLINE")):
        return ready
    started = time.time()
    torch_wheel = download(f"torch=={pin}" if pin else "torch", "torch",
                           SpecifierSet(f"=={pin}") if pin else None)
    check_glibc(torch_wheel)
    torch_version = os.path.basename(torch_wheel).split("-")[1]
    cuda = torch_cuda_version(torch_wheel)
    folder = os.path.join(CACHE, f"{torch_version}-cuda{cuda}" if cuda else f"{torch_version}-cpu")
    if complete(folder):
        check_driver(cuda, torch_version)
        return folder
    check_driver(cuda, torch_version)
    wanted = runtime_wheels(torch_wheel)
    say(f"torch {torch_version} (CUDA {cuda}) requires " + ", ".join(f"{n}{v}" for n, v in wanted))
    wheels = [torch_wheel] + [download(f"{name}{specifier}", name, specifier) for name, specifier in wanted]
    total = sum(os.path.getsize(w) for w in wheels)
    record = {"torch": torch_version, "cuda": cuda,
              "wheels": [os.path.basename(w) for w in wheels], "bytes": total}
    unpack(wheels, folder, record)
    say(f"LibTorch {torch_version} (CUDA {cuda}) ready in {folder}: {len(wheels)} wheels, "
        f"{total / 1e9:.2f} GB downloaded, {time.time() - started:.0f} s")
    return folder


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "install"
    if command == "install":
        print(install())
    elif command == "prefix":
        folder = installed()
        if folder is None:
            fail(f"no complete PyPI LibTorch in {CACHE}: run scripts/setup (with MULTIPOS_LIBTORCH=pypi)")
        print(folder)
    elif command == "check-driver":
        folder = installed()
        if folder:
            with open(os.path.join(folder, ".complete")) as marker:
                record = json.load(marker)
            check_driver(record.get("cuda"), record.get("torch"))
    else:
        fail(f"unknown command {command!r} (install, prefix, check-driver)")


if __name__ == "__main__":
    main()
