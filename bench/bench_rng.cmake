# bench_rng extras (included by bench/CMakeLists.txt): where to find its NumPy peer.
target_compile_definitions(bench_rng PRIVATE SGDL_BENCH_DIR="${CMAKE_CURRENT_SOURCE_DIR}")
target_compile_options(bench_rng PRIVATE ${SGDL_WARN})
