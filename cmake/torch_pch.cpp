// Empty: the target multipos_torch_pch exists to build cmake/torch_pch.hpp's precompiled header,
// which every torch-using target reuses (cmake/TorchPch.cmake).
