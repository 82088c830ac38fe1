# Sourced by the bench scripts, from the repository root: how they build and start the benchmark
# classes, written once.

# The classpath of the bench classes into $cp (the modules' classes, then every dependency Maven
# resolved), from the last build.
bench_cp() {
  cp="api/target/classes:trainer-image/target/classes:bench/target/classes:$(cat bench/target/classpath.txt)"
}

# Compiles the bench module and the modules it depends on (offline), then sets $cp.
bench_classpath() {
  "$PWD/mvnw" -B -o -q -pl bench -am compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt >/dev/null
  bench_cp
}

# tcmalloc into $preload, as both PyTorch peers are run with it (see BENCHMARKS.md). "required":
# stop with the package to install when it is missing; "optional": leave $preload empty then.
bench_tcmalloc() {
  local lib=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
  preload=
  if [[ -e $lib ]]; then
    preload=$lib
  elif [[ $1 == required ]]; then
    echo "tcmalloc missing: apt-get install -y libtcmalloc-minimal4 (or --glibc)" >&2
    exit 2
  fi
}
