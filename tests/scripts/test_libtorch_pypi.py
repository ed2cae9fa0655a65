#!/usr/bin/env python3
"""scripts/libtorch_pypi.py against fake wheels in a local folder (pip --no-index, no network):
the runtime wheels come from torch's METADATA (markers for Linux x86_64, cuda-toolkit's extras),
a complete install is reused, an interrupted one is not, a truncated wheel is fetched again, and
an old glibc or driver is refused with what was found, leaving nothing installed."""
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "libtorch_pypi.py")


def wheel(folder, name, version, tag, files, requires=()):
    dist = f"{name.replace('-', '_')}-{version}"
    path = os.path.join(folder, f"{dist}-{tag}.whl")
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
        metadata = [f"Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        metadata += [f"Requires-Dist: {r}" for r in requires]
        archive.writestr(f"{dist}.dist-info/METADATA", "\n".join(metadata) + "\n")
        archive.writestr(f"{dist}.dist-info/WHEEL", f"Wheel-Version: 1.0\nTag: {tag}\n")
        archive.writestr(f"{dist}.dist-info/RECORD", "")
    return path


class LibtorchPypi(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        root = self.tmp.name
        self.index = os.path.join(root, "index")
        os.makedirs(self.index)
        py = "cp%d%d" % sys.version_info[:2]
        wheel(self.index, "torch", "9.1.0", f"{py}-{py}-manylinux_2_28_x86_64", {
            "torch/version.py": "__version__ = '9.1.0+cu132'\ncuda: Optional[str] = '13.2'\n",
            "torch/share/cmake/Torch/TorchConfig.cmake": "# fake\n",
            "torch/lib/libtorch.so": "x"}, [
            "filelock",
            'cuda-toolkit[cudart]==13.2.2; platform_system == "Linux"',
            'nvidia-nccl-cu13==2.30.7; platform_system == "Linux"',
            'nvidia-only-windows==1.0; platform_system == "Windows"',
            'triton==3.9.0; platform_system == "Linux"'])
        wheel(self.index, "cuda-toolkit", "13.2.2", "py3-none-any", {}, [
            "nvidia-cuda-runtime==13.2.86.*; sys_platform == 'linux' and extra == 'cudart'",
            "nvidia-cublas==13.4.1.3.*; sys_platform == 'linux' and extra == 'cublas'"])
        wheel(self.index, "nvidia-cuda-runtime", "13.2.86", "py3-none-manylinux_2_17_x86_64",
              {"nvidia/cu13/lib/libcudart.so.13": "x"})
        wheel(self.index, "nvidia-nccl-cu13", "2.30.7", "py3-none-manylinux_2_18_x86_64",
              {"nvidia/nccl/lib/libnccl.so.2": "x"})
        self.cache = os.path.join(root, "cache")
        self.env = dict(os.environ, MULTIPOS_CACHE=self.cache, MULTIPOS_FAKE_DRIVER_CUDA="",
                        MULTIPOS_PIP_ARGS=f"--no-index --find-links {self.index}")
        self.env.pop("MULTIPOS_TORCH_VERSION", None)

    def tearDown(self):
        self.tmp.cleanup()

    def run_script(self, *args, **env):
        return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                              env=dict(self.env, **env))

    def test_installs_exactly_the_runtime_wheels_and_reuses_them(self):
        result = self.run_script("install")
        self.assertEqual(result.returncode, 0, result.stderr)
        folder = result.stdout.strip()
        self.assertEqual(os.path.basename(folder), "9.1.0-cuda13.2")
        record = json.load(open(os.path.join(folder, ".complete")))
        self.assertEqual(sorted(w for w in record["wheels"] if not w.startswith("torch-")), sorted([
            "nvidia_cuda_runtime-13.2.86-py3-none-manylinux_2_17_x86_64.whl",
            "nvidia_nccl_cu13-2.30.7-py3-none-manylinux_2_18_x86_64.whl"]))
        self.assertTrue(os.path.isfile(os.path.join(folder, "nvidia/cu13/lib/libcudart.so.13")))
        self.assertFalse(os.path.exists(os.path.join(folder, "nvidia/cublas")), "an extra torch did not ask for")
        self.assertEqual(self.run_script("prefix").stdout.strip(), folder)
        again = self.run_script("install", MULTIPOS_PIP_ARGS="--no-index --find-links /nonexistent")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertNotIn("downloading", again.stderr, "a complete install is reused")

    def test_an_interrupted_install_is_not_taken_for_complete(self):
        self.assertEqual(self.run_script("install").returncode, 0)
        folder = self.run_script("prefix").stdout.strip()
        os.remove(os.path.join(folder, ".complete"))  # as if the unpack had stopped half-way
        self.assertNotEqual(self.run_script("prefix").returncode, 0)
        result = self.run_script("install")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(os.path.isfile(os.path.join(folder, ".complete")))
        leftovers = [n for n in os.listdir(os.path.join(self.cache, "libtorch")) if n.startswith(".")]
        self.assertEqual(leftovers, [], "no scratch folder left behind")

    def test_a_truncated_wheel_is_fetched_again(self):
        self.assertEqual(self.run_script("install").returncode, 0)
        folder = self.run_script("prefix").stdout.strip()
        downloads = os.path.join(self.cache, "libtorch", "downloads")
        nccl = [n for n in os.listdir(downloads) if n.startswith("nvidia_nccl")][0]
        with open(os.path.join(downloads, nccl), "r+b") as f:
            f.truncate(40)
        os.remove(os.path.join(folder, ".complete"))
        result = self.run_script("install")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("incomplete wheel", result.stderr)
        self.assertIn("40 bytes", result.stderr)
        self.assertGreater(os.path.getsize(os.path.join(downloads, nccl)), 40)

    def test_old_glibc_or_driver_is_refused_and_nothing_installed(self):
        glibc = self.run_script("install", MULTIPOS_FAKE_GLIBC="2.17")
        self.assertEqual(glibc.returncode, 1)
        self.assertIn("glibc 2.17", glibc.stderr)
        self.assertIn("needs glibc 2.28", glibc.stderr)
        self.assertIn("MULTIPOS_LIBTORCH=debian", glibc.stderr)
        driver = self.run_script("install", MULTIPOS_FAKE_DRIVER_CUDA="12.4")
        self.assertEqual(driver.returncode, 1)
        self.assertIn("supports CUDA 12.4", driver.stderr)
        self.assertIn("built for CUDA 13.2", driver.stderr)
        self.assertNotEqual(self.run_script("prefix").returncode, 0, "nothing installed")
        minor = self.run_script("install", MULTIPOS_FAKE_DRIVER_CUDA="13.0")
        self.assertEqual(minor.returncode, 0, minor.stderr)
        self.assertIn("warning", minor.stderr)


if __name__ == "__main__":
    unittest.main()
