# bench_pde extras (included by bench/CMakeLists.txt's *.cmake glob): where to find its SciPy peer.
target_compile_definitions(bench_pde PRIVATE SGDL_BENCH_DIR="${CMAKE_CURRENT_SOURCE_DIR}")
target_compile_options(bench_pde PRIVATE ${SGDL_WARN})
