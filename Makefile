# sgdlab: a top-level Makefile for people; CMake does the building underneath.
#   make demo    install what is missing, build, run the default weak-error study
#   make test    install what is missing, build, run the test suite, then again under ASan/UBSan
#   make failalloc  fail every allocation of a small run of each command, one at a time (~15 min)
#   make failalloc-leaks  the same under ASan/LeakSanitizer (build-leak/), for leaks on those paths
#   make fuzz    fuzz every parser for FUZZ_SECONDS each (libFuzzer, needs clang; see fuzz/README.md)
#   make bench   benchmarks against NumPy / PyTorch / SciPy peers (bench/RESULTS.md)
#   make install PREFIX=/usr/local   install libsgdlab.so, headers, sgdlab, sgdlab.pc, the CMake
#                package and the Python package under PREFIX
#   make deb     build the Debian package (build/sgdlab_<version>_<arch>.deb) with CPack
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all setup build demo test test-release test-asan failalloc failalloc-leaks fuzz bench install deb clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@mkdir -p runs
	./$(BUILD)/sgdlab weak --problem double-well --T 2 --lr 0.2,0.1,0.05,0.025 \
	    --models gf,sme1,sme2,smf2 --observables x0,x0^2 --paths 1e6 --out runs/demo
	@echo "demo: plot runs/demo/weak.png, results runs/demo/results.json"

test: test-release test-asan

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j 1

# The sanitizer build runs the suite once more, skipping only the long Monte Carlo tests, the
# mpirun test (Open MPI's own allocations are not ours to check) and the fuzz smoke test (its
# harnesses carry their own sanitizers); all run above.
test-asan: setup
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSGDL_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j 1 -LE "slow|mpi|fuzz"

# `make test` fails every 7th allocation; this fails every one (tests/cli_failalloc.sh).
failalloc: build
	SGDL_FAILALLOC_STRIDE=1 SGDL_SRC=$(CURDIR) SGDL_BUILD=$(abspath $(BUILD)) bash tests/cli_failalloc.sh $(BUILD)/sgdlab

LEAK_BUILD ?= build-leak
failalloc-leaks: setup
	cmake -S . -B $(LEAK_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSGDL_SANITIZE=ON -DSGDL_FAILWRAP=ON >/dev/null
	cmake --build $(LEAK_BUILD) -j $(JOBS) --target sgdlab_cli
	bash tests/leak_sweep.sh $(LEAK_BUILD)/sgdlab

fuzz: setup
	$(MAKE) -C fuzz run OUT=$(abspath $(FUZZ_BUILD)) FUZZ_SECONDS=$(FUZZ_SECONDS) -j $(JOBS)

bench: build
	bash bench/run_all.sh

# ldconfig (as root) so that the system's loader finds the new libsgdlab.so.0 under PREFIX.
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)
	@if [ "$$(id -u)" = 0 ] && [ -w /etc/ld.so.cache ]; then ldconfig; fi

deb: build
	cd $(BUILD) && cpack -G DEB
	@ls $(BUILD)/*.deb

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(LEAK_BUILD)
